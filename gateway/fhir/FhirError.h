#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace medbridge::fhir {

// One issue of an OperationOutcome.
struct OutcomeIssue {
  std::string severity = "error";  // fatal | error | warning | information
  std::string code;                // issue-type: invalid, structure, required, not-found, ...
  std::string diagnostics;
  std::string expression;  // FHIRPath, or ""
};

// A request the server refuses: becomes an OperationOutcome with this HTTP status.
struct FhirError : std::runtime_error {
  FhirError(int status, std::string code, const std::string& diagnostics,
            std::string expression = "")
      : std::runtime_error(diagnostics),
        status(status),
        issues{{"error", std::move(code), diagnostics, std::move(expression)}} {}
  FhirError(int status, std::vector<OutcomeIssue> all)
      : std::runtime_error(all.empty() ? "" : all.front().diagnostics),
        status(status),
        issues(std::move(all)) {}
  int status;
  std::vector<OutcomeIssue> issues;
};

// An OperationOutcome resource (JSON) of these issues.
std::string operationOutcome(const std::vector<OutcomeIssue>& issues);

}  // namespace medbridge::fhir
