#include "gateway/app/TaskOperations.h"

#include <map>

#include "gateway/fhir/ResourceJson.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"

namespace medbridge::app {
namespace {

using mappings::fhir::Value;

constexpr auto text = mappings::fhir::stringMember;

constexpr auto codeOf = mappings::fhir::codeIn;

// {"coding":[{"system": system, "code": code}]}
Value codeableConcept(const char* system, const std::string& code,
                      rapidjson::Document::AllocatorType& a) {
  Value coding(rapidjson::kObjectType), codeable(rapidjson::kObjectType);
  coding.AddMember("system", mappings::fhir::str(system, a), a);
  coding.AddMember("code", mappings::fhir::str(code, a), a);
  codeable.AddMember("coding", Value(rapidjson::kArrayType), a);
  codeable["coding"].PushBack(std::move(coding), a);
  return codeable;
}

void setBusinessStatus(rapidjson::Document& task, const std::string& status,
                       const std::string& business) {
  auto& a = task.GetAllocator();
  task["status"].SetString(status.c_str(), a);
  task.RemoveMember("businessStatus");
  task.AddMember("businessStatus", codeableConcept(workflow::kBusinessStatusSystem, business, a),
                 a);
}

// Replaces the Task's input/output entry of this type with a reference.
void setTyped(rapidjson::Document& task, const char* list, const char* type,
              const std::string& reference) {
  auto& a = task.GetAllocator();
  if (!task.HasMember(list))
    task.AddMember(rapidjson::StringRef(list), Value(rapidjson::kArrayType), a);
  auto& entries = task[list];
  for (auto e = entries.Begin(); e != entries.End();)
    e = e->HasMember("type") && codeOf((*e)["type"], workflow::kTaskInputSystem) == type
            ? entries.Erase(e)
            : e + 1;
  Value entry(rapidjson::kObjectType);
  entry.AddMember("type", codeableConcept(workflow::kTaskInputSystem, type, a), a);
  entry.AddMember("valueReference", mappings::fhir::reference(reference, a), a);
  entries.PushBack(std::move(entry), a);
}

using Targets = std::map<std::string, std::pair<std::string, std::string>>;

// The operations' targets: $name → status / businessStatus, for a consultation Task.
const Targets& operationTargets() {
  static const Targets kTargets = {
      {"accept", {"accepted", "accepted"}},        {"reject", {"rejected", "refused"}},
      {"assign", {"accepted", "expert-assigned"}}, {"schedule", {"ready", "scheduled"}},
      {"start", {"in-progress", "in-session"}},    {"complete", {"completed", "reported"}},
      {"cancel", {"cancelled", "cancelled"}},      {"acknowledge", {"accepted", "acknowledged"}}};
  return kTargets;
}

// A referral's own targets: the sender acknowledges the acceptance, starts the transfer (the
// patient leaves), the receiver completes it (the patient is admitted).
const Targets& referralTargets() {
  static const Targets kTargets = {{"start", {"in-progress", "in-transit"}},
                                   {"complete", {"completed", "admitted"}}};
  return kTargets;
}

fhir::FhirResponse propose(fhir::FhirServer& fhir, store::IStore& store,
                           const fhir::OperationRequest& o, const std::string& operation) {
  if (o.request.method != "POST")
    throw fhir::FhirError(405, "not-supported",
                          "$" + operation + " proposes a transition: use POST");
  auto stored = store.readResource("Task", o.id);
  if (!stored || stored->deleted)
    throw fhir::FhirError(404, "not-found", "Task/" + o.id + " is not known");
  rapidjson::Document params;
  if (!o.request.body.empty() &&
      (mappings::fhir::parseJson(o.request.body, params) || !params.IsObject() ||
       text(params, "resourceType") != "Parameters"))
    throw fhir::FhirError(400, "structure", "$" + operation + " takes a Parameters resource");
  auto reference = [&](const char* name) -> std::string {
    if (!params.IsObject() || !params.HasMember("parameter")) return "";
    for (const auto& p : params["parameter"].GetArray())
      if (text(p, "name") == name && p.HasMember("valueReference"))
        return text(p["valueReference"], "reference");
    return "";
  };
  rapidjson::Document task;
  mappings::fhir::parseJson(stored->json, task);
  auto& a = task.GetAllocator();
  bool referral = workflow::ConsultationMachine::isReferral(task);
  auto [status, business] = referral && referralTargets().count(operation)
                                ? referralTargets().at(operation)
                                : operationTargets().at(operation);
  setBusinessStatus(task, status, business);
  std::string actor = reference("actor");
  if (actor.empty())
    throw fhir::FhirError(400, "required",
                          "$" + operation + " needs parameter actor (a Reference)");
  bool named = false;  // the acting party replaces the one of the stored version
  if (task.HasMember("extension"))
    for (auto& e : task["extension"].GetArray())
      if (text(e, "url") == workflow::kActorExtension) {
        e.RemoveMember("valueReference");
        e.AddMember("valueReference", mappings::fhir::reference(actor, a), a);
        named = true;
      }
  if (!named) {
    Value actorExt(rapidjson::kObjectType);
    actorExt.AddMember("url", mappings::fhir::str(workflow::kActorExtension, a), a);
    actorExt.AddMember("valueReference", mappings::fhir::reference(actor, a), a);
    mappings::fhir::push(task, "extension", std::move(actorExt), a);
  }
  if (params.IsObject() && params.HasMember("parameter"))
    for (const auto& p : params["parameter"].GetArray())
      if (text(p, "name") == "reason") {
        task.RemoveMember("statusReason");
        if (p.HasMember("valueCodeableConcept")) {
          task.AddMember("statusReason", Value().CopyFrom(p["valueCodeableConcept"], a), a);
        } else if (auto code = text(p, "valueCode"); !code.empty()) {
          task.AddMember("statusReason", codeableConcept(workflow::kReasonSystem, code, a), a);
        }
      }
  if (auto expert = reference("expert"); !expert.empty()) {
    task.RemoveMember("owner");
    task.AddMember("owner", mappings::fhir::reference(expert, a), a);
  }
  if (auto appointment = reference("appointment"); !appointment.empty())
    setTyped(task, "input", "appointment", appointment);
  if (auto report = reference("report"); !report.empty())
    setTyped(task, "output", "report", report);
  fhir::FhirRequest put = o.request;
  put.method = "PUT";
  put.setPath("Task/" + o.id);
  put.query.clear();
  put.body = mappings::fhir::toJson(task);
  if (put.header("if-match").empty()) put.headers["if-match"] = fhir::etag(stored->version);
  return fhir.handle(put);
}

}  // namespace

void registerTaskOperations(fhir::FhirServer& fhir, store::IStore& store) {
  for (const auto& [name, target] : operationTargets())
    fhir.registerOperation("Task", name, false, true,
                           [&fhir, &store, name = name](const fhir::OperationRequest& o) {
                             return propose(fhir, store, o, name);
                           });
}

}  // namespace medbridge::app
