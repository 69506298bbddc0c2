#include "gateway/app/WorkflowProxy.h"

#include <Poco/Logger.h>

#include "gateway/app/PlatformClients.h"
#include "gateway/app/SharedResults.h"
#include "gateway/app/TaskOperations.h"
#include "gateway/core/Time.h"
#include "gateway/fhir/ResourceJson.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "mappings/fhir/Json.h"
#include "mappings/identity/RegionalKey.h"

namespace medbridge::app {
namespace {

using workflow::ConsultationMachine;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.workflow.proxy");
}

int versionOf(std::string tag) {
  if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);
  if (tag.size() >= 2 && tag.front() == '"') tag = tag.substr(1, tag.size() - 2);
  try {
    return std::stoi(tag);
  } catch (const std::exception&) {
    throw fhir::FhirError(400, "invalid", "If-Match must be a version ETag such as W/\"1\"");
  }
}

}  // namespace

WorkflowProxy::WorkflowProxy(const core::GatewayConfig& config, fhir::FhirServer& fhir,
                             store::IStore& store, PlatformInbound& inbound,
                             ConsultPackage& package,
                             const mappings::identity::IdentifierSystems& systems,
                             const core::IClock& clock)
    : fhir_(fhir),
      store_(store),
      inbound_(inbound),
      package_(package),
      systems_(systems),
      clock_(clock),
      clients_(platformClients(config.regional, config.regional.urls)) {}

void WorkflowProxy::install() {
  // A workflow Task in the HIS's transaction is proposed once the rest is stored (the
  // application it names must reach the platform first).
  fhir_.interceptWrites(
      "Task", [this](const fhir::FhirRequest& r) { return forward(r); },
      [](const rapidjson::Value& task) { return ConsultationMachine::isWorkflowTask(task); });
  fhir_.guardWrites("Task", [](store::IResourceTx&, const std::optional<store::ResourceVersion>&,
                               rapidjson::Document& proposed) {
    if (ConsultationMachine::isWorkflowTask(proposed))
      throw fhir::FhirError(422, "business-rule",
                            "consultation and referral Tasks are written by the regional "
                            "platform: this gateway proposes them (PUT or POST the Task, or a "
                            "transaction)");
    return true;
  });
  registerTaskOperations(fhir_, store_);
  registerSharedResults(fhir_, store_);
}

std::optional<fhir::FhirResponse> WorkflowProxy::forward(const fhir::FhirRequest& r) {
  const auto& s = r.segments;
  std::string id = s.size() >= 2 ? s[1] : "";
  if (r.method == "DELETE") {
    auto stored = id.empty() ? std::nullopt : store_.readResource("Task", id);
    rapidjson::Document d;
    if (stored && !stored->deleted && !mappings::fhir::parseJson(stored->json, d) &&
        ConsultationMachine::isWorkflowTask(d))
      throw fhir::FhirError(405, "not-supported",
                            "a consultation or referral Task is not deleted: cancel it ($cancel)");
    return std::nullopt;
  }
  rapidjson::Document task;
  if (r.body.empty() || mappings::fhir::parseJson(r.body, task) || !task.IsObject() ||
      !ConsultationMachine::isWorkflowTask(task))
    return std::nullopt;  // not a workflow Task: the local server answers
  if (r.method == "PUT" && id.empty())
    throw fhir::FhirError(400, "not-supported",
                          "a workflow Task is proposed by id: PUT Task/{id} or POST Task");
  std::string ifMatch;
  if (!r.header("if-match").empty() && !id.empty()) {
    int expected = versionOf(r.header("if-match"));
    auto local = store_.readResource("Task", id);
    if (!local || local->version != expected)
      throw fhir::FhirError(412, "conflict",
                            "Task/" + id + " is at " +
                                (local ? fhir::etag(local->version) : std::string("no version")) +
                                " here, not " + fhir::etag(expected));
    std::int64_t platformVersion = 0;
    store_.transact(
        [&](store::IResourceTx& tx) { platformVersion = tx.replicaVersion("Task", id); });
    if (platformVersion == 0)
      throw fhir::FhirError(409, "conflict",
                            "Task/" + id + " here is not the platform's: it cannot be proposed");
    ifMatch = fhir::etag(static_cast<int>(platformVersion));
  }
  fhir::stripVersionMeta(task);
  auto local = id.empty() ? std::nullopt : store_.readResource("Task", id);
  rapidjson::Document current;
  bool haveCurrent = local && !local->deleted && !mappings::fhir::parseJson(local->json, current);
  if (ConsultPackage::hands(haveCurrent ? &current : nullptr, task)) {
    package_.prepare(task);
  } else {
    // The application, the appointment, the report… the proposal names are on the platform
    // before it.
    std::vector<std::string> named{ConsultationMachine::reference(task, "focus")};
    for (const char* list : {"input", "output"})
      if (auto it = task.FindMember(list); it != task.MemberEnd() && it->value.IsArray())
        for (const auto& item : it->value.GetArray())
          if (item.HasMember("valueReference"))
            named.push_back(mappings::fhir::stringMember(item["valueReference"], "reference"));
    package_.waitForPlatform(named);
  }
  toPlatformPatient(task);
  auto answer =
      send(r.method, id.empty() ? "Task" : "Task/" + id, mappings::fhir::toJson(task), ifMatch);
  if (answer.status == 0 || answer.status >= 500) {
    log().warning("a workflow Task proposal could not reach the platform: %s",
                  answer.status == 0 ? answer.problem : "HTTP " + std::to_string(answer.status));
    fhir::FhirResponse out{503,
                           fhir::operationOutcome({{"error", "transient",
                                                    "the regional platform cannot be reached; the "
                                                    "proposal was not applied: try again",
                                                    ""}}),
                           {{"Retry-After", "30"}}};
    return out;
  }
  if (answer.status >= 300) return fhir::FhirResponse{answer.status, answer.body, {}};
  rapidjson::Document stored;
  if (mappings::fhir::parseJson(answer.body, stored) || !stored.IsObject())
    throw fhir::FhirError(502, "exception", "the platform's answer is not a FHIR resource");
  auto outcome = inbound_.apply(stored);
  if (outcome.refusedEntry >= 0)
    throw fhir::FhirError(502, "exception",
                          "the platform's Task could not be kept here: " + outcome.problem);
  std::string storedId =
      stored.HasMember("id") && stored["id"].IsString() ? stored["id"].GetString() : "";
  auto kept = store_.readResource("Task", storedId);
  fhir::FhirResponse out{answer.status, kept ? fhir::served(*kept) : answer.body, {}};
  if (kept) out.headers.push_back({"ETag", fhir::etag(kept->version)});
  return out;
}

fhir::FhirResponse WorkflowProxy::propose(const std::string& id, const std::string& body) {
  fhir::FhirRequest r;
  r.method = "PUT";
  r.setPath("Task/" + id);
  r.headers["content-type"] = "application/fhir+json";
  r.body = body;
  auto answer = forward(r);
  if (!answer) throw fhir::FhirError(422, "invalid", "not a consultation or referral Task");
  return *answer;
}

adapters::regional::PlatformAnswer WorkflowProxy::send(const std::string& method,
                                                       const std::string& path,
                                                       const std::string& body,
                                                       const std::string& ifMatch) {
  adapters::regional::PlatformAnswer answer;
  for (const auto& client : clients_) {
    answer = client.send(method, path, body, ifMatch, clock_.nowMillis());
    if (answer.status != 0) break;
  }
  return answer;
}

void WorkflowProxy::toPlatformPatient(rapidjson::Document& task) {
  std::string reference = ConsultationMachine::reference(task, "for");
  if (reference.rfind("Patient/", 0) != 0) return;
  std::string id = reference.substr(8);
  auto patient = store_.readResource("Patient", id);
  std::int64_t replicated = 0;
  store_.transact([&](store::IResourceTx& tx) { replicated = tx.replicaVersion("Patient", id); });
  rapidjson::Document d;
  // The platform's own Patient (a replica), or one this gateway does not have: as it is.
  if (!patient || patient->deleted || replicated != 0 ||
      mappings::fhir::parseJson(patient->json, d))
    return;
  auto keys = mappings::identity::regionalKeys(d, systems_,
                                               core::instantOf(clock_.nowMillis()).substr(0, 10));
  if (keys.empty())
    throw fhir::FhirError(422, "business-rule",
                          reference +
                              " has neither a valid national ID number nor a medical "
                              "record number the regional platform could find it by",
                          "Task.for");
  std::string query = mappings::identity::conditionalPatientUrl(keys);
  auto answer = send("GET", query, "", "");
  rapidjson::Document bundle;
  std::vector<std::string> ids;
  if (answer.status == 200 && !mappings::fhir::parseJson(answer.body, bundle) &&
      bundle.HasMember("entry") && bundle["entry"].IsArray())
    for (const auto& e : bundle["entry"].GetArray())
      if (e.HasMember("resource") && e["resource"].IsObject())
        ids.push_back(mappings::fhir::stringMember(e["resource"], "id"));
  if (answer.status == 0 || answer.status >= 500 || (answer.status == 200 && ids.empty()))
    throw fhir::FhirError(
        503, "transient",
        reference + " is not known to the regional platform yet (" +
            (answer.status == 0 ? answer.problem : "HTTP " + std::to_string(answer.status)) +
            "); the proposal was not applied: try again");
  if (answer.status != 200 || ids.size() != 1)
    throw fhir::FhirError(422, "business-rule",
                          "the regional platform does not find exactly one Patient for " +
                              reference + " (HTTP " + std::to_string(answer.status) + ", " +
                              std::to_string(ids.size()) + " found)",
                          "Task.for");
  task["for"]["reference"].SetString(("Patient/" + ids[0]).c_str(), task.GetAllocator());
}

}  // namespace medbridge::app
