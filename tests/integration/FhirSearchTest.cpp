// FHIR search over real HTTP, driven by the official R4 search parameter definitions: every
// parameter kind and prefix, chains, _include/_revinclude, sorting and paging that stays stable
// while resources change.
#include <gtest/gtest.h>

#include "tests/integration/FhirHelpers.h"

namespace medbridge::testing {
namespace {

const std::string kNid = "urn:oid:2.16.156.10011.1.3";

class FhirSearch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    gw_ = new GatewayProcess(dir_->path());
    gw_->start();
    put("Patient/p1",
        R"({"resourceType":"Patient","id":"p1","meta":{"tag":[{"system":"urn:t","code":"vip"}],)"
        R"("profile":["http://example.org/p"]},"identifier":[{"system":")" +
            kNid +
            R"(","value":"110105198005170015"}],"name":[{"family":"张","given":["三"]},)"
            R"({"family":"Müller","given":["Hans"]}],"gender":"male","birthDate":"1980-05-17"})");
    put("Patient/p2",
        R"({"resourceType":"Patient","id":"p2","identifier":[{"system":"urn:mrn","value":"M2"}],)"
        R"("name":[{"family":"Muller","given":["Anna"]}],"gender":"female","birthDate":"1990"})");
    put("Patient/p3",
        R"({"resourceType":"Patient","id":"p3","name":[{"text":"李四"}],"gender":"male",)"
        R"("birthDate":"1980-05"})");
    auto obs = [](const std::string& id, const std::string& patient, const std::string& code,
                  const std::string& when, const std::string& value) {
      return R"({"resourceType":"Observation","id":")" + id +
             R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":")" +
             code + R"("}]},"subject":{"reference":"Patient/)" + patient +
             R"("},"effectiveDateTime":")" + when + R"(","valueQuantity":{"value":)" + value +
             R"(,"system":"http://unitsofmeasure.org","code":"mm[Hg]","unit":"mmHg"}})";
    };
    put("Observation/o1", obs("o1", "p1", "8480-6", "2024-01-10T08:00:00+08:00", "120"));
    put("Observation/o2", obs("o2", "p1", "8462-4", "2024-03-01", "80"));
    put("Observation/o3", obs("o3", "p2", "8480-6", "2023-12-31", "150"));
    put("Provenance/prov",
        R"({"resourceType":"Provenance","id":"prov","target":[{"reference":"Observation/o1"}],)"
        R"("recorded":"2024-01-10T09:00:00Z","agent":[{"who":{"display":"HIS"}}]})");
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->terminate(), 0);
    EXPECT_EQ(received_->schemaProblems(), "");
    EXPECT_EQ(received_->ownProblems(), "");
    delete gw_;
    delete dir_;
    delete received_;
  }
  static void put(const std::string& path, const std::string& body) {
    auto r = httpRequest(gw_->httpPort(), "PUT", "/fhir/" + path, body, kFhirJson);
    ASSERT_EQ(r.status, 201) << path << ": " << r.body;
  }
  static HttpResult get(const std::string& path,
                        std::vector<std::pair<std::string, std::string>> headers = kFhirJson) {
    auto r = httpRequest(gw_->httpPort(), "GET",
                         path.rfind("http", 0) == 0 ? path : "/fhir/" + path, "", headers);
    received_->add(r.body);
    return r;
  }
  // "Type/id" of the entries with search mode `mode`, in Bundle order.
  static std::vector<std::string> entries(const HttpResult& r, const std::string& mode = "match") {
    std::vector<std::string> out;
    auto d = parsed(r.body);
    if (!d.HasMember("entry")) return out;
    for (const auto& e : d["entry"].GetArray())
      if (field(e["search"], "mode") == mode)
        out.push_back(field(e["resource"], "resourceType") + "/" + field(e["resource"], "id"));
    return out;
  }
  static std::vector<std::string> ids(const std::string& query) {
    auto r = get(query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    std::vector<std::string> out;
    for (auto& e : entries(r)) out.push_back(e.substr(e.find('/') + 1));
    return out;
  }
  static std::string link(const HttpResult& r, const std::string& relation) {
    auto d = parsed(r.body);
    for (const auto& l : d["link"].GetArray())
      if (field(l, "relation") == relation) return field(l, "url");
    return "";
  }
  using V = std::vector<std::string>;
  static TempDir* dir_;
  static GatewayProcess* gw_;
  static ReceivedResources* received_;
};
TempDir* FhirSearch::dir_ = nullptr;
GatewayProcess* FhirSearch::gw_ = nullptr;
ReceivedResources* FhirSearch::received_ = new ReceivedResources;

TEST_F(FhirSearch, Strings) {
  EXPECT_EQ(ids("Patient?name=muller"), (V{"p1", "p2"}));  // accents and case ignored
  EXPECT_EQ(ids("Patient?name=M%C3%9CL"), (V{"p1", "p2"}));
  EXPECT_EQ(ids("Patient?name:exact=Muller"), (V{"p2"}));
  EXPECT_EQ(ids("Patient?name:contains=ulle"), (V{"p1", "p2"}));
  EXPECT_EQ(ids("Patient?name=%E5%BC%A0"), (V{"p1"}));           // 张
  EXPECT_EQ(ids("Patient?name=%E5%BC%A0%E4%B8%89"), (V{"p1"}));  // 张三: family + given
  EXPECT_EQ(ids("Patient?name=%E6%9D%8E%E5%9B%9B"), (V{"p3"}));  // 李四
  EXPECT_EQ(ids("Patient?family=mul&given=anna"), (V{"p2"}));
  EXPECT_EQ(ids("Patient?name=hans,anna"), (V{"p1", "p2"}));  // OR
}

TEST_F(FhirSearch, Tokens) {
  EXPECT_EQ(ids("Patient?gender=male"), (V{"p1", "p3"}));
  EXPECT_EQ(ids("Patient?gender:not=male"), (V{"p2"}));
  EXPECT_EQ(ids("Patient?identifier=" + kNid + "|110105198005170015"), (V{"p1"}));
  EXPECT_EQ(ids("Patient?identifier=M2"), (V{"p2"}));
  EXPECT_EQ(ids("Patient?identifier=urn:mrn|"), (V{"p2"}));
  EXPECT_EQ(ids("Observation?code=http://loinc.org|8480-6"), (V{"o1", "o3"}));
  EXPECT_EQ(ids("Observation?code=|8480-6"), V{});
  EXPECT_EQ(ids("Patient?_id=p1,p3"), (V{"p1", "p3"}));
  EXPECT_EQ(ids("Patient?_tag=urn:t|vip"), (V{"p1"}));
  EXPECT_EQ(ids("Patient?_profile=http://example.org/p"), (V{"p1"}));
}

TEST_F(FhirSearch, DatesWithEveryPrefixAndPrecision) {
  EXPECT_EQ(ids("Patient?birthdate=1980-05"), (V{"p1", "p3"}));
  EXPECT_EQ(ids("Patient?birthdate=1980-05-17"), (V{"p1"}));
  EXPECT_EQ(ids("Patient?birthdate=gt1985"), (V{"p2"}));
  EXPECT_EQ(ids("Patient?birthdate=le1980-05-17"), (V{"p1", "p3"}));
  EXPECT_EQ(ids("Patient?birthdate=sa1980"), (V{"p2"}));
  EXPECT_EQ(ids("Patient?birthdate=eb1990"), (V{"p1", "p3"}));
  EXPECT_EQ(ids("Patient?birthdate=ne1980-05-17"), (V{"p2", "p3"}));
  EXPECT_EQ(ids("Patient?birthdate=ge1980&birthdate=lt1981"), (V{"p1", "p3"}));  // AND
  EXPECT_EQ(ids("Observation?date=2024-01-10"), (V{"o1"}));  // 08:00+08:00 is 00:00Z
  EXPECT_EQ(ids("Observation?date=2024-01-10T00:00:00Z"), (V{"o1"}));
  EXPECT_EQ(ids("Patient?_lastUpdated=gt2020-01-01"), (V{"p1", "p2", "p3"}));
  EXPECT_EQ(ids("Patient?_lastUpdated=lt2000"), V{});
  EXPECT_EQ(get("Patient?birthdate=19800517").status, 400);
}

TEST_F(FhirSearch, ReferencesChainsAndQuantities) {
  EXPECT_EQ(ids("Observation?patient=p1"), (V{"o1", "o2"}));
  EXPECT_EQ(ids("Observation?subject=Patient/p1"), (V{"o1", "o2"}));
  EXPECT_EQ(ids("Observation?subject:Patient=p2"), (V{"o3"}));
  EXPECT_EQ(ids("Observation?patient=p1&date=ge2024-02-01"), (V{"o2"}));
  EXPECT_EQ(ids("Observation?subject:Patient.identifier=urn:mrn|M2"), (V{"o3"}));
  EXPECT_EQ(ids("Observation?patient.identifier=" + kNid + "|110105198005170015"), (V{"o1", "o2"}));
  EXPECT_EQ(ids("Observation?value-quantity=gt100"), (V{"o1", "o3"}));
  EXPECT_EQ(ids("Observation?value-quantity=120|http://unitsofmeasure.org|mm[Hg]"), (V{"o1"}));
  EXPECT_EQ(ids("Observation?value-quantity=le90"), (V{"o2"}));
  EXPECT_EQ(ids("Observation?patient:missing=true"), V{});
  auto chainWithoutType = get("Observation?subject.identifier=x");
  EXPECT_EQ(chainWithoutType.status, 400);
  EXPECT_EQ(firstIssue(chainWithoutType.body),
            "chain on 'subject' needs a target type (subject:Patient.identifier)");
}

TEST_F(FhirSearch, IncludesSortingCountsAndUnknownParameters) {
  auto inc = get("Observation?_id=o1&_include=Observation:subject&_revinclude=Provenance:target");
  EXPECT_EQ(entries(inc), (V{"Observation/o1"}));
  EXPECT_EQ(entries(inc, "include"), (V{"Patient/p1", "Provenance/prov"}));
  EXPECT_EQ(ids("Patient?_sort=birthdate"), (V{"p3", "p1", "p2"}));
  EXPECT_EQ(ids("Patient?_sort=-birthdate"), (V{"p2", "p3", "p1"}));
  auto count = parsed(get("Patient?_summary=count").body);
  EXPECT_EQ(integer(count["total"]), 3);
  EXPECT_FALSE(count.HasMember("entry"));
  auto lenient = get("Patient?foo=bar");
  EXPECT_EQ(entries(lenient).size(), 3u);
  EXPECT_EQ(entries(lenient, "outcome").size(), 1u);
  auto strictHeaders = kFhirJson;
  strictHeaders.emplace_back("Prefer", "handling=strict");
  auto strict = get("Patient?foo=bar", strictHeaders);
  EXPECT_EQ(strict.status, 400);
  EXPECT_EQ(firstIssue(strict.body), "unknown search parameter 'foo' for Patient");
  // POST _search takes the parameters as a form.
  auto form = httpRequest(gw_->httpPort(), "POST", "/fhir/Patient/_search", "gender=female",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(entries(form), (V{"Patient/p2"}));
}

TEST_F(FhirSearch, PagesStayStableWhileResourcesChange) {
  auto first = get("Patient?gender=male,female&_count=2");
  EXPECT_EQ(integer(parsed(first.body)["total"]), 3);
  EXPECT_EQ(entries(first), (V{"Patient/p1", "Patient/p2"}));
  std::string next = link(first, "next");
  ASSERT_FALSE(next.empty());
  // A new match and a deletion between pages do not shift the pages.
  put("Patient/p0", R"({"resourceType":"Patient","id":"p0","gender":"male"})");
  auto second = get(next);
  EXPECT_EQ(entries(second), (V{"Patient/p3"}));
  EXPECT_EQ(integer(parsed(second.body)["total"]), 3);
  EXPECT_TRUE(link(second, "next").empty());
  EXPECT_EQ(entries(get(link(second, "previous"))), (V{"Patient/p1", "Patient/p2"}));
  EXPECT_EQ(ids("Patient?gender=male"), (V{"p0", "p1", "p3"}));  // a new search sees it
  EXPECT_EQ(httpRequest(gw_->httpPort(), "DELETE", "/fhir/Patient/p0").status, 204);
  EXPECT_EQ(get("?_getpages=unknown&_offset=0&_count=2").status, 410);
}

}  // namespace
}  // namespace medbridge::testing
