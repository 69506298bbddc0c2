#include "gateway/workflow/ReferralCheck.h"

#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/tables/Tables.h"

namespace medbridge::workflow {
namespace {

using Value = rapidjson::Value;

constexpr auto text = mappings::fhir::stringMember;

// The direction (upward / downward) an indication code fits, "" when it is not one.
std::string indicationDirection(const std::string& code) {
  static const rapidjson::Document table = [] {
    rapidjson::Document d;
    d.Parse(mappings::embeddedTables().at("referral-indications").c_str());
    return d;
  }();
  for (const auto& c : table["concept"].GetArray())
    if (text(c, "code") == code)
      for (const auto& p : c["property"].GetArray())
        if (text(p, "code") == "direction") return text(p, "valueCode");
  return "";
}

// Indication codes in ServiceRequest.reasonCode.
std::vector<std::string> indications(const Value& request) {
  std::vector<std::string> out;
  auto it = request.FindMember("reasonCode");
  if (it == request.MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& reason : it->value.GetArray())
    if (reason.HasMember("coding") && reason["coding"].IsArray())
      for (const auto& c : reason["coding"].GetArray())
        if (text(c, "system") == kReferralIndicationSystem) out.push_back(text(c, "code"));
  return out;
}

}  // namespace

std::string referralDirection(const Value& request) {
  auto it = request.FindMember("code");
  if (it == request.MemberEnd() || !it->value.IsObject()) return "";
  std::string code = mappings::fhir::codeIn(it->value, kReferralDirectionSystem);
  return code == "upward" || code == "downward" ? code : "";
}

std::vector<Problem> checkReferral(const Referral& r) {
  std::vector<Problem> out;
  auto problem = [&](std::string message, std::string expression) {
    out.push_back({std::move(message), std::move(expression)});
  };
  if (!r.request) {
    problem("the referral (Task.focus: a ServiceRequest) is not known here", "Task.focus");
    return out;
  }
  const Value& sr = *r.request;
  std::string direction = referralDirection(sr);
  if (direction.empty())
    problem(std::string("the referral's direction is missing: ServiceRequest.code upward or "
                        "downward from ") +
                kReferralDirectionSystem,
            "ServiceRequest.code");
  if (ConsultationMachine::reference(sr, "subject") != r.patient)
    problem("the referral's patient (ServiceRequest.subject) is not the Task's (" + r.patient + ")",
            "ServiceRequest.subject");
  // The indication, from the code system of DOMAIN.md's lists, fitting the direction.
  auto given = indications(sr);
  bool fits = false;
  for (const auto& code : given) {
    std::string fitsDirection = indicationDirection(code);
    if (fitsDirection.empty())
      problem("'" + code + "' is not a referral indication", "ServiceRequest.reasonCode");
    else if (!direction.empty() && fitsDirection != direction)
      problem("'" + code + "' is an indication for referring " + fitsDirection +
                  ", and this referral is " + direction,
              "ServiceRequest.reasonCode");
    else
      fits = true;
  }
  if (given.empty() || (!fits && out.empty()))
    problem(std::string("the referral's indication is missing (ServiceRequest.reasonCode from ") +
                kReferralIndicationSystem + ")",
            "ServiceRequest.reasonCode");
  if (!r.agreement)
    problem("there is no active referral agreement between " + r.sending + " and " + r.receiving +
                " (an OrganizationAffiliation coded referral-agreement)",
            "Task.owner");
  if (!r.consent || text(*r.consent, "status") != "active" ||
      ConsultationMachine::reference(*r.consent, "patient") != r.patient)
    problem(
        "the referral consent signed by the patient, a guardian or a close relative (an active "
        "Consent for the patient in ServiceRequest.supportingInfo) is missing",
        "ServiceRequest.supportingInfo");
  if (!r.unstableFlag.empty())
    problem("the patient's vital signs are not stable (" + r.unstableFlag +
                "): an unstable patient is not transferred — treat locally and request a remote "
                "consultation",
            "Task.for");
  if (direction == "upward" && !r.emergency && r.priorConsultation.empty())
    problem("an upward referral follows a completed remote consultation of the patient within " +
                std::to_string(r.priorConsultDays) +
                " days, its application named in ServiceRequest.basedOn (or is an emergency: "
                "Task.priority "
                "stat)" +
                (r.priorConsultationProblem.empty() ? "" : "; " + r.priorConsultationProblem),
            "ServiceRequest.basedOn");
  if (direction == "downward" && !r.carePlan)
    problem(
        "a downward referral carries the follow-up treatment plan and rehabilitation guidance (a "
        "CarePlan in ServiceRequest.supportingInfo)",
        "ServiceRequest.supportingInfo");
  if (direction == "downward" && r.results == 0)
    problem(
        "a downward referral carries the patient's results (DiagnosticReport or ImagingStudy in "
        "ServiceRequest.supportingInfo)",
        "ServiceRequest.supportingInfo");
  return out;
}

}  // namespace medbridge::workflow
