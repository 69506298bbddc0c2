#include "gateway/workflow/ReportSignature.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include <memory>
#include <sstream>
#include <stdexcept>

#include "gateway/core/Hash.h"
#include "mappings/fhir/Json.h"

namespace medbridge::workflow {
namespace {

using Value = rapidjson::Value;

void dropReferences(Value& v) {
  if (v.IsObject()) {
    v.RemoveMember("reference");
    for (auto& m : v.GetObject()) dropReferences(m.value);
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) dropReferences(e);
  }
}

// A signer for a PEM key: EC → ES256, RSA → RS256.
std::unique_ptr<Poco::JWT::Signer> signerFor(const std::string& pem, bool isPrivate,
                                             std::string& algorithm) {
  try {
    std::istringstream in(pem);
    Poco::SharedPtr<Poco::Crypto::ECKey> ec(isPrivate ? new Poco::Crypto::ECKey(nullptr, &in)
                                                      : new Poco::Crypto::ECKey(&in));
    algorithm = Poco::JWT::Signer::ALGO_ES256;
    auto signer = std::make_unique<Poco::JWT::Signer>(ec);
    signer->setAlgorithms({algorithm});
    return signer;
  } catch (const Poco::Exception&) {
  }
  try {
    std::istringstream in(pem);
    Poco::SharedPtr<Poco::Crypto::RSAKey> rsa(isPrivate ? new Poco::Crypto::RSAKey(nullptr, &in)
                                                        : new Poco::Crypto::RSAKey(&in));
    algorithm = Poco::JWT::Signer::ALGO_RS256;
    auto signer = std::make_unique<Poco::JWT::Signer>(rsa);
    signer->setAlgorithms({algorithm});
    return signer;
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(std::string("not a PEM EC or RSA ") +
                             (isPrivate ? "private" : "public") + " key: " + e.displayText());
  }
}

}  // namespace

ReportDigests reportDigests(const Value& report, const Value& documentReference) {
  rapidjson::Document copy;
  copy.CopyFrom(report, copy.GetAllocator());
  copy.RemoveMember("id");
  copy.RemoveMember("meta");
  dropReferences(copy);
  ReportDigests d;
  d.report = core::sha256Hex(mappings::fhir::canonicalJson(copy));
  std::string data;
  if (documentReference.IsObject() && documentReference.HasMember("content") &&
      documentReference["content"].IsArray() && !documentReference["content"].Empty()) {
    const Value& content = documentReference["content"][0];
    if (content.HasMember("attachment") && content["attachment"].HasMember("data") &&
        content["attachment"]["data"].IsString())
      data = content["attachment"]["data"].GetString();
  }
  std::istringstream encoded(data);
  Poco::Base64Decoder decoder(encoded);
  std::string bytes((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  d.pdf = core::sha256Hex(bytes);
  return d;
}

std::string signReport(const std::string& privateKeyPem, const std::string& signer,
                       const std::string& report, const ReportDigests& digests,
                       std::int64_t issuedAtSeconds) {
  std::string algorithm;
  auto jws = signerFor(privateKeyPem, true, algorithm);
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(signer);
  token.payload().set("report", report);
  token.payload().set("reportSha256", digests.report);
  token.payload().set("pdfSha256", digests.pdf);
  token.setIssuedAt(Poco::Timestamp::fromEpochTime(issuedAtSeconds));
  return jws->sign(token, algorithm);
}

std::string verifyReport(const std::string& jws, const std::string& publicKeyPem,
                         const std::string& signer, const std::string& report,
                         const ReportDigests& digests) {
  std::string algorithm;
  Poco::JWT::Token token;
  try {
    auto verifier = signerFor(publicKeyPem, false, algorithm);
    if (!verifier->tryVerify(jws, token))
      return "the signature does not verify with " + signer + "'s key";
  } catch (const std::exception& e) {
    return std::string("the signature cannot be checked: ") + e.what();
  }
  const auto& claims = token.payload();
  if (token.getSubject() != signer)
    return "the signature is " + token.getSubject() + "'s, not " + signer + "'s";
  if (claims.optValue<std::string>("report", "") != report)
    return "the signature is for " + claims.optValue<std::string>("report", "another report");
  if (claims.optValue<std::string>("reportSha256", "") != digests.report)
    return "the report was changed after it was signed";
  if (claims.optValue<std::string>("pdfSha256", "") != digests.pdf)
    return "the signed PDF was changed after it was signed";
  return "";
}

}  // namespace medbridge::workflow
