#include "gateway/app/WorkflowProxy.h"

#include <Poco/Logger.h>

#include "gateway/app/PlatformClients.h"
#include "gateway/app/TaskOperations.h"
#include "gateway/fhir/ResourceJson.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "mappings/fhir/Json.h"

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
                             const core::IClock& clock)
    : fhir_(fhir),
      store_(store),
      inbound_(inbound),
      clock_(clock),
      clients_(platformClients(config.regional, config.regional.urls)) {}

void WorkflowProxy::install() {
  fhir_.interceptWrites("Task", [this](const fhir::FhirRequest& r) { return forward(r); });
  fhir_.guardWrites("Task", [](store::IResourceTx&, const std::optional<store::ResourceVersion>&,
                               rapidjson::Document& proposed) {
    if (ConsultationMachine::isConsultation(proposed))
      throw fhir::FhirError(422, "business-rule",
                            "consultation Tasks are written by the regional platform: PUT or POST "
                            "the Task itself (not inside a Bundle) and this gateway proposes it");
    return true;
  });
  registerTaskOperations(fhir_, store_);
}

std::optional<fhir::FhirResponse> WorkflowProxy::forward(const fhir::FhirRequest& r) {
  const auto& s = r.segments;
  std::string id = s.size() >= 2 ? s[1] : "";
  if (r.method == "DELETE") {
    auto stored = id.empty() ? std::nullopt : store_.readResource("Task", id);
    rapidjson::Document d;
    if (stored && !stored->deleted && !mappings::fhir::parseJson(stored->json, d) &&
        ConsultationMachine::isConsultation(d))
      throw fhir::FhirError(405, "not-supported",
                            "a consultation Task is not deleted: cancel it ($cancel)");
    return std::nullopt;
  }
  rapidjson::Document task;
  if (r.body.empty() || mappings::fhir::parseJson(r.body, task) || !task.IsObject() ||
      !ConsultationMachine::isConsultation(task))
    return std::nullopt;  // not a consultation Task: the local server answers
  if (r.method == "PUT" && id.empty())
    throw fhir::FhirError(400, "not-supported",
                          "a consultation Task is proposed by id: PUT Task/{id} or POST Task");
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
  std::string body = mappings::fhir::toJson(task);
  adapters::regional::PlatformAnswer answer;
  for (const auto& client : clients_) {
    answer = client.send(r.method, id.empty() ? "Task" : "Task/" + id, body, ifMatch,
                         clock_.nowMillis());
    if (answer.status != 0) break;
  }
  if (answer.status == 0 || answer.status >= 500) {
    log().warning("a consultation Task proposal could not reach the platform: %s",
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
  auto local = store_.readResource("Task", storedId);
  fhir::FhirResponse out{answer.status, local ? fhir::served(*local) : answer.body, {}};
  if (local) out.headers.push_back({"ETag", fhir::etag(local->version)});
  return out;
}

}  // namespace medbridge::app
