#pragma once

#include <string>

#include "gateway/auth/TokenVerifier.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/http/HttpServer.h"

namespace medbridge::adapters::fhir_rest {

// FHIR over HTTP: turns requests under `mount` ("/fhir") into FhirServer requests and the
// answers into HTTP responses; JSON or XML by _format, Accept and Content-Type (XML is converted
// at this edge, the server works on JSON); enforces the request size limit (413). Every error is
// an OperationOutcome.
class FhirRestHandler {
 public:
  // verifier: nullptr when auth.mode is none; else every request but metadata needs a bearer
  // token (401 without a valid one, 403 when its scopes do not cover the request).
  FhirRestHandler(fhir::FhirServer& server, std::string mount,
                  const auth::TokenVerifier* verifier = nullptr)
      : server_(server), mount_(std::move(mount)), verifier_(verifier) {}
  http::Response operator()(const http::Request& request) const;

 private:
  fhir::FhirServer& server_;
  std::string mount_;
  const auth::TokenVerifier* verifier_;
};

}  // namespace medbridge::adapters::fhir_rest
