#pragma once

#include <string>

namespace medbridge::identity {

// What an identity operation answers over FHIR.
struct FhirAnswer {
  int status = 200;
  std::string json;  // a Parameters, Bundle or OperationOutcome resource
};

// An OperationOutcome with one issue.
FhirAnswer outcomeAnswer(int status, const std::string& severity, const std::string& code,
                         const std::string& text);

}  // namespace medbridge::identity
