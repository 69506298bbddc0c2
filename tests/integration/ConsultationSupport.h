#pragma once

// A platform-profile medbridge with a controlled clock and the reference data of a small region:
// a county hospital (inviting) and a tertiary hospital (invited) in the same province, one far
// away; their staff as PractitionerRoles; a patient, consultation applications, appointments and
// a report. Tasks move by PUT (with the acting party in the workflow-actor extension) or by the
// convenience operations.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/integration/FhirHelpers.h"

namespace medbridge::testing {

// An Organization with its region, level, registered departments and telemedicine qualification.
inline std::string organization(const std::string& id, const std::string& region,
                                const std::string& level = "3A",
                                const std::vector<std::string>& departments = {"03", "32"}) {
  std::string out =
      R"({"resourceType":"Organization","id":")" + id +
      R"(","extension":[{"url":"urn:medbridge:extension:region-code","valueCode":")" + region +
      R"("},{"url":"urn:medbridge:extension:hospital-level","valueCoding":{"system":"urn:medbridge:codesystem:hospital-level","code":")" +
      level + R"("}},{"url":"urn:medbridge:extension:telemedicine-qualified","valueBoolean":true})";
  for (const auto& d : departments)
    out +=
        R"(,{"url":"urn:medbridge:extension:registered-department","valueCoding":{"system":"urn:medbridge:codesystem:department","code":")" +
        d + "\"}}";
  return out + R"(],"name":")" + id + R"( hospital"})";
}

// A PractitionerRole: function (practitioner-function), title, licence, independent practice
// since, practice scope.
inline std::string practitionerRole(const std::string& id, const std::string& org,
                                    const std::string& function,
                                    const std::string& title = "attending-physician",
                                    const std::string& since = "2015-07-01",
                                    const std::string& scope = "03") {
  return R"({"resourceType":"PractitionerRole","id":")" + id +
         R"(","extension":[{"url":"urn:medbridge:extension:practice-license","valueIdentifier":{"system":"urn:medbridge:practice-license","value":"L-)" +
         id + R"("}},{"url":"urn:medbridge:extension:independent-practice-since","valueDate":")" +
         since + R"("}],"organization":{"reference":"Organization/)" + org +
         R"("},"code":[{"coding":[{"system":"urn:medbridge:codesystem:practitioner-function","code":")" +
         function +
         R"("}]},{"coding":[{"system":"urn:medbridge:codesystem:professional-title","code":")" +
         title +
         R"("}]}],"specialty":[{"coding":[{"system":"urn:medbridge:codesystem:department","code":")" +
         scope + R"("}]}]})";
}

// A complete application of this service type to `invited`, department 03.01 (respiratory).
inline std::string serviceRequest(const std::string& id, const std::string& type,
                                  const std::string& invited = "tertiary") {
  return R"({"resourceType":"ServiceRequest","id":")" + id +
         R"(","status":"active","intent":"order","category":[{"coding":[{"system":"urn:medbridge:codesystem:workflow-task","code":"consultation"}]}],)"
         R"("code":{"coding":[{"system":"urn:medbridge:codesystem:consultation-service-type","code":")" +
         type +
         R"("}]},"subject":{"reference":"Patient/p1"},"occurrenceDateTime":"2026-11-25T10:00:00+08:00",)"
         R"("requester":{"reference":"PractitionerRole/doc"},"performerType":{"coding":[{"system":"urn:medbridge:codesystem:department","code":"03.01"}]},)"
         R"("performer":[{"reference":"Organization/)" +
         invited +
         R"("}],"reasonCode":[{"text":"肺部感染抗感染治疗3天无效"}],)"
         R"("supportingInfo":[{"reference":"DocumentReference/d1"},{"reference":"Consent/consent1"}]})";
}

inline std::string appointment(const std::string& id, const std::string& start) {
  return R"({"resourceType":"Appointment","id":")" + id + R"(","status":"booked","start":")" +
         start +
         R"(","participant":[{"actor":{"reference":"PractitionerRole/expert"},"status":"accepted"}]})";
}

// A new consultation Task in draft, proposed by the county's attending physician.
inline std::string newTask(const std::string& id, const std::string& request,
                           const std::string& invited = "tertiary",
                           const std::string& status = "draft",
                           const std::string& business = "drafted",
                           const std::string& actor = "PractitionerRole/doc",
                           const std::string& extra = "") {
  return R"({"resourceType":"Task","id":")" + id +
         R"(","extension":[{"url":"urn:medbridge:extension:workflow-actor","valueReference":{"reference":")" +
         actor + R"("}}],"status":")" + status +
         R"(","intent":"order","code":{"coding":[{"system":"urn:medbridge:codesystem:workflow-task","code":"consultation"}]},)"
         R"("businessStatus":{"coding":[{"system":"urn:medbridge:codesystem:workflow-business-status","code":")" +
         business + R"("}]},"focus":{"reference":"ServiceRequest/)" + request +
         R"("},"for":{"reference":"Patient/p1"},"requester":{"reference":"Organization/county"},)"
         R"("owner":{"reference":"Organization/)" +
         invited + "\"}" + extra + "}";
}

// Moves Task/id on the gateway at `port` to status/businessStatus: GET, edit (the acting party,
// then `change`), PUT with If-Match of the version read.
inline HttpResult moveTask(int port, const std::string& id, const std::string& status,
                           const std::string& business, const std::string& actor,
                           const std::function<void(rapidjson::Document&)>& change = nullptr) {
  auto read = httpRequest(port, "GET", "/fhir/Task/" + id, "", kFhirJson);
  EXPECT_EQ(read.status, 200) << read.body;
  auto task = parsed(read.body);
  std::string version = field(task["meta"], "versionId");
  auto& a = task.GetAllocator();
  task["status"].SetString(status.c_str(), a);
  task["businessStatus"]["coding"][0]["code"].SetString(business.c_str(), a);
  for (auto& e : task["extension"].GetArray())
    if (field(e, "url") == "urn:medbridge:extension:workflow-actor")
      e["valueReference"]["reference"].SetString(actor.c_str(), a);
  if (change) change(task);
  auto headers = kFhirJson;
  headers.push_back({"If-Match", "W/\"" + version + "\""});
  return httpRequest(port, "PUT", "/fhir/Task/" + id, mappings::fhir::toJson(task), headers);
}

// POST Task/id/$name on a hospital gateway with these Parameters entries.
inline HttpResult op(const GatewayProcess& g, const std::string& id, const std::string& name,
                     const std::string& params, const std::string& ifMatch = "") {
  auto headers = kFhirJson;
  if (!ifMatch.empty()) headers.push_back({"If-Match", ifMatch});
  return httpRequest(g.httpPort(), "POST", "/fhir/Task/" + id + "/$" + name,
                     R"({"resourceType":"Parameters","parameter":[)" + params + "]}", headers);
}

// A Parameters entry naming a reference: the acting party ("actor"), the expert, the report…
inline std::string refParam(const std::string& reference, const std::string& name = "actor") {
  return R"({"name":")" + name + R"(","valueReference":{"reference":")" + reference + "\"}}";
}

class WorkflowPlatform {
 public:
  explicit WorkflowPlatform(std::vector<std::string> sets = {})
      : gw_(dir_.path(), withDefaults(std::move(sets))) {
    gw_.start();
    seed();
  }
  GatewayProcess& gateway() { return gw_; }
  ReceivedResources& received() { return received_; }

  // POST /admin/clock; returns how many deadlines it flagged.
  int setClock(const std::string& instant) {
    auto r = httpRequest(gw_.httpPort(), "POST", "/admin/clock", R"({"now":")" + instant + "\"}");
    EXPECT_EQ(r.status, 200) << r.body;
    auto d = parsed(r.body);
    return d.HasMember("deadlinesFlagged") ? static_cast<int>(integer(d["deadlinesFlagged"])) : -1;
  }
  HttpResult put(const std::string& path, const std::string& body,
                 const std::string& ifMatch = "") {
    auto headers = kFhirJson;
    if (!ifMatch.empty()) headers.push_back({"If-Match", ifMatch});
    auto r = httpRequest(gw_.httpPort(), "PUT", "/fhir/" + path, body, headers);
    received_.add(r.body);
    return r;
  }
  rapidjson::Document read(const std::string& path) {
    auto r = httpRequest(gw_.httpPort(), "GET", "/fhir/" + path, "", kFhirJson);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    received_.add(r.body);
    return parsed(r.body);
  }
  // $operation on Task/id with parameters name → reference (or "reason" → a workflow-reason code).
  HttpResult operation(const std::string& id, const std::string& op,
                       const std::vector<std::pair<std::string, std::string>>& params,
                       const std::string& ifMatch = "") {
    std::string body = R"({"resourceType":"Parameters","parameter":[)";
    bool first = true;
    for (const auto& [name, value] : params) {
      body += (first ? "" : ",") + std::string(R"({"name":")") + name + "\",";
      body += name == "reason" ? R"("valueCode":")" + value + "\"}"
                               : R"("valueReference":{"reference":")" + value + "\"}}";
      first = false;
    }
    body += "]}";
    auto headers = kFhirJson;
    if (!ifMatch.empty()) headers.push_back({"If-Match", ifMatch});
    auto r = httpRequest(gw_.httpPort(), "POST", "/fhir/Task/" + id + "/$" + op, body, headers);
    received_.add(r.body);
    return r;
  }
  HttpResult move(const std::string& id, const std::string& status, const std::string& business,
                  const std::string& actor,
                  const std::function<void(rapidjson::Document&)>& change = nullptr) {
    auto r = moveTask(gw_.httpPort(), id, status, business, actor, change);
    received_.add(r.body);
    return r;
  }
  // Creates Task/id and moves it through the internal steps to requested/submitted.
  void submit(const std::string& id, const std::string& request,
              const std::string& invited = "tertiary") {
    ASSERT_EQ(put("Task/" + id, newTask(id, request, invited)).status, 201);
    ASSERT_EQ(move(id, "draft", "department-head-signed", "PractitionerRole/head").status, 200);
    ASSERT_EQ(move(id, "draft", "medical-affairs-approved", "PractitionerRole/office").status, 200);
    ASSERT_EQ(move(id, "draft", "fee-paid", "PractitionerRole/office").status, 200);
    auto r = move(id, "requested", "submitted", "PractitionerRole/doc");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::string state(const std::string& id) {
    auto t = read("Task/" + id);
    return field(t, "status") + "/" + field(t["businessStatus"]["coding"][0], "code");
  }
  // restriction.period.end to the second (the controlled clock ticks on from the time set).
  std::string nextDeadline(const std::string& id) {
    auto t = read("Task/" + id);
    return t.HasMember("restriction") ? field(t["restriction"]["period"], "end").substr(0, 19) : "";
  }

 private:
  static std::vector<std::string> withDefaults(std::vector<std::string> sets) {
    sets.insert(sets.begin(), {"profile=platform", "testing.controlledClock=true"});
    return sets;
  }
  void seed() {
    std::vector<std::pair<std::string, std::string>> resources = {
        {"Organization/county", organization("county", "330521")},
        {"Organization/tertiary", organization("tertiary", "330102")},
        {"Organization/faraway", organization("faraway", "110105")},
        {"PractitionerRole/doc", practitionerRole("doc", "county", "physician")},
        {"PractitionerRole/head", practitionerRole("head", "county", "department-head")},
        {"PractitionerRole/office", practitionerRole("office", "county", "medical-affairs")},
        {"PractitionerRole/desk", practitionerRole("desk", "tertiary", "medical-affairs")},
        {"PractitionerRole/expert", practitionerRole("expert", "tertiary", "physician")},
        {"PractitionerRole/expert2", practitionerRole("expert2", "tertiary", "physician")},
        {"PractitionerRole/far-desk", practitionerRole("far-desk", "faraway", "medical-affairs")},
        {"PractitionerRole/stranger", practitionerRole("stranger", "faraway", "physician")},
        {"Patient/p1", R"({"resourceType":"Patient","id":"p1","name":[{"text":"张三"}]})"},
        {"DocumentReference/d1",
         R"({"resourceType":"DocumentReference","id":"d1","status":"current","subject":{"reference":"Patient/p1"},"content":[{"attachment":{"contentType":"text/plain","title":"入院记录"}}]})"},
        {"Consent/consent1",
         R"({"resourceType":"Consent","id":"consent1","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"treatment"}]},"category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/p1"},"dateTime":"2026-11-24T08:30:00+08:00","sourceAttachment":{"contentType":"application/pdf","title":"远程会诊知情同意书"}})"},
        {"ServiceRequest/regular", serviceRequest("regular", "regular")},
        {"ServiceRequest/urgent", serviceRequest("urgent", "urgent")},
        {"ServiceRequest/urgent-far", serviceRequest("urgent-far", "urgent", "faraway")},
        {"DiagnosticReport/r1",
         R"({"resourceType":"DiagnosticReport","id":"r1","status":"final","code":{"text":"远程会诊报告"},"subject":{"reference":"Patient/p1"},"conclusion":"建议继续抗感染治疗"})"}};
    for (const auto& [path, body] : resources) {
      auto r = put(path, body);
      ASSERT_EQ(r.status, 201) << path << ": " << r.body;
    }
  }

  TempDir dir_;
  GatewayProcess gw_;
  ReceivedResources received_;
};

}  // namespace medbridge::testing
