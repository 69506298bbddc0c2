#pragma once

#include <string>
#include <vector>

#include "mappings/fhir/Definitions.h"
#include "mappings/fhir/Json.h"

namespace medbridge::mappings::fhir {

// One finding, shaped for an OperationOutcome.issue.
struct ValidationIssue {
  std::string severity;    // "error" | "warning"
  std::string code;        // issue-type: "structure", "required", "value", "code-invalid"
  std::string expression;  // FHIRPath of the element: "Patient.name[0].given[1]"
  std::string message;
};

// Structural validation of a resource against the R4 StructureDefinitions (as data): element
// names, JSON kinds, cardinality (required elements included), required bindings on codes,
// primitive formats; contained and nested resources too. Expects numbers as parseJson keeps them.
class Validator {
 public:
  explicit Validator(const Definitions& definitions = Definitions::r4()) : defs_(definitions) {}
  std::vector<ValidationIssue> validate(const Value& resource) const;

 private:
  struct Walk;
  const Definitions& defs_;
};

// True when any issue is an error.
bool hasErrors(const std::vector<ValidationIssue>& issues);

}  // namespace medbridge::mappings::fhir
