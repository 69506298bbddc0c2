#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

namespace medbridge::workflow {

// What an expert's signature on a consultation report covers: the DiagnosticReport's content and
// the signed PDF. References are left out of the report's digest (they are rewritten when the
// report travels between gateways and the platform); the Task binds the report to its patient.
struct ReportDigests {
  std::string report;  // SHA-256 hex of the report without id, meta and every "reference"
  std::string pdf;     // SHA-256 hex of the DocumentReference's first attachment's data
};
ReportDigests reportDigests(const rapidjson::Value& report,
                            const rapidjson::Value& documentReference);

// A JWS (compact, ES256 for an EC key, RS256 for RSA) over the digests, the signer and the
// report's reference, signed with the PEM private key. Throws std::runtime_error on a bad key.
std::string signReport(const std::string& privateKeyPem, const std::string& signer,
                       const std::string& report, const ReportDigests& digests,
                       std::int64_t issuedAtSeconds);

// "" when `jws` verifies with the PEM public key and covers these digests, signer and report;
// else why not.
std::string verifyReport(const std::string& jws, const std::string& publicKeyPem,
                         const std::string& signer, const std::string& report,
                         const ReportDigests& digests);

}  // namespace medbridge::workflow
