#include "gateway/app/CaseExport.h"

#include <set>
#include <vector>

#include "gateway/core/Time.h"
#include "gateway/fhir/ResourceJson.h"
#include "gateway/workflow/ConsultationMachine.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"

namespace medbridge::app {
namespace {

using mappings::fhir::Value;
using workflow::ConsultationMachine;

// Every "Type/id" reference anywhere in v.
void referencesIn(const Value& v, std::vector<std::string>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (std::string(m.name.GetString()) == "reference" && m.value.IsString())
        out.push_back(m.value.GetString());
      else
        referencesIn(m.value, out);
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) referencesIn(e, out);
  }
}

class Collector {
 public:
  Collector(store::IStore& store) : store_(store) {}
  // Adds the resource (once) to `section`; false when it is not in the store.
  bool add(const std::string& reference, const std::string& section) {
    auto slash = reference.find('/');
    if (slash == std::string::npos || reference.find('/', slash + 1) != std::string::npos)
      return false;
    if (seen_.count(reference)) return true;
    auto v = store_.readResource(reference.substr(0, slash), reference.substr(slash + 1));
    if (!v || v->deleted) return false;
    seen_.insert(reference);
    entries_.push_back({*v, section});
    return true;
  }
  struct Entry {
    store::ResourceVersion version;
    std::string section;
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  store::IStore& store_;
  std::set<std::string> seen_;
  std::vector<Entry> entries_;
};

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  mappings::fhir::parseJson(json, d);
  return d;
}

}  // namespace

std::string caseBundle(store::IStore& store, const core::IClock& clock, const std::string& taskId,
                       const std::string& base) {
  auto stored = store.readResource("Task", taskId);
  if (!stored || stored->deleted)
    throw fhir::FhirError(404, "not-found", "Task/" + taskId + " is not known");
  auto task = parse(stored->json);
  if (!ConsultationMachine::isConsultation(task))
    throw fhir::FhirError(422, "business-rule", "Task/" + taskId + " is not a consultation");
  Collector c(store);
  c.add("Task/" + taskId, "application");
  std::string request = ConsultationMachine::reference(task, "focus");
  std::string patient = ConsultationMachine::reference(task, "for");
  for (const auto& r : {request, patient, ConsultationMachine::reference(task, "requester"),
                        ConsultationMachine::invitedOrganization(task),
                        ConsultationMachine::reference(task, "owner")})
    c.add(r, "application");
  if (auto sr = store.readResource("ServiceRequest", request.substr(request.find('/') + 1))) {
    auto d = parse(sr->json);
    std::vector<std::string> refs;
    for (const char* m : {"requester", "performer"})
      if (d.HasMember(m)) referencesIn(d[m], refs);
    for (const auto& r : refs) c.add(r, "application");
    refs.clear();
    if (d.HasMember("supportingInfo")) referencesIn(d["supportingInfo"], refs);
    for (const auto& r : refs) c.add(r, "records");
  }
  std::string appointment = ConsultationMachine::inputReference(task, "input", "appointment");
  c.add(appointment, "session");
  std::string report = ConsultationMachine::inputReference(task, "output", "report");
  if (c.add(report, "report")) {
    for (const auto& id :
         store.search(mappings::fhir::parseSearch("Provenance", {{"target", report}}, true))) {
      auto signature = store.readResource("Provenance", id);
      if (!signature || !c.add("Provenance/" + id, "signatures")) continue;
      auto provenance = parse(signature->json);
      std::vector<std::string> refs;
      referencesIn(provenance["target"], refs);
      for (const auto& r : refs) c.add(r, "report");
    }
  }
  for (int version = 1; version <= stored->version; ++version)
    for (const auto& id : store.search(mappings::fhir::parseSearch(
             "AuditEvent", {{"entity", "Task/" + taskId + "/_history/" + std::to_string(version)}},
             true)))
      c.add("AuditEvent/" + id, "audit");

  // The Composition: one section per part, each listing its entries.
  const std::vector<std::pair<std::string, std::string>> sections = {
      {"application", "会诊申请 Application"}, {"records", "病历资料 Records and consent"},
      {"session", "会诊安排 Session"},         {"report", "会诊报告 Report"},
      {"signatures", "签名 Signatures"},       {"audit", "流程记录 Audit trail"}};
  std::string now = core::instantOf(clock.nowMillis());
  std::string composition =
      R"({"resourceType":"Composition","id":"case-)" + taskId +
      R"(","status":"final","type":{"coding":[{"system":"http://loinc.org","code":"11488-4","display":"Consult note"}]},"subject":{"reference":")" +
      patient + R"("},"date":")" + now + R"(","author":[{"reference":")" +
      ConsultationMachine::invitedOrganization(task) +
      R"("}],"title":"远程会诊病历 Remote consultation case Task/)" + taskId + R"(","section":[)";
  bool firstSection = true;
  for (const auto& [code, title] : sections) {
    std::string entries;
    for (const auto& e : c.entries())
      if (e.section == code)
        entries += (entries.empty() ? "" : ",") + std::string(R"({"reference":")") +
                   e.version.type + "/" + e.version.id + "\"}";
    if (entries.empty()) continue;
    composition += (firstSection ? "" : ",") + std::string(R"({"title":")") + title +
                   R"(","entry":[)" + entries + "]}";
    firstSection = false;
  }
  composition += "]}";
  std::string bundle =
      R"({"resourceType":"Bundle","identifier":{"system":"urn:medbridge:case","value":")" + taskId +
      R"("},"type":"document","timestamp":")" + now + R"(","entry":[{"fullUrl":")" + base +
      "/Composition/case-" + taskId + R"(","resource":)" + composition + "}";
  for (const auto& e : c.entries())
    bundle += R"(,{"fullUrl":")" + base + "/" + e.version.type + "/" + e.version.id +
              R"(","resource":)" + fhir::served(e.version) + "}";
  return bundle + "]}";
}

void registerCaseExport(fhir::FhirServer& fhir, store::IStore& store, const core::IClock& clock) {
  fhir.registerOperation(
      "Task", "export-case", false, true, [&store, &clock](const fhir::OperationRequest& o) {
        return fhir::FhirResponse{200, caseBundle(store, clock, o.id, o.request.base), {}};
      });
}

}  // namespace medbridge::app
