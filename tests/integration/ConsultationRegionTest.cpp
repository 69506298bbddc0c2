// A consultation between two hospital gateways through the platform, over real HTTP: each
// hospital proposes its moves to the platform through its own gateway (the platform's answer is
// the caller's, the replica updated at once); the platform routes every version to both; a
// concurrent cancel (inviting side) and accept (invited side) end with one applied and both
// hospitals on the same version; without the platform a proposal is refused, never applied
// locally.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/ConsultationSupport.h"

namespace medbridge::testing {
namespace {

struct Region {
  int platformPort = freeLoopbackPort();
  TempDir countyDir, tertiaryDir;
  GatewayProcess county{countyDir.path(), hospitalSets()};
  GatewayProcess tertiary{tertiaryDir.path(), hospitalSets()};
  std::unique_ptr<WorkflowPlatform> platform;
  Region() {
    county.start();
    tertiary.start();
    platform = std::make_unique<WorkflowPlatform>(std::vector<std::string>{
        "http.port=" + std::to_string(platformPort),
        "platform.hospitals.county.urls=" + inbound(county),
        "platform.hospitals.tertiary.urls=" + inbound(tertiary), "workers.retryBaseSeconds=1"});
  }
  std::vector<std::string> hospitalSets() const {
    return {"regional.urls=http://127.0.0.1:" + std::to_string(platformPort) + "/fhir",
            "regional.resourceTypes=Patient", "workers.retryBaseSeconds=1"};
  }
  static std::string inbound(const GatewayProcess& g) {
    return "http://127.0.0.1:" + std::to_string(g.httpPort()) + "/regional/inbound";
  }
  // The platform's version of Task/id at a hospital (replicas table), "" when none.
  static std::string replica(const GatewayProcess& g, const std::string& id) {
    auto rows = sqliteQuery(
        g.dbPath(), "SELECT version_id FROM replicas WHERE type = 'Task' AND id = '" + id + "'");
    return rows.empty() ? "" : rows[0][0];
  }
  std::string platformVersion(const std::string& id) {
    return field(platform->read("Task/" + id)["meta"], "versionId");
  }
  bool converged(const std::string& id) {
    return waitFor(
        [&] {
          std::string v = platformVersion(id);
          return replica(county, id) == v && replica(tertiary, id) == v;
        },
        std::chrono::seconds(30));
  }
};

TEST(ConsultationRegion, HospitalsProposeThroughTheirGatewaysAndConverge) {
  Region r;
  r.platform->setClock("2026-11-24T01:00:00Z");
  auto created =
      httpRequest(r.county.httpPort(), "PUT", "/fhir/Task/c1", newTask("c1", "regular"), kFhirJson);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(field(parsed(created.body), "status"), "draft");
  EXPECT_EQ(Region::replica(r.county, "c1"), "1");  // kept at once, before any routing
  for (auto [business, who] : std::vector<std::pair<std::string, std::string>>{
           {"department-head-signed", "PractitionerRole/head"},
           {"medical-affairs-approved", "PractitionerRole/office"},
           {"fee-paid", "PractitionerRole/office"}})
    ASSERT_EQ(moveTask(r.county.httpPort(), "c1", "draft", business, who).status, 200);
  auto submitted =
      moveTask(r.county.httpPort(), "c1", "requested", "submitted", "PractitionerRole/doc");
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  // The invited hospital receives it through the platform's routing.
  ASSERT_TRUE(
      waitFor([&] { return Region::replica(r.tertiary, "c1") == "5"; }, std::chrono::seconds(30)))
      << r.platform->gateway().log();
  ASSERT_EQ(
      moveTask(r.tertiary.httpPort(), "c1", "received", "received", "PractitionerRole/desk").status,
      200);
  auto accepted = op(r.tertiary, "c1", "accept", refParam("PractitionerRole/desk"));
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(field(parsed(accepted.body), "status"), "accepted");
  ASSERT_TRUE(r.converged("c1"));
  EXPECT_EQ(r.platformVersion("c1"), "7");
  EXPECT_EQ(field(parsed(httpRequest(r.county.httpPort(), "GET", "/fhir/Task/c1").body), "status"),
            "accepted");
  // A move the table does not allow is refused by the platform, through the gateway.
  auto wrong = op(r.county, "c1", "start", refParam("PractitionerRole/doc"));
  EXPECT_EQ(wrong.status, 409) << wrong.body;
  EXPECT_EQ(r.platformVersion("c1"), "7");
  // A consultation Task in a transaction is proposed too, never written here by itself.
  auto bundle = httpRequest(
      r.county.httpPort(), "POST", "/fhir",
      R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)" +
          newTask("c9", "regular") + R"(,"request":{"method":"PUT","url":"Task/c9"}}]})",
      kFhirJson);
  EXPECT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_EQ(field(parsed(bundle.body)["entry"][0]["response"], "location"), "Task/c9/_history/1");
  EXPECT_EQ(r.platformVersion("c9"), "1");
  EXPECT_EQ(Region::replica(r.county, "c9"), "1");
  // Nothing went back from the hospitals to the platform as a change of their own.
  EXPECT_EQ(sqliteQuery(r.county.dbPath(), "SELECT COUNT(*) FROM deliveries")[0][0], "0");
}

TEST(ConsultationRegion, AConcurrentCancelAndAcceptApplyOneAndBothHospitalsAgree) {
  Region r;
  r.platform->setClock("2026-11-24T01:00:00Z");
  r.platform->submit("c2", "regular");
  ASSERT_EQ(r.platform->move("c2", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_TRUE(waitFor(
      [&] {
        return Region::replica(r.county, "c2") == "6" && Region::replica(r.tertiary, "c2") == "6";
      },
      std::chrono::seconds(30)));
  std::string countyVersion = field(
      parsed(httpRequest(r.county.httpPort(), "GET", "/fhir/Task/c2").body)["meta"], "versionId");
  std::string tertiaryVersion = field(
      parsed(httpRequest(r.tertiary.httpPort(), "GET", "/fhir/Task/c2").body)["meta"], "versionId");
  HttpResult cancel, accept;
  std::thread inviting([&] {
    cancel = op(
        r.county, "c2", "cancel",
        refParam("PractitionerRole/doc") + R"(,{"name":"reason","valueCode":"patient-withdrew"})",
        "W/\"" + countyVersion + "\"");
  });
  std::thread invited([&] {
    accept = op(r.tertiary, "c2", "accept", refParam("PractitionerRole/desk"),
                "W/\"" + tertiaryVersion + "\"");
  });
  inviting.join();
  invited.join();
  EXPECT_EQ((std::multiset<int>{cancel.status, accept.status}), (std::multiset<int>{200, 412}))
      << cancel.body << "\n"
      << accept.body;
  ASSERT_TRUE(r.converged("c2"));
  EXPECT_EQ(r.platformVersion("c2"), "7");
  std::string expected = cancel.status == 200 ? "cancelled" : "accepted";
  for (const auto* g : {&r.county, &r.tertiary})
    EXPECT_EQ(field(parsed(httpRequest(g->httpPort(), "GET", "/fhir/Task/c2").body), "status"),
              expected);
}

TEST(ConsultationRegion, APassedDeadlineIsNotifiedToTheResponsibleHospitalAcrossARestart) {
  Region r;
  r.platform->setClock("2026-11-24T02:00:00Z");
  r.platform->submit("u1", "urgent");
  ASSERT_EQ(r.platform->move("u1", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_EQ(r.platform->operation("u1", "accept", {{"actor", "PractitionerRole/desk"}}).status,
            200);
  // The platform restarts while the 2-hour expert deadline runs.
  ASSERT_EQ(r.platform->gateway().terminate(), 0);
  r.platform->gateway().start();
  EXPECT_EQ(r.platform->setClock("2026-11-24T04:00:01Z"), 1);
  // The invited hospital gets the notice, both hospitals the flagged Task.
  auto notices = [&](const GatewayProcess& g) {
    return sqliteQuery(g.dbPath(),
                       "SELECT json_extract(json, '$.about[0].reference'),"
                       " json_extract(json, '$.recipient[0].reference') FROM resource_versions"
                       " WHERE type = 'Communication'");
  };
  ASSERT_TRUE(waitFor([&] { return notices(r.tertiary).size() == 1; }, std::chrono::seconds(30)))
      << r.platform->gateway().log();
  EXPECT_EQ(notices(r.tertiary)[0], (std::vector<std::string>{"Task/u1", "Organization/tertiary"}));
  EXPECT_TRUE(notices(r.county).empty());
  ASSERT_TRUE(r.converged("u1"));
  for (const auto* g : {&r.county, &r.tertiary}) {
    auto task = parsed(httpRequest(g->httpPort(), "GET", "/fhir/Task/u1").body);
    EXPECT_EQ(field(task["meta"]["tag"][0], "code"), "deadline-breached");
  }
}

TEST(ConsultationRegion, WithoutThePlatformAProposalIsRefusedNotAppliedLocally) {
  Region r;
  r.platform->setClock("2026-11-24T01:00:00Z");
  ASSERT_EQ(r.platform->gateway().terminate(), 0);
  auto created =
      httpRequest(r.county.httpPort(), "PUT", "/fhir/Task/c3", newTask("c3", "regular"), kFhirJson);
  EXPECT_EQ(created.status, 503);
  EXPECT_EQ(firstIssue(created.body),
            "the regional platform cannot be reached; the proposal was not applied: try again");
  EXPECT_EQ(httpRequest(r.county.httpPort(), "GET", "/fhir/Task/c3").status, 404);
}

}  // namespace
}  // namespace medbridge::testing
