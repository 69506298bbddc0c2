#include "gateway/app/SharedResults.h"

#include "gateway/fhir/ResourceJson.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/ResultRecognition.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"

namespace medbridge::app {
namespace {

using mappings::fhir::Value;
using workflow::ConsultationMachine;

constexpr auto text = mappings::fhir::stringMember;

std::string levelOf(const std::string& organization, const ResourceReader& read) {
  rapidjson::Document org;
  if (!read(organization, org)) return "";
  if (auto it = org.FindMember("extension"); it != org.MemberEnd() && it->value.IsArray())
    for (const auto& e : it->value.GetArray())
      if (text(e, "url") == workflow::kLevelExtension && e.HasMember("valueCoding"))
        return text(e["valueCoding"], "code");
  return "";
}

// The Organization that made a result: a performer Organization, or a performer
// PractitionerRole's; "" when it names none.
std::string performerOf(const Value& result, const ResourceReader& read) {
  auto it = result.FindMember("performer");
  if (it == result.MemberEnd() || !it->value.IsArray()) return "";
  for (const auto& p : it->value.GetArray()) {
    std::string ref = text(p, "reference");
    if (ref.rfind("Organization/", 0) == 0) return ref;
    rapidjson::Document role;
    if (ref.rfind("PractitionerRole/", 0) == 0 && read(ref, role))
      return ConsultationMachine::reference(role, "organization");
  }
  return "";
}

Value coding(const char* system, const std::string& code, rapidjson::Document::AllocatorType& a) {
  Value c(rapidjson::kObjectType), concept_(rapidjson::kObjectType);
  c.AddMember("system", mappings::fhir::str(system, a), a);
  c.AddMember("code", mappings::fhir::str(code, a), a);
  concept_.AddMember("coding", Value(rapidjson::kArrayType).PushBack(c, a), a);
  return concept_;
}

Value extension(const char* url, const std::string& reference,
                rapidjson::Document::AllocatorType& a) {
  Value e(rapidjson::kObjectType);
  e.AddMember("url", mappings::fhir::str(url, a), a);
  e.AddMember("valueReference", mappings::fhir::reference(reference, a), a);
  return e;
}

}  // namespace

std::string sharedResultsList(const Value& task, const ResourceReader& read,
                              const std::map<std::string, std::vector<std::string>>& matrix,
                              const std::string& now) {
  std::string id = text(task, "id"), sending = ConsultationMachine::reference(task, "requester");
  std::string receiving = ConsultationMachine::invitedOrganization(task);
  if (receiving.empty()) receiving = ConsultationMachine::reference(task, "owner");
  std::string receivingLevel = levelOf(receiving, read);
  rapidjson::Document list(rapidjson::kObjectType);
  auto& a = list.GetAllocator();
  list.AddMember("resourceType", "List", a);
  list.AddMember("id", mappings::fhir::str("shared-results-" + id, a), a);
  Value extensions(rapidjson::kArrayType);
  extensions.PushBack(extension(workflow::kReferralTaskExtension, "Task/" + id, a), a);
  extensions.PushBack(extension(workflow::kRecognisedByExtension, receiving, a), a);
  list.AddMember("extension", extensions, a);
  list.AddMember("status", "current", a);
  list.AddMember("mode", "snapshot", a);
  list.AddMember("title", mappings::fhir::str("转诊共享检查结果 Task/" + id, a), a);
  list.AddMember("code", coding(workflow::kRecognitionSystem, "shared-results", a), a);
  if (task.HasMember("for")) list.AddMember("subject", Value().CopyFrom(task["for"], a), a);
  list.AddMember("date", mappings::fhir::str(now, a), a);
  list.AddMember("source", mappings::fhir::reference(sending, a), a);
  Value entries(rapidjson::kArrayType);
  rapidjson::Document request;
  if (read(ConsultationMachine::reference(task, "focus"), request))
    if (auto it = request.FindMember("supportingInfo");
        it != request.MemberEnd() && it->value.IsArray())
      for (const auto& s : it->value.GetArray()) {
        std::string ref = text(s, "reference");
        rapidjson::Document result;
        if ((ref.rfind("DiagnosticReport/", 0) != 0 && ref.rfind("ImagingStudy/", 0) != 0) ||
            !read(ref, result))
          continue;
        std::string performer = performerOf(result, read);
        if (performer.empty()) performer = sending;
        bool recognised = workflow::recognises(receivingLevel, levelOf(performer, read), matrix);
        Value entry(rapidjson::kObjectType);
        entry.AddMember(
            "flag",
            coding(workflow::kRecognitionSystem, recognised ? "recognised" : "not-recognised", a),
            a);
        entry.AddMember("item", mappings::fhir::reference(ref, a), a);
        entries.PushBack(entry, a);
      }
  if (entries.Empty())
    list.AddMember("emptyReason",
                   coding("http://terminology.hl7.org/CodeSystem/list-empty-reason", "nilknown", a),
                   a);
  else
    list.AddMember("entry", entries, a);
  return mappings::fhir::toJson(list);
}

void registerSharedResults(fhir::FhirServer& fhir, store::IStore& store) {
  fhir.registerOperation(
      "Task", "shared-results", false, true, [&store](const fhir::OperationRequest& o) {
        auto list = store.readResource("List", "shared-results-" + o.id);
        rapidjson::Document d;
        if (!list || list->deleted || mappings::fhir::parseJson(fhir::served(*list), d))
          throw fhir::FhirError(404, "not-found",
                                "Task/" + o.id +
                                    " has no shared results here (a referral shares them when "
                                    "it is submitted)");
        rapidjson::Document bundle(rapidjson::kObjectType);
        auto& a = bundle.GetAllocator();
        bundle.AddMember("resourceType", "Bundle", a);
        bundle.AddMember("type", "collection", a);
        Value entries(rapidjson::kArrayType);
        auto add = [&](const store::ResourceVersion& v) {
          rapidjson::Document resource;
          mappings::fhir::parseJson(fhir::served(v), resource);
          Value entry(rapidjson::kObjectType);
          entry.AddMember("fullUrl",
                          mappings::fhir::str(o.request.base + "/" + v.type + "/" + v.id, a), a);
          entry.AddMember("resource", Value(resource, a), a);
          entries.PushBack(entry, a);
        };
        add(*list);
        if (d.HasMember("entry") && d["entry"].IsArray())
          for (const auto& e : d["entry"].GetArray()) {
            std::string ref = e.HasMember("item") ? text(e["item"], "reference") : "";
            auto slash = ref.find('/');
            if (slash == std::string::npos) continue;
            auto v = store.readResource(ref.substr(0, slash), ref.substr(slash + 1));
            if (v && !v->deleted) add(*v);
          }
        bundle.AddMember("entry", entries, a);
        return fhir::FhirResponse{200, mappings::fhir::toJson(bundle), {}};
      });
}

}  // namespace medbridge::app
