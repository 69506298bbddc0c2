#include "gateway/app/ReferralSubmission.h"

#include "gateway/core/Time.h"
#include "gateway/store/ResourceReads.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::app {
namespace {

using workflow::ConsultationMachine;

constexpr auto text = mappings::fhir::stringMember;

// Whether a FHIR period (start / end dates or instants) covers `day` (YYYY-MM-DD); no period
// covers every day.
bool covers(const rapidjson::Value& resource, const std::string& day) {
  auto it = resource.FindMember("period");
  if (it == resource.MemberEnd() || !it->value.IsObject()) return true;
  std::string start = text(it->value, "start"), end = text(it->value, "end");
  return (start.empty() || start.substr(0, 10) <= day) && (end.empty() || end.substr(0, 10) >= day);
}

bool coded(const rapidjson::Value& resource, const char* member, const char* system,
           const std::string& code) {
  auto it = resource.FindMember(member);
  if (it == resource.MemberEnd()) return false;
  auto one = [&](const rapidjson::Value& codeable) {
    return codeable.IsObject() && mappings::fhir::codeIn(codeable, system) == code;
  };
  if (it->value.IsArray()) {
    for (const auto& c : it->value.GetArray())
      if (one(c)) return true;
    return false;
  }
  return one(it->value);
}

}  // namespace

ReferralSubmission::ReferralSubmission(store::IResourceTx& tx, const rapidjson::Value& task,
                                       std::int64_t now, int priorConsultDays) {
  auto& r = referral_;
  r.patient = ConsultationMachine::reference(task, "for");
  r.sending = ConsultationMachine::reference(task, "requester");
  r.receiving = ConsultationMachine::invitedOrganization(task);
  if (r.receiving.empty()) r.receiving = ConsultationMachine::reference(task, "owner");
  r.emergency = text(task, "priority") == "stat";
  r.priorConsultDays = priorConsultDays;
  if (store::readCurrent(tx, ConsultationMachine::reference(task, "focus"), request_)) {
    r.request = &request_;
    if (auto it = request_.FindMember("supportingInfo");
        it != request_.MemberEnd() && it->value.IsArray())
      for (const auto& s : it->value.GetArray()) {
        std::string ref = text(s, "reference");
        rapidjson::Document found;
        if (!store::readCurrent(tx, ref, found)) continue;
        std::string type = ref.substr(0, ref.find('/'));
        if (type == "Consent" && !r.consent) {
          consent_.CopyFrom(found, consent_.GetAllocator());
          r.consent = &consent_;
        } else if (type == "CarePlan") {
          r.carePlan = true;
        } else if (type == "DiagnosticReport" || type == "ImagingStudy") {
          ++r.results;
        }
      }
  }
  std::string today = core::instantOf(now).substr(0, 10);
  findAgreement(tx, today);
  findUnstableFlag(tx, today);
  findPriorConsultation(tx, now);
}

void ReferralSubmission::findAgreement(store::IResourceTx& tx, const std::string& today) {
  auto& r = referral_;
  for (const auto& [primary, participating] :
       {std::pair{r.sending, r.receiving}, std::pair{r.receiving, r.sending}})
    for (const auto& id : tx.search(mappings::fhir::parseSearch(
             "OrganizationAffiliation", {{"primary-organization", primary}}, true))) {
      rapidjson::Document a;
      if (!store::readCurrent(tx, "OrganizationAffiliation/" + id, a)) continue;
      bool active = !a.HasMember("active") || (a["active"].IsBool() && a["active"].GetBool());
      if (active && covers(a, today) &&
          ConsultationMachine::reference(a, "participatingOrganization") == participating &&
          coded(a, "code", workflow::kAffiliationSystem, "referral-agreement"))
        r.agreement = true;
    }
}

void ReferralSubmission::findUnstableFlag(store::IResourceTx& tx, const std::string& today) {
  for (const auto& id :
       tx.search(mappings::fhir::parseSearch("Flag", {{"patient", referral_.patient}}, true))) {
    rapidjson::Document flag;
    if (store::readCurrent(tx, "Flag/" + id, flag) && text(flag, "status") == "active" &&
        covers(flag, today) && coded(flag, "code", workflow::kPatientFlagSystem, "unstable")) {
      referral_.unstableFlag = "Flag/" + id;
      return;
    }
  }
}

// The consultation Tasks a basedOn entry names: the consultation's application (a ServiceRequest
// by reference, or by identifier as the HIS knows it) and so its Task, or the Task itself.
std::vector<std::string> ReferralSubmission::consultationsNamed(store::IResourceTx& tx,
                                                                const rapidjson::Value& basedOn) {
  std::vector<std::string> requests, tasks;
  std::string ref = text(basedOn, "reference");
  if (ref.rfind("Task/", 0) == 0) return {ref};
  if (ref.rfind("ServiceRequest/", 0) == 0) requests.push_back(ref);
  if (auto it = basedOn.FindMember("identifier"); it != basedOn.MemberEnd() && it->value.IsObject())
    for (const auto& id : tx.search(mappings::fhir::parseSearch(
             "ServiceRequest",
             {{"identifier", text(it->value, "system") + "|" + text(it->value, "value")}}, true)))
      requests.push_back("ServiceRequest/" + id);
  for (const auto& request : requests)
    for (const auto& id :
         tx.search(mappings::fhir::parseSearch("Task", {{"focus", request}}, true)))
      tasks.push_back("Task/" + id);
  return tasks;
}

void ReferralSubmission::findPriorConsultation(store::IResourceTx& tx, std::int64_t now) {
  auto& r = referral_;
  if (!r.request) return;
  auto it = request_.FindMember("basedOn");
  if (it == request_.MemberEnd() || !it->value.IsArray()) return;
  std::int64_t since = now - std::int64_t(r.priorConsultDays) * 86'400'000;
  for (const auto& b : it->value.GetArray()) {
    auto named = consultationsNamed(tx, b);
    if (named.empty() && r.priorConsultationProblem.empty()) {
      std::string what = text(b, "reference");
      if (what.empty() && b.HasMember("identifier")) what = text(b["identifier"], "value");
      r.priorConsultationProblem = "no consultation known here is " + what;
    }
    for (const auto& ref : named) {
      rapidjson::Document task;
      std::string why;
      if (!store::readCurrent(tx, ref, task) || !ConsultationMachine::isConsultation(task)) {
        why = ref + " is not a consultation known here";
      } else if (text(task, "status") != "completed") {
        why = ref + " is " + text(task, "status") + ", not completed";
      } else if (ConsultationMachine::reference(task, "for") != r.patient) {
        why = ref + " is about another patient";
      } else {
        auto ended = mappings::fhir::dateRange(text(task, "lastModified"));
        if (!ended || ended->from < since) {
          why = ref + " ended before the last " + std::to_string(r.priorConsultDays) + " days";
        } else {
          r.priorConsultation = ref;
          r.priorConsultationProblem.clear();
          return;
        }
      }
      if (r.priorConsultationProblem.empty()) r.priorConsultationProblem = why;
    }
  }
}

}  // namespace medbridge::app
