#include "mappings/hl7v2/WorkflowApplication.h"

#include "gateway/workflow/WorkflowCodes.h"

namespace medbridge::mappings::hl7v2 {

using fhir::push;
using fhir::reference;
using fhir::setString;

std::string applicationKind(const Value& sr) {
  auto code = sr.FindMember("code");
  if (code == sr.MemberEnd() || !code->value.HasMember("coding") ||
      !code->value["coding"].IsArray() || code->value["coding"].Empty())
    return "";
  std::string system = fhir::stringMember(code->value["coding"][0], "system");
  if (system == workflow::kServiceTypeSystem) return "consultation";
  if (system == workflow::kReferralDirectionSystem) return "referral";
  return "";
}

void workflowApplication(MapState& s, Value& sr, const std::string& kind,
                         const std::string& suggested,
                         const std::vector<ApplicationParty>& parties) {
  auto& a = s.a();
  Value category(rapidjson::kObjectType);
  push(category, "coding",
       s.dt.coding(kind, kind == "referral" ? "Two-way referral" : "Remote consultation",
                   workflow::kTaskCodeSystem),
       a);
  if (sr.HasMember("category"))
    sr["category"].SetArray().PushBack(category, a);
  else
    push(sr, "category", std::move(category), a);
  if (!suggested.empty()) {
    sr.RemoveMember("occurrenceDateTime");
    setString(sr, "occurrenceDateTime", suggested, a);
  }
  for (const auto& party : parties) {
    if (party.reference.empty()) continue;
    if (party.role == "RP") {
      sr.RemoveMember("requester");
      sr.AddMember("requester", reference(party.reference, a), a);
    } else if (party.role == "RT") {
      // A name mapped from the segment gives way to the platform's references.
      if (!sr.HasMember("performer") || sr["performer"].Size() == 0 ||
          !sr["performer"][0].HasMember("reference"))
        sr.RemoveMember("performer");
      push(sr, "performer", reference(party.reference, a), a);
      if (!party.department.empty() && !sr.HasMember("performerType")) {
        Value type(rapidjson::kObjectType);
        push(type, "coding", s.dt.coding(party.department, "", workflow::kDepartmentSystem), a);
        sr.AddMember("performerType", type, a);
      }
    }
  }
}

}  // namespace medbridge::mappings::hl7v2
