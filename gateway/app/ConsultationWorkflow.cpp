#include "gateway/app/ConsultationWorkflow.h"

#include "gateway/app/CaseExport.h"
#include "gateway/app/ExpertSearch.h"
#include "gateway/app/ReferralForm.h"
#include "gateway/app/ReferralRegister.h"
#include "gateway/app/ReferralSubmission.h"
#include "gateway/app/ReportSigning.h"
#include "gateway/app/SharedResults.h"
#include "gateway/app/TaskOperations.h"

#include <Poco/Logger.h>

#include <fstream>
#include <sstream>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Time.h"
#include "gateway/fhir/ResourceJson.h"
#include "gateway/routing/Processor.h"
#include "gateway/store/ResourceReads.h"
#include "gateway/workflow/ActorRoles.h"
#include "gateway/workflow/ApplicationCheck.h"
#include "gateway/workflow/ExpertPool.h"
#include "gateway/workflow/RatingCheck.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"
#include "mappings/fhir/SearchValues.h"
#include "mappings/tables/Tables.h"

namespace medbridge::app {
namespace {

using mappings::fhir::Value;
using workflow::ConsultationMachine;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.workflow.consultation");
}

constexpr auto text = mappings::fhir::stringMember;

constexpr auto readIn = store::readCurrent;

std::string extensionCode(const Value& resource, const char* url) {
  if (auto it = resource.FindMember("extension"); it != resource.MemberEnd() && it->value.IsArray())
    for (const auto& e : it->value.GetArray())
      if (text(e, "url") == url) return text(e, "valueCode");
  return "";
}

constexpr auto codeOf = mappings::fhir::codeIn;

int zoneOffsetMinutes(const std::string& zone) {
  std::string offset = routing::offsetForZone(zone);  // "+08:00"
  if (offset.size() != 6) return 480;
  int minutes = std::stoi(offset.substr(1, 2)) * 60 + std::stoi(offset.substr(4, 2));
  return offset[0] == '-' ? -minutes : minutes;
}

// The acting PractitionerRole or Organization as the platform knows it; 422 when unknown.
workflow::Actor readActor(store::IResourceTx& tx, const std::string& reference,
                          const std::string& expression) {
  workflow::Actor actor{reference, "", {}};
  rapidjson::Document who;
  if (!readIn(tx, reference, who))
    throw fhir::FhirError(422, "not-found", "the acting party " + reference + " is not known here",
                          expression);
  if (reference.rfind("Organization/", 0) == 0) {
    actor.organization = reference;
  } else {
    actor.organization = ConsultationMachine::reference(who, "organization");
    if (auto it = who.FindMember("code"); it != who.MemberEnd() && it->value.IsArray())
      for (const auto& c : it->value.GetArray())
        if (auto code = codeOf(c, workflow::kFunctionSystem); !code.empty())
          actor.functions.insert(code);
  }
  return actor;
}

workflow::DeadlineTable deadlineTable(const core::WorkflowConfig& w) {
  if (w.deadlinesFile.empty()) return workflow::DeadlineTable::consultationDefaults();
  std::ifstream in(w.deadlinesFile);
  if (!in)
    throw core::Error(core::ErrorCode::ConfigInvalid,
                      "workflow.deadlinesFile: cannot read " + w.deadlinesFile);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return workflow::DeadlineTable::parse(text.str());
  } catch (const std::invalid_argument& e) {
    throw core::Error(core::ErrorCode::ConfigInvalid,
                      "workflow.deadlinesFile: " + std::string(e.what()));
  }
}

}  // namespace

ConsultationWorkflow::ConsultationWorkflow(const core::GatewayConfig& config,
                                           fhir::FhirServer& fhir, store::IStore& store,
                                           ReportSigning& signing, const core::IClock& clock)
    : config_(config),
      fhir_(fhir),
      store_(store),
      signing_(signing),
      clock_(clock),
      offsetMinutes_(zoneOffsetMinutes(config.timeZone)) {
  try {
    machine_ = std::make_unique<ConsultationMachine>(
        workflow::TransitionTable::consultation(config.workflow.submitSteps),
        deadlineTable(config.workflow), offsetMinutes_, config.workflow.rescheduleNoticeMinutes);
    referralMachine_ = std::make_unique<ConsultationMachine>(
        workflow::TransitionTable::referral(), workflow::DeadlineTable(), offsetMinutes_,
        config.workflow.rescheduleNoticeMinutes, "referral");
  } catch (const std::invalid_argument& e) {
    throw core::Error(core::ErrorCode::ConfigInvalid, e.what());
  }
}

ConsultationWorkflow::~ConsultationWorkflow() {
  stop();
}

void ConsultationWorkflow::install() {
  fhir_.guardWrites(
      "Task", [this](store::IResourceTx& tx, const std::optional<store::ResourceVersion>& current,
                     rapidjson::Document& proposed) { return guard(tx, current, proposed); });
  registerTaskOperations(fhir_, store_);
  registerExpertSearch(fhir_, store_);
  registerCaseExport(fhir_, store_, clock_);
  registerReferralRegister(fhir_, store_);
  registerReferralForm(fhir_, store_, [this] { return today(); });
  registerSharedResults(fhir_, store_);
  // The rating questionnaire, shipped with the binary; its answers are checked.
  rapidjson::Document questionnaire;
  mappings::fhir::parseJson(mappings::embeddedTables().at("consultation-rating-questionnaire"),
                            questionnaire);
  fhir_.ship("Questionnaire", "consultation-rating", mappings::fhir::toJson(questionnaire));
  fhir_.guardWrites("QuestionnaireResponse",
                    [this](store::IResourceTx& tx, const std::optional<store::ResourceVersion>&,
                           rapidjson::Document& response) {
                      checkRating(tx, response);
                      return true;
                    });
  // The expert pool's entry rules, when a PractitionerRole is written as a member.
  fhir_.guardWrites("PractitionerRole",
                    [this](store::IResourceTx&, const std::optional<store::ResourceVersion>&,
                           rapidjson::Document& role) {
                      if (!workflow::inPool(role)) return true;
                      auto problems = workflow::checkPoolEntry(role, today());
                      if (problems.empty()) return true;
                      std::vector<fhir::OutcomeIssue> issues;
                      for (const auto& p : problems)
                        issues.push_back({"error", "business-rule", p.message, p.expression});
                      throw fhir::FhirError(422, std::move(issues));
                    });
}

void ConsultationWorkflow::start() {
  loop_.start(
      [this] {
        checkDeadlines();
        return 0;
      },
      std::chrono::seconds(config_.workflow.deadlineCheckSeconds),
      "medbridge.workflow.consultation", "the deadline check");
}

void ConsultationWorkflow::stop() {
  loop_.stop();
}

bool ConsultationWorkflow::guard(store::IResourceTx& tx,
                                 const std::optional<store::ResourceVersion>& current,
                                 rapidjson::Document& proposed) {
  rapidjson::Document stored;
  if (current) mappings::fhir::parseJson(current->json, stored);
  bool workflowTask = ConsultationMachine::isWorkflowTask(proposed) ||
                      (current && ConsultationMachine::isWorkflowTask(stored));
  if (!workflowTask) return true;
  bool referral = ConsultationMachine::isReferral(current ? stored : proposed);
  if (referral != ConsultationMachine::isReferral(proposed))
    throw fhir::FhirError(409, "business-rule",
                          "Task.code cannot change (a consultation stays a consultation, a "
                          "referral a referral)",
                          "Task.code");
  if (current && ConsultationMachine::sameProposal(stored, proposed)) return false;
  workflow::TransitionFacts f = facts(tx, current ? &stored : nullptr, proposed);
  auto outcome =
      (referral ? referralMachine_ : machine_)->apply(current ? &stored : nullptr, proposed, f);
  if (!outcome.problems.empty()) {
    std::vector<fhir::OutcomeIssue> issues;
    for (const auto& p : outcome.problems)
      issues.push_back(
          {"error", outcome.status == 409 ? "business-rule" : "required", p.message, p.expression});
    throw fhir::FhirError(outcome.status, std::move(issues));
  }
  if (referral && outcome.from != outcome.to && outcome.to == "requested/submitted") {
    auto problems =
        ReferralSubmission(tx, proposed, clock_.nowMillis(), config_.referral.priorConsultDays)
            .problems();
    if (!problems.empty()) {
      std::vector<fhir::OutcomeIssue> issues;
      for (const auto& p : problems)
        issues.push_back({"error", "business-rule", p.message, p.expression});
      throw fhir::FhirError(422, std::move(issues));
    }
    storeReferralPapers(tx, proposed);
  } else if (!referral) {
    checkContent(tx, proposed, outcome);
  }
  if (outcome.from != outcome.to &&
      (outcome.to == "requested/submitted" || outcome.to == "received/material-supplied"))
    sharePackage(tx, proposed);
  if (outcome.from != outcome.to && outcome.to == "completed/reported") shareReport(tx, proposed);
  if (outcome.to == "accepted/accepted" && outcome.from != "received/received" &&
      outcome.from != "received/material-supplied" && outcome.from != outcome.to)
    notifyReassignment(tx, proposed, ConsultationMachine::reference(stored, "owner"));
  audit(tx, proposed, current ? current->version + 1 : 1, outcome, f.actor);
  std::lock_guard lock(mutex_);
  ++transitions_[outcome.from + " " + outcome.to];
  return true;
}

workflow::TransitionFacts ConsultationWorkflow::facts(store::IResourceTx& tx,
                                                      const rapidjson::Value* current,
                                                      const rapidjson::Document& proposed) {
  workflow::TransitionFacts f;
  f.now = clock_.nowMillis();
  if (auto it = proposed.FindMember("extension"); it != proposed.MemberEnd() && it->value.IsArray())
    for (const auto& e : it->value.GetArray())
      if (text(e, "url") == workflow::kActorExtension && e.HasMember("valueReference"))
        f.actor = text(e["valueReference"], "reference");
  if (f.actor.rfind("PractitionerRole/", 0) != 0 && f.actor.rfind("Organization/", 0) != 0)
    throw fhir::FhirError(422, "required",
                          "a consultation Task names who acts in extension " +
                              std::string(workflow::kActorExtension) +
                              " (a PractitionerRole or Organization reference)",
                          "Task.extension");
  workflow::Actor actor = readActor(tx, f.actor, "Task.extension");
  const rapidjson::Value& base = current ? *current : proposed;
  std::string requester = ConsultationMachine::reference(base, "requester");
  std::string invited = current ? ConsultationMachine::invitedOrganization(*current)
                                : ConsultationMachine::reference(proposed, "owner");
  f.roles = workflow::actorRoles(actor, requester, invited,
                                 ConsultationMachine::reference(base, "owner"));

  rapidjson::Document request;
  if (readIn(tx, ConsultationMachine::reference(base, "focus"), request) &&
      request.HasMember("code"))
    f.serviceType = codeOf(request["code"], workflow::kServiceTypeSystem);
  rapidjson::Document from, to;
  std::string a =
      readIn(tx, requester, from) ? extensionCode(from, workflow::kRegionExtension) : "";
  std::string b = readIn(tx, invited, to) ? extensionCode(to, workflow::kRegionExtension) : "";
  const std::string& region = config_.workflow.regionCode;
  if (!a.empty() && !b.empty())
    f.inRegion = region.empty() ? a.substr(0, 2) == b.substr(0, 2)
                                : a.rfind(region, 0) == 0 && b.rfind(region, 0) == 0;

  auto sessionStart = [&](const rapidjson::Value& task) -> std::optional<std::int64_t> {
    rapidjson::Document appointment;
    if (!readIn(tx, ConsultationMachine::inputReference(task, "input", "appointment"), appointment))
      return std::nullopt;
    auto range = mappings::fhir::dateRange(text(appointment, "start"));
    if (!range) return std::nullopt;
    return range->from;
  };
  f.sessionStart = sessionStart(proposed);
  if (current) f.currentSessionStart = sessionStart(*current);
  rapidjson::Document expert;
  std::string owner = ConsultationMachine::reference(proposed, "owner");
  f.ownerIsInvitedExpert = owner.rfind("PractitionerRole/", 0) == 0 && readIn(tx, owner, expert) &&
                           ConsultationMachine::reference(expert, "organization") == invited;
  return f;
}

void ConsultationWorkflow::checkRating(store::IResourceTx& tx,
                                       const rapidjson::Document& response) {
  if (text(response, "questionnaire") != workflow::kRatingQuestionnaire) return;
  std::string taskRef, author = ConsultationMachine::reference(response, "author");
  if (auto it = response.FindMember("basedOn");
      it != response.MemberEnd() && it->value.IsArray() && !it->value.Empty())
    taskRef = text(it->value[0], "reference");
  rapidjson::Document task;
  bool haveTask = taskRef.rfind("Task/", 0) == 0 && readIn(tx, taskRef, task) &&
                  ConsultationMachine::isConsultation(task);
  std::set<std::string> roles;
  if (haveTask)
    roles = workflow::actorRoles(readActor(tx, author, "QuestionnaireResponse.author"),
                                 ConsultationMachine::reference(task, "requester"),
                                 ConsultationMachine::invitedOrganization(task),
                                 ConsultationMachine::reference(task, "owner"));
  auto problems = workflow::checkRating(response, haveTask ? &task : nullptr, roles);
  if (!problems.empty()) {
    std::vector<fhir::OutcomeIssue> issues;
    for (const auto& p : problems)
      issues.push_back({"error", "business-rule", p.message, p.expression});
    throw fhir::FhirError(422, std::move(issues));
  }
  // One rating per side.
  std::string side = workflow::ratingSide(roles);
  for (const auto& id : tx.search(
           mappings::fhir::parseSearch("QuestionnaireResponse", {{"based-on", taskRef}}, true))) {
    rapidjson::Document other;
    if (id == text(response, "id") || !readIn(tx, "QuestionnaireResponse/" + id, other)) continue;
    std::string by = ConsultationMachine::reference(other, "author");
    if (by.empty()) continue;
    auto otherRoles = workflow::actorRoles(readActor(tx, by, "QuestionnaireResponse.author"),
                                           ConsultationMachine::reference(task, "requester"),
                                           ConsultationMachine::invitedOrganization(task),
                                           ConsultationMachine::reference(task, "owner"));
    if (workflow::ratingSide(otherRoles) == side)
      throw fhir::FhirError(409, "duplicate",
                            "the " + side +
                                " side has rated this consultation already "
                                "(QuestionnaireResponse/" +
                                id + ")",
                            "QuestionnaireResponse.author");
  }
}

std::string ConsultationWorkflow::today() const {
  return core::instantOf(clock_.nowMillis() + offsetMinutes_ * 60'000LL).substr(0, 10);
}

void ConsultationWorkflow::checkContent(store::IResourceTx& tx, const rapidjson::Document& task,
                                        const workflow::TransitionOutcome& outcome) {
  if (outcome.from == outcome.to) return;
  std::string today = this->today();
  std::vector<workflow::Problem> problems;
  rapidjson::Document request, inviting, invited, attending, named, consent, expert;
  bool haveRequest = readIn(tx, ConsultationMachine::reference(task, "focus"), request);
  if (outcome.to == "requested/submitted") {
    workflow::Application a;
    a.request = haveRequest ? &request : nullptr;
    a.inviting = readIn(tx, ConsultationMachine::reference(task, "requester"), inviting) ? &inviting
                                                                                         : nullptr;
    a.invitedReference = ConsultationMachine::invitedOrganization(task);
    a.invited = readIn(tx, a.invitedReference, invited) ? &invited : nullptr;
    a.patient = ConsultationMachine::reference(task, "for");
    a.emergency = text(task, "priority") == "stat";
    a.requirePoolExpert = config_.workflow.requirePoolExpert;
    a.today = today;
    if (haveRequest) {
      std::string requester = ConsultationMachine::reference(request, "requester");
      if (requester.rfind("PractitionerRole/", 0) == 0 && readIn(tx, requester, attending))
        a.attending = &attending;
      if (auto it = request.FindMember("performer");
          it != request.MemberEnd() && it->value.IsArray())
        for (const auto& p : it->value.GetArray())
          if (!a.namedExpert && text(p, "reference").rfind("PractitionerRole/", 0) == 0 &&
              readIn(tx, text(p, "reference"), named))
            a.namedExpert = &named;
      if (auto it = request.FindMember("supportingInfo");
          it != request.MemberEnd() && it->value.IsArray())
        for (const auto& s : it->value.GetArray()) {
          std::string ref = text(s, "reference");
          rapidjson::Document found;
          if (!readIn(tx, ref, found)) continue;
          std::string type = ref.substr(0, ref.find('/'));
          if (type == "Consent" && !a.consent) {
            consent.CopyFrom(found, consent.GetAllocator());
            a.consent = &consent;
          } else if (type == "DocumentReference" || type == "DiagnosticReport" ||
                     type == "Observation" || type == "Encounter" || type == "ImagingStudy") {
            ++a.records;
          }
        }
    }
    problems = workflow::checkApplication(a);
  } else if (outcome.to == "accepted/expert-assigned" &&
             readIn(tx, ConsultationMachine::reference(task, "owner"), expert)) {
    problems =
        workflow::checkExpert(expert, haveRequest ? workflow::requestedDepartment(request) : "",
                              config_.workflow.requirePoolExpert, today);
  }
  if (outcome.to == "completed/reported") {
    std::string why =
        signing_.check(tx, ConsultationMachine::inputReference(task, "output", "report"));
    if (why == "unsigned" && config_.workflow.requireSignedReport)
      problems.push_back({"the report is not signed (DiagnosticReport/{id}/$sign)", "Task.output"});
    else if (!why.empty() && why != "unsigned")
      problems.push_back({"the report's signature fails: " + why, "Task.output"});
  }
  if (problems.empty()) return;
  std::vector<fhir::OutcomeIssue> issues;
  for (const auto& p : problems)
    issues.push_back({"error", "business-rule", p.message, p.expression});
  throw fhir::FhirError(422, std::move(issues));
}

void ConsultationWorkflow::sharePackage(store::IResourceTx& tx, const rapidjson::Document& task) {
  std::string focus = ConsultationMachine::reference(task, "focus");
  std::vector<std::string> shared{ConsultationMachine::reference(task, "for"), focus};
  rapidjson::Document request;
  if (readIn(tx, focus, request))
    if (auto it = request.FindMember("supportingInfo");
        it != request.MemberEnd() && it->value.IsArray())
      for (const auto& s : it->value.GetArray())
        // Images reach the invited gateway as instances; it describes them itself.
        if (text(s, "reference").rfind("ImagingStudy/", 0) != 0)
          shared.push_back(text(s, "reference"));
  shareWith(tx, ConsultationMachine::invitedOrganization(task), task, shared);
}

void ConsultationWorkflow::storeReferralPapers(store::IResourceTx& tx,
                                               const rapidjson::Document& task) {
  ResourceReader read = [&tx](const std::string& reference, rapidjson::Document& out) {
    return store::readCurrent(tx, reference, out);
  };
  std::string now = core::instantOf(clock_.nowMillis());
  // Each paper is the next version of its resource, named after the Task.
  auto keep = [&](const std::string& type, const std::string& id, const std::string& json) {
    rapidjson::Document d;
    mappings::fhir::parseJson(json, d);
    auto current = tx.current(type, id);
    auto w = fhir_.prepare(d, type, id);
    fhir_.putVersion(tx, {type, id, w.json, now, current ? current->version + 1 : 1, false}, w);
  };
  std::string id = "referral-form-" + text(task, "id");
  std::string listId = "shared-results-" + text(task, "id");
  keep("DocumentReference", id,
       referralFormDocument(task, referralFormHtml(task, read, today()), now));
  keep("List", listId, sharedResultsList(task, read, config_.referral.recognisedLevels, now));
  for (const char* side : {"requester", "owner"})
    shareWith(tx, ConsultationMachine::reference(task, side), task,
              {"DocumentReference/" + id, "List/" + listId});
}

void ConsultationWorkflow::shareReport(store::IResourceTx& tx, const rapidjson::Document& task) {
  std::string report = ConsultationMachine::inputReference(task, "output", "report");
  std::vector<std::string> shared{report};
  for (const auto& id :
       tx.search(mappings::fhir::parseSearch("Provenance", {{"target", report}}, true))) {
    shared.push_back("Provenance/" + id);
    rapidjson::Document provenance;
    if (readIn(tx, "Provenance/" + id, provenance) && provenance.HasMember("target") &&
        provenance["target"].IsArray())
      for (const auto& t : provenance["target"].GetArray())
        if (text(t, "reference").rfind("DocumentReference/", 0) == 0)
          shared.push_back(text(t, "reference"));
  }
  shareWith(tx, ConsultationMachine::reference(task, "requester"), task, shared);
}

void ConsultationWorkflow::shareWith(store::IResourceTx& tx, const std::string& organization,
                                     const rapidjson::Document& task,
                                     const std::vector<std::string>& references) {
  if (organization.rfind("Organization/", 0) != 0 ||
      !config_.platform.hospitals.count(organization.substr(13)))
    return;
  std::string patient = ConsultationMachine::reference(task, "for");
  for (const auto& reference : references) {
    std::size_t slash = reference.find('/');
    if (slash == std::string::npos || reference.find('/', slash + 1) != std::string::npos) continue;
    tx.deliverCurrent(reference.substr(0, slash), reference.substr(slash + 1),
                      organization.substr(13), patient);
  }
}

void ConsultationWorkflow::audit(store::IResourceTx& tx, const rapidjson::Document& task,
                                 int version, const workflow::TransitionOutcome& outcome,
                                 const std::string& actor) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto coding = [&](const char* system, const std::string& code) {
    Value c(rapidjson::kObjectType);
    c.AddMember("system", mappings::fhir::str(system, a), a);
    c.AddMember("code", mappings::fhir::str(code, a), a);
    return c;
  };
  std::string to = outcome.to.substr(outcome.to.find('/') + 1);
  d.AddMember("resourceType", "AuditEvent", a);
  d.AddMember("type", coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest"), a);
  d.AddMember("subtype", Value(rapidjson::kArrayType), a);
  d["subtype"].PushBack(coding(workflow::kBusinessStatusSystem, to), a);
  d.AddMember("action", version == 1 ? "C" : "U", a);
  d.AddMember("recorded", mappings::fhir::str(core::instantOf(clock_.nowMillis()), a), a);
  d.AddMember("outcome", "0", a);
  d.AddMember("outcomeDesc", mappings::fhir::str(outcome.from + " -> " + outcome.to, a), a);
  Value agent(rapidjson::kObjectType);
  agent.AddMember("who", mappings::fhir::reference(actor, a), a);
  agent.AddMember("requestor", true, a);
  d.AddMember("agent", Value(rapidjson::kArrayType), a);
  d["agent"].PushBack(std::move(agent), a);
  Value observer(rapidjson::kObjectType), source(rapidjson::kObjectType);
  observer.AddMember("display", "medbridge platform", a);
  source.AddMember("observer", std::move(observer), a);
  d.AddMember("source", std::move(source), a);
  Value entity(rapidjson::kObjectType);
  entity.AddMember("what",
                   mappings::fhir::reference(
                       "Task/" + text(task, "id") + "/_history/" + std::to_string(version), a),
                   a);
  d.AddMember("entity", Value(rapidjson::kArrayType), a);
  d["entity"].PushBack(std::move(entity), a);
  auto w = fhir_.prepare(d, "AuditEvent", fhir::newId());
  fhir_.putVersion(tx, {"AuditEvent", w.id, w.json, core::instantOf(clock_.nowMillis()), 1, false},
                   w);
}

int ConsultationWorkflow::checkDeadlines() {
  std::lock_guard pass(passMutex_);
  std::int64_t now = clock_.nowMillis();
  auto query = mappings::fhir::parseSearch(
      "Task",
      {{"code", std::string(workflow::kTaskCodeSystem) + "|consultation"},
       {"status", "draft,requested,received,accepted,on-hold,ready,in-progress"}},
      true);
  int flagged = 0;
  std::int64_t breachedOpen = 0;
  for (const auto& id : store_.search(query)) {
    auto stored = store_.readResource("Task", id);
    if (!stored || stored->deleted) continue;
    rapidjson::Document probe;
    mappings::fhir::parseJson(stored->json, probe);
    if (machine_->flagBreaches(probe, now).empty()) {
      breachedOpen += stored->json.find(workflow::kBreachedFlag) != std::string::npos;
      continue;
    }
    store_.transact([&](store::IResourceTx& tx) {
      auto current = tx.current("Task", id);
      if (!current || current->deleted) return;
      rapidjson::Document task;
      mappings::fhir::parseJson(current->json, task);
      auto rules = machine_->flagBreaches(task, now);
      if (rules.empty()) return;
      ConsultationMachine::markSystemVersion(task, now);
      auto w = fhir_.prepare(task, "Task", id);
      fhir_.putVersion(tx, {"Task", id, w.json, core::instantOf(now), current->version + 1, false},
                       w);
      for (const auto& [rule, responsible] : rules) {
        notifyBreach(tx, task, rule, responsible);
        std::lock_guard lock(mutex_);
        ++breaches_[rule];
        ++flagged;
        log().warning("Task/%s: deadline '%s' passed (responsible: %s)", id, rule, responsible);
      }
    });
    ++breachedOpen;
  }
  std::lock_guard lock(mutex_);
  breachedOpen_ = breachedOpen;
  return flagged;
}

void ConsultationWorkflow::notifyBreach(store::IResourceTx& tx, const rapidjson::Document& task,
                                        const std::string& rule, const std::string& responsible) {
  std::vector<std::string> recipients;
  std::string invited = ConsultationMachine::invitedOrganization(task);
  if (responsible == "requester") {
    recipients.push_back(ConsultationMachine::reference(task, "requester"));
  } else {
    if (responsible == "owner") recipients.push_back(ConsultationMachine::reference(task, "owner"));
    if (std::find(recipients.begin(), recipients.end(), invited) == recipients.end())
      recipients.push_back(invited);
  }
  notify(tx, task, workflow::kBreachedFlag, recipients,
         "The consultation's deadline '" + rule + "' has passed; Task/" + text(task, "id") +
             " is flagged.");
}

void ConsultationWorkflow::notifyReassignment(store::IResourceTx& tx,
                                              const rapidjson::Document& task,
                                              const std::string& expert) {
  // The invited organisation's heads of department (PractitionerRole function department-head).
  std::string invited = ConsultationMachine::invitedOrganization(task);
  std::vector<std::string> recipients;
  for (const auto& id : tx.search(
           mappings::fhir::parseSearch("PractitionerRole", {{"organization", invited}}, true))) {
    if (!readActor(tx, "PractitionerRole/" + id, "").functions.count("department-head")) continue;
    recipients.push_back("PractitionerRole/" + id);
  }
  recipients.push_back(invited);
  std::string reason =
      task.HasMember("statusReason") ? codeOf(task["statusReason"], workflow::kReasonSystem) : "";
  notify(tx, task, "reassignment-requested", recipients,
         expert + " cannot take Task/" + text(task, "id") + " (" + reason +
             "): please assign another expert.");
}

void ConsultationWorkflow::notify(store::IResourceTx& tx, const rapidjson::Document& task,
                                  const std::string& category,
                                  const std::vector<std::string>& recipients,
                                  const std::string& message) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("resourceType", "Communication", a);
  d.AddMember("status", "completed", a);
  Value coding(rapidjson::kObjectType), codeable(rapidjson::kObjectType);
  coding.AddMember("system", mappings::fhir::str(workflow::kFlagSystem, a), a);
  coding.AddMember("code", mappings::fhir::str(category, a), a);
  codeable.AddMember("coding", Value(rapidjson::kArrayType), a);
  codeable["coding"].PushBack(std::move(coding), a);
  d.AddMember("category", Value(rapidjson::kArrayType), a);
  d["category"].PushBack(std::move(codeable), a);
  d.AddMember("priority", "urgent", a);
  if (task.HasMember("for")) d.AddMember("subject", Value().CopyFrom(task["for"], a), a);
  d.AddMember("about", Value(rapidjson::kArrayType), a);
  d["about"].PushBack(mappings::fhir::reference("Task/" + text(task, "id"), a), a);
  d.AddMember("sent", mappings::fhir::str(core::instantOf(clock_.nowMillis()), a), a);
  d.AddMember("recipient", Value(rapidjson::kArrayType), a);
  for (const auto& r : recipients)
    if (!r.empty()) d["recipient"].PushBack(mappings::fhir::reference(r, a), a);
  Value payload(rapidjson::kObjectType);
  payload.AddMember("contentString", mappings::fhir::str(message, a), a);
  d.AddMember("payload", Value(rapidjson::kArrayType), a);
  d["payload"].PushBack(std::move(payload), a);
  auto w = fhir_.prepare(d, "Communication", fhir::newId());
  fhir_.putVersion(
      tx, {"Communication", w.id, w.json, core::instantOf(clock_.nowMillis()), 1, false}, w);
}

std::string ConsultationWorkflow::metricsText() {
  std::lock_guard lock(mutex_);
  std::string out =
      "# HELP medbridge_workflow_deadline_breaches_total Consultation deadlines flagged as "
      "passed since start, by rule.\n# TYPE medbridge_workflow_deadline_breaches_total counter\n";
  for (const auto& [rule, n] : breaches_)
    out += "medbridge_workflow_deadline_breaches_total{rule=\"" + rule + "\"} " +
           std::to_string(n) + "\n";
  out +=
      "# HELP medbridge_workflow_open_breached_tasks Open consultation Tasks with a passed "
      "deadline (last check).\n# TYPE medbridge_workflow_open_breached_tasks gauge\n"
      "medbridge_workflow_open_breached_tasks " +
      std::to_string(breachedOpen_) +
      "\n# HELP medbridge_workflow_transitions_total Consultation transitions applied since "
      "start.\n# TYPE medbridge_workflow_transitions_total counter\n";
  for (const auto& [move, n] : transitions_) {
    auto space = move.find(' ');
    out += "medbridge_workflow_transitions_total{from=\"" + move.substr(0, space) + "\",to=\"" +
           move.substr(space + 1) + "\"} " + std::to_string(n) + "\n";
  }
  return out;
}

}  // namespace medbridge::app
