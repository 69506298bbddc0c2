#pragma once

#include <string>

#include "gateway/fhir/FhirServer.h"
#include "gateway/http/HttpServer.h"

namespace medbridge::adapters::fhir_rest {

// FHIR over HTTP: turns requests under `mount` ("/fhir") into FhirServer requests and the
// answers into HTTP responses; JSON or XML by _format, Accept and Content-Type (XML is converted
// at this edge, the server works on JSON); enforces the request size limit (413). Every error is
// an OperationOutcome.
class FhirRestHandler {
 public:
  FhirRestHandler(fhir::FhirServer& server, std::string mount)
      : server_(server), mount_(std::move(mount)) {}
  http::Response operator()(const http::Request& request) const;

 private:
  fhir::FhirServer& server_;
  std::string mount_;
};

}  // namespace medbridge::adapters::fhir_rest
