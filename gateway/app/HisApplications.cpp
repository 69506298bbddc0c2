#include "gateway/app/HisApplications.h"

#include <Poco/Logger.h>

#include "gateway/fhir/FhirError.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"

namespace medbridge::app {
namespace {

using workflow::ConsultationMachine;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.his.applications");
}

using rapidjson::Value;

Value coding(const char* system, const char* code, rapidjson::Document::AllocatorType& a) {
  Value c(rapidjson::kObjectType), cc(rapidjson::kObjectType), list(rapidjson::kArrayType);
  c.AddMember("system", Value(system, a), a).AddMember("code", Value(code, a), a);
  list.PushBack(c, a);
  cc.AddMember("coding", list, a);
  return cc;
}

Value reference(const std::string& to, rapidjson::Document::AllocatorType& a) {
  Value r(rapidjson::kObjectType);
  r.AddMember("reference", Value(to.c_str(), a), a);
  return r;
}

// The first Task of an application: a consultation's draft, a referral submitted (the HIS's
// REF^I12 is the referral); false when it names no invited Organization or acting party.
bool firstTask(const rapidjson::Document& request, const std::string& requestId,
               const std::string& kind, const std::string& organization,
               rapidjson::Document& task) {
  std::string actor = ConsultationMachine::reference(request, "requester"), invited;
  if (auto it = request.FindMember("performer"); it != request.MemberEnd() && it->value.IsArray())
    for (const auto& p : it->value.GetArray())
      if (invited.empty() &&
          mappings::fhir::stringMember(p, "reference").rfind("Organization/", 0) == 0)
        invited = mappings::fhir::stringMember(p, "reference");
  if (actor.empty() || invited.empty()) return false;
  auto& a = task.GetAllocator();
  task.SetObject();
  task.AddMember("resourceType", "Task", a).AddMember("id", Value(requestId.c_str(), a), a);
  Value extension(rapidjson::kArrayType), actorExtension(rapidjson::kObjectType);
  actorExtension.AddMember("url", Value(workflow::kActorExtension, a), a)
      .AddMember("valueReference", reference(actor, a), a);
  extension.PushBack(actorExtension, a);
  task.AddMember("extension", extension, a);
  bool referral = kind == "referral";
  task.AddMember("status", rapidjson::StringRef(referral ? "requested" : "draft"), a)
      .AddMember("intent", "order", a);
  std::string priority = mappings::fhir::stringMember(request, "priority");
  if (!priority.empty()) task.AddMember("priority", Value(priority.c_str(), a), a);
  task.AddMember("code", coding(workflow::kTaskCodeSystem, kind.c_str(), a), a);
  task.AddMember("businessStatus",
                 coding(workflow::kBusinessStatusSystem, referral ? "submitted" : "drafted", a), a);
  task.AddMember("focus", reference("ServiceRequest/" + requestId, a), a);
  task.AddMember("for", reference(ConsultationMachine::reference(request, "subject"), a), a);
  task.AddMember("requester", reference("Organization/" + organization, a), a);
  task.AddMember("owner", reference(invited, a), a);
  return true;
}

}  // namespace

HisApplications::HisApplications(const core::GatewayConfig& config, store::IStore& store,
                                 WorkflowProxy& proxy)
    : config_(config), store_(store), proxy_(proxy) {}

HisApplications::~HisApplications() {
  stop();
}

void HisApplications::start() {
  loop_.start([this] { return proposeDue(); }, std::chrono::seconds(2),
              "medbridge.his.applications", "HIS application");
}

void HisApplications::stop() {
  loop_.stop();
}

int HisApplications::proposeDue() {
  int proposed = 0;
  std::vector<std::pair<std::string, std::string>> applications;  // kind, ServiceRequest id
  for (const char* kind : {"consultation", "referral"})
    for (const auto& id : store_.search(mappings::fhir::parseSearch(
             "ServiceRequest",
             {{"category", std::string(workflow::kTaskCodeSystem) + "|" + kind},
              {"status", "active"}},
             true)))
      applications.emplace_back(kind, id);
  for (const auto& [kind, id] : applications) {
    std::string focus = "ServiceRequest/" + id;
    if (!store_.search(mappings::fhir::parseSearch("Task", {{"focus", focus}}, true)).empty() ||
        store_.search(mappings::fhir::parseSearch("Provenance", {{"target", focus}}, true)).empty())
      continue;  // proposed already, or not from the HIS
    auto stored = store_.readResource("ServiceRequest", id);
    rapidjson::Document request, task;
    if (!stored || stored->deleted || mappings::fhir::parseJson(stored->json, request)) continue;
    // A refused application is tried again when it changes, else after a minute (the reference
    // data it names may have been missing).
    auto now = std::chrono::steady_clock::now();
    if (auto it = refused_.find(id); it != refused_.end() && it->second.first == stored->version &&
                                     now - it->second.second < std::chrono::minutes(1))
      continue;
    if (!firstTask(request, id, kind, config_.his.organization, task)) {
      log().error(
          "%s from the HIS names no requester or invited Organization (PRD-7): no %s is proposed",
          focus, kind);
      refused_[id] = {stored->version, now};
      continue;
    }
    try {
      auto answer = proxy_.propose(id, mappings::fhir::toJson(task));
      if (answer.status < 300) {
        ++proposed;
        log().information("%s from the HIS proposed to the platform as Task/%s", focus, id);
        continue;
      }
      refused_[id] = {stored->version, now};
      log().error("the platform refused the %s of %s (HTTP %d): %s", kind, focus, answer.status,
                  answer.body);
    } catch (const fhir::FhirError& e) {
      if (e.status == 503) {
        log().warning("%s: %s (tried again)", focus, std::string(e.what()));
        continue;
      }
      refused_[id] = {stored->version, now};
      log().error("the %s of %s was not proposed: %s", kind, focus, std::string(e.what()));
    }
  }
  return proposed;
}

}  // namespace medbridge::app
