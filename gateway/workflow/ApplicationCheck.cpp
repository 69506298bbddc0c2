#include "gateway/workflow/ApplicationCheck.h"

#include "gateway/workflow/ExpertPool.h"
#include "gateway/workflow/WorkflowCodes.h"

#include "mappings/fhir/Json.h"

namespace medbridge::workflow {
namespace {

using Value = rapidjson::Value;

constexpr auto text = mappings::fhir::stringMember;

const Value* member(const Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// Codes of `system` in a CodeableConcept or a list of them.
std::vector<std::string> codes(const Value* concepts, const char* system) {
  std::vector<std::string> out;
  if (!concepts) return out;
  auto one = [&](const Value& c) {
    if (const Value* coding = member(c, "coding"); coding && coding->IsArray())
      for (const auto& x : coding->GetArray())
        if (text(x, "system") == system) out.push_back(text(x, "code"));
  };
  if (concepts->IsArray())
    for (const auto& c : concepts->GetArray()) one(c);
  else
    one(*concepts);
  return out;
}

// Values of an extension: the member `kind` of each extension with this url.
std::vector<const Value*> extensions(const Value& resource, const char* url, const char* kind) {
  std::vector<const Value*> out;
  if (const Value* list = member(resource, "extension"); list && list->IsArray())
    for (const auto& e : list->GetArray())
      if (text(e, "url") == url)
        if (const Value* v = member(e, kind)) out.push_back(v);
  return out;
}

bool flag(const Value& resource, const char* url) {
  auto v = extensions(resource, url, "valueBoolean");
  return !v.empty() && v[0]->IsBool() && v[0]->GetBool();
}

bool registeredFor(const Value& organization, const std::string& department) {
  for (const Value* v : extensions(organization, kDepartmentExtension, "valueCoding"))
    if (text(*v, "system") == kDepartmentSystem && departmentCovers(text(*v, "code"), department))
      return true;
  return false;
}

std::string level(const Value& organization) {
  for (const Value* v : extensions(organization, kLevelExtension, "valueCoding"))
    if (text(*v, "system") == kLevelSystem) return text(*v, "code");
  return "";
}

std::string title(const Value& role) {
  auto t = codes(member(role, "code"), kTitleSystem);
  return t.empty() ? "" : t[0];
}

bool licensed(const Value& role) {
  return !extensions(role, kLicenseExtension, "valueIdentifier").empty() && !title(role).empty();
}

bool hasAny(const Value* v) {
  return v && ((v->IsArray() && !v->Empty()) || (v->IsObject() && v->MemberCount() > 0) ||
               (v->IsString() && v->GetStringLength() > 0));
}

}  // namespace

std::string requestedDepartment(const Value& request) {
  auto c = codes(member(request, "performerType"), kDepartmentSystem);
  return c.empty() ? "" : c[0];
}

std::vector<Problem> checkExpert(const Value& role, const std::string& department, bool requirePool,
                                 const std::string& today) {
  std::vector<Problem> out;
  std::string who = "the invited physician (PractitionerRole/" + text(role, "id") + ")";
  if (!licensed(role))
    out.push_back({who + " holds no practice licence (practice-license and a professional title)",
                   "PractitionerRole.extension"});
  auto since = extensions(role, kPracticeSinceExtension, "valueDate");
  int years =
      since.empty() || !since[0]->IsString() ? -1 : yearsBetween(since[0]->GetString(), today);
  if (years < 3)
    out.push_back({who + " has " +
                       (years < 0 ? "no recorded" : std::to_string(years) + " years of") +
                       " independent practice; at least 3 years are required",
                   "PractitionerRole.extension"});
  if (!department.empty() && !practisesIn(role, department))
    out.push_back({"department " + department + " is outside the practice scope of " + who,
                   "PractitionerRole.specialty"});
  if (requirePool && !inPool(role))
    out.push_back({who + " is not in the expert pool (workflow.requirePoolExpert)",
                   "PractitionerRole.extension"});
  return out;
}

std::vector<Problem> checkApplication(const Application& a) {
  std::vector<Problem> out;
  auto problem = [&](std::string message, std::string expression) {
    out.push_back({std::move(message), std::move(expression)});
  };
  if (!a.request) {
    problem("the application (Task.focus, a ServiceRequest) is not on the platform", "Task.focus");
    return out;
  }
  const Value& sr = *a.request;
  // (1) the inviting institution's name and level
  if (!a.inviting) {
    problem("the inviting institution (Task.requester) is not on the platform", "Task.requester");
  } else {
    if (text(*a.inviting, "name").empty())
      problem("the inviting institution has no name", "Organization.name");
    if (level(*a.inviting).empty())
      problem("the inviting institution's level (extension hospital-level) is missing",
              "Organization.extension");
  }
  // (2) service item, purpose, suggested time
  if (codes(member(sr, "code"), kServiceTypeSystem).empty())
    problem("the service item (ServiceRequest.code from consultation-service-type) is missing",
            "ServiceRequest.code");
  if (!hasAny(member(sr, "reasonCode")) && !hasAny(member(sr, "note")))
    problem("the purpose (ServiceRequest.reasonCode or note) is missing",
            "ServiceRequest.reasonCode");
  if (!hasAny(member(sr, "occurrenceDateTime")) && !hasAny(member(sr, "occurrencePeriod")))
    problem("the suggested time (ServiceRequest.occurrence[x]) is missing",
            "ServiceRequest.occurrence");
  if (ConsultationMachine::reference(sr, "subject") != a.patient)
    problem(
        "the application's patient (ServiceRequest.subject) is not the Task's (" + a.patient + ")",
        "ServiceRequest.subject");
  // (3) the patient's records, and the signed consent — both may follow an emergency
  if (!a.emergency) {
    if (a.records == 0)
      problem(
          "the patient's records (ServiceRequest.supportingInfo: DocumentReference, "
          "DiagnosticReport, Observation, Encounter or ImagingStudy) are missing",
          "ServiceRequest.supportingInfo");
    if (!a.consent || text(*a.consent, "status") != "active" ||
        (!hasAny(member(*a.consent, "sourceAttachment")) &&
         !hasAny(member(*a.consent, "sourceReference"))))
      problem(
          "the signed informed consent (a Consent in ServiceRequest.supportingInfo, status "
          "active, with the signed form) is missing",
          "ServiceRequest.supportingInfo");
  }
  // (4) invited institution, specialty, expert and title
  std::string department = requestedDepartment(sr);
  bool performer = false;
  if (const Value* list = member(sr, "performer"); list && list->IsArray())
    for (const auto& p : list->GetArray())
      performer = performer || text(p, "reference") == a.invitedReference;
  if (!performer)
    problem(
        "the invited institution (" + a.invitedReference + ") is not in ServiceRequest.performer",
        "ServiceRequest.performer");
  if (department.empty())
    problem("the specialty (ServiceRequest.performerType from department) is missing",
            "ServiceRequest.performerType");
  bool named = !codes(member(sr, "code"), kServiceTypeSystem).empty() &&
               codes(member(sr, "code"), kServiceTypeSystem)[0] == "named-expert";
  if (named && !a.namedExpert)
    problem(
        "a named-expert consultation names the expert (a PractitionerRole of the invited "
        "institution in ServiceRequest.performer)",
        "ServiceRequest.performer");
  if (a.namedExpert) {
    if (ConsultationMachine::reference(*a.namedExpert, "organization") != a.invitedReference)
      problem("the named expert does not belong to the invited institution",
              "ServiceRequest.performer");
    for (auto& p : checkExpert(*a.namedExpert, department, a.requirePoolExpert, a.today))
      out.push_back(std::move(p));
  }
  // Eligibility of both institutions [A1 §1.5, §1.6]
  if (a.inviting && !department.empty() && !registeredFor(*a.inviting, department))
    problem("the inviting institution is not registered for department " + department,
            "Organization.extension");
  if (a.inviting && !flag(*a.inviting, kQualifiedExtension))
    problem(
        "the inviting institution is not qualified for telemedicine (extension "
        "telemedicine-qualified)",
        "Organization.extension");
  if (!a.invited)
    problem("the invited institution (" + a.invitedReference + ") is not on the platform",
            "Task.owner");
  else if (!department.empty() && !registeredFor(*a.invited, department))
    problem("the invited institution is not registered for department " + department,
            "Organization.extension");
  // The accompanying physician [A1 §1.2]
  if (!a.attending) {
    problem(
        "the inviting side names no accompanying physician (ServiceRequest.requester, a "
        "PractitionerRole of the inviting institution)",
        "ServiceRequest.requester");
  } else {
    if (!licensed(*a.attending))
      problem("the accompanying physician holds no practice licence", "ServiceRequest.requester");
    std::string t = title(*a.attending), l = a.inviting ? level(*a.inviting) : "";
    bool primary = l.empty() || l[0] == '1' || l == "ungraded";
    if ((t == "assistant-physician" || t == "village-doctor") && !primary)
      problem(
          "an assistant physician or village doctor may accompany a consultation only at a "
          "primary-level institution",
          "ServiceRequest.requester");
  }
  return out;
}

}  // namespace medbridge::workflow
