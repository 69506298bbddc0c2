#include "gateway/fhir/FhirError.h"

#include "mappings/fhir/Json.h"

namespace medbridge::fhir {

std::string operationOutcome(const std::vector<OutcomeIssue>& issues) {
  using namespace mappings::fhir;
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("resourceType", "OperationOutcome", a);
  Value list(rapidjson::kArrayType);
  for (const auto& i : issues) {
    Value issue(rapidjson::kObjectType);
    issue.AddMember("severity", str(i.severity, a), a);
    issue.AddMember("code", str(i.code.empty() ? "processing" : i.code, a), a);
    setString(issue, "diagnostics", i.diagnostics, a);
    if (!i.expression.empty()) {
      Value expressions(rapidjson::kArrayType);
      expressions.PushBack(str(i.expression, a), a);
      issue.AddMember("expression", expressions, a);
    }
    list.PushBack(issue, a);
  }
  if (list.Empty()) {
    Value issue(rapidjson::kObjectType);
    issue.AddMember("severity", "information", a);
    issue.AddMember("code", "informational", a);
    issue.AddMember("diagnostics", "ok", a);
    list.PushBack(issue, a);
  }
  d.AddMember("issue", list, a);
  return toJson(d);
}

}  // namespace medbridge::fhir
