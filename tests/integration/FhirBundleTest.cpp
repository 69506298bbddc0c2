// Transaction and batch Bundles over real HTTP: urn:uuid references rewritten, conditional
// entries and references, all-or-nothing, processing order, batch entries on their own.
#include <gtest/gtest.h>

#include "tests/integration/FhirHelpers.h"

namespace medbridge::testing {
namespace {

const std::string kNid = "urn:oid:2.16.156.10011.1.3";

class FhirBundle : public FhirServerTest {
 protected:
  long long count(const std::string& query) {
    return integer(parsed(
        call("GET", query + (query.find('?') == std::string::npos ? "?" : "&") + "_summary=count")
            .body)["total"]);
  }
};

std::string patient(const std::string& nid) {
  return R"({"resourceType":"Patient","identifier":[{"system":")" + kNid + R"(","value":")" + nid +
         R"("}],"gender":"female"})";
}

TEST_F(FhirBundle, TransactionRewritesUrnUuidReferences) {
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:2d6b4c5e-0000-4000-8000-000000000001","resource":)" +
                       patient("11010519491231002X") + R"(,
     "request":{"method":"POST","url":"Patient"}},
    {"fullUrl":"urn:uuid:2d6b4c5e-0000-4000-8000-000000000002","resource":{"resourceType":
     "Observation","status":"final","code":{"text":"bp"},
     "subject":{"reference":"urn:uuid:2d6b4c5e-0000-4000-8000-000000000001"}},
     "request":{"method":"POST","url":"Observation"}},
    {"resource":{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},
     "subject":{"reference":"urn:uuid:2d6b4c5e-0000-4000-8000-000000000001"}},
     "request":{"method":"PUT","url":"Encounter/e1"}}]})";
  auto r = call("POST", "", bundle);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parsed(r.body);
  EXPECT_EQ(field(d, "type"), "transaction-response");
  ASSERT_EQ(d["entry"].Size(), 3u);
  for (const auto& e : d["entry"].GetArray())
    EXPECT_EQ(field(e["response"], "status"), "201 Created");
  std::string patientLocation = field(d["entry"][0]["response"], "location");
  std::string patientRef = patientLocation.substr(0, patientLocation.find("/_history"));
  EXPECT_EQ(field(d["entry"][2]["response"], "location"), "Encounter/e1/_history/1");
  std::string obsLocation = field(d["entry"][1]["response"], "location");
  auto obs = parsed(call("GET", "/" + obsLocation.substr(0, obsLocation.find("/_history"))).body);
  EXPECT_EQ(field(obs["subject"], "reference"), patientRef);
  auto enc = parsed(call("GET", "/Encounter/e1").body);
  EXPECT_EQ(field(enc["subject"], "reference"), patientRef);
  // Searchable by the rewritten reference.
  EXPECT_EQ(count("/Observation?patient=" + patientRef), 1);
}

TEST_F(FhirBundle, AFailingTransactionLeavesNothingBehind) {
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + patient("11010519491231002X") +
                       R"(,"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Organization","id":"o1","name":"x"},
     "request":{"method":"PUT","url":"Organization/o1","ifMatch":"W/\"5\""}}]})";
  auto r = call("POST", "", bundle);
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(firstIssue(r.body),
            "entry 1: Organization/o1 is at no version, not W/\"5\" @ Bundle.entry[1]");
  EXPECT_EQ(count("/Patient"), 0);
  EXPECT_EQ(call("GET", "/Organization/o1").status, 404);
  // An invalid resource: 422 naming it, nothing stored.
  std::string invalid = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + patient("11010519491231002X") +
                        R"(,"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Task","intent":"order"},"request":{"method":"POST","url":"Task"}}]})";
  auto bad = call("POST", "", invalid);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(firstIssue(bad.body),
            "required element missing (minimum cardinality 1) @ Bundle.entry[1].resource.status");
  EXPECT_EQ(count("/Patient"), 0);
  auto history = parsed(call("GET", "/_history").body);
  EXPECT_EQ(integer(history["total"]), 0);
}

TEST_F(FhirBundle, ConditionalEntriesAndReferencesAndProcessingOrder) {
  auto make = [&](const std::string& extra) {
    return R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"fullUrl":"urn:uuid:2d6b4c5e-0000-4000-8000-00000000000a","resource":)" +
           patient("11010519491231002X") + R"(,"request":{"method":"POST","url":"Patient",
       "ifNoneExist":"identifier=)" +
           kNid + R"(|11010519491231002X"}})" + extra + "]}";
  };
  auto first = parsed(call("POST", "", make("")).body);
  std::string created = field(first["entry"][0]["response"], "location");
  EXPECT_EQ(field(first["entry"][0]["response"], "status"), "201 Created");
  // The same create again finds the patient; a conditional reference resolves to it too.
  auto second = call("POST", "",
                     make(R"(,{"resource":{"resourceType":"Observation",
      "status":"final","code":{"text":"x"},"subject":{"reference":"Patient?identifier=)" +
                          kNid +
                          R"(|11010519491231002X"}},
      "request":{"method":"POST","url":"Observation"}})"));
  ASSERT_EQ(second.status, 200) << second.body;
  auto d = parsed(second.body);
  EXPECT_EQ(field(d["entry"][0]["response"], "status"), "200 OK");
  EXPECT_EQ(field(d["entry"][0]["response"], "location"), created);
  std::string patientRef = created.substr(0, created.find("/_history"));
  EXPECT_EQ(count("/Observation?subject=" + patientRef), 1);
  EXPECT_EQ(count("/Patient"), 1);
  // Deletes run before creates: delete the patient and create another in one transaction.
  auto swap = call("POST", "",
                   R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"resource":)" + patient("110105194912310021") +
                       R"(,"request":{"method":"POST","url":"Patient"}},
      {"request":{"method":"DELETE","url":")" +
                       patientRef + R"("}}]})");
  ASSERT_EQ(swap.status, 200) << swap.body;
  auto s = parsed(swap.body);
  EXPECT_EQ(field(s["entry"][0]["response"], "status"), "201 Created");
  EXPECT_EQ(field(s["entry"][1]["response"], "status"), "204 No Content");
  EXPECT_EQ(call("GET", "/" + patientRef).status, 410);
  EXPECT_EQ(count("/Patient"), 1);
  // A conditional reference that matches nothing fails the transaction, naming its entry.
  auto missing = call("POST", "", R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
       "subject":{"reference":"Patient?identifier=urn:x|nobody"}},
       "request":{"method":"POST","url":"Observation"}}]})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(firstIssue(missing.body),
            "entry 0: conditional reference Patient?identifier=urn:x|nobody matches 0 resources "
            "(needs exactly 1) @ Bundle.entry[0]");
}

TEST_F(FhirBundle, BatchEntriesSucceedOrFailOnTheirOwn) {
  ASSERT_EQ(
      call("PUT", "/Organization/o1", R"({"resourceType":"Organization","id":"o1","name":"a"})")
          .status,
      201);
  auto r = call("POST", "", R"({"resourceType":"Bundle","type":"batch","entry":[
      {"resource":{"resourceType":"Patient","gender":"male"},"request":{"method":"POST","url":"Patient"}},
      {"resource":{"resourceType":"Patient","gender":"man"},"request":{"method":"POST","url":"Patient"}},
      {"request":{"method":"GET","url":"Organization/o1"}},
      {"request":{"method":"DELETE","url":"Organization/missing"}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parsed(r.body);
  EXPECT_EQ(field(d, "type"), "batch-response");
  EXPECT_EQ(field(d["entry"][0]["response"], "status"), "201 Created");
  EXPECT_EQ(field(d["entry"][1]["response"], "status"), "422 Unprocessable Entity");
  EXPECT_EQ(field(d["entry"][1]["response"]["outcome"], "resourceType"), "OperationOutcome");
  EXPECT_EQ(field(d["entry"][2]["response"], "status"), "200 OK");
  EXPECT_EQ(field(d["entry"][2]["resource"], "name"), "a");
  EXPECT_EQ(field(d["entry"][3]["response"], "status"), "404 Not Found");
  EXPECT_EQ(count("/Patient"), 1);
  EXPECT_EQ(call("POST", "", R"({"resourceType":"Bundle","type":"collection"})").status, 400);
}

}  // namespace
}  // namespace medbridge::testing
