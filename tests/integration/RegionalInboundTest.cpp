// What the regional platform sends a hospital, over real HTTP between two medbridges: the
// platform (profile platform) routes a Task to the gateway of the Organization that owns it,
// which keeps it as a read-only replica — once per platform version, a repeat skipped, nothing
// delivered back; as the alternative, the hospital polls Task?owner=… with an overlap window and
// still applies each version once. Bad input to /regional/inbound gets an OperationOutcome.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/FhirHelpers.h"
#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

std::string task(const std::string& id, const std::string& status, const std::string& owner) {
  return R"({"resourceType":"Task","id":")" + id + R"(","status":")" + status +
         R"(","intent":"order","owner":{"reference":"Organization/)" + owner +
         R"("},"requester":{"reference":"Organization/xywsy"}})";
}

HttpResult put(const GatewayProcess& gw, const std::string& path, const std::string& body) {
  return httpRequest(gw.httpPort(), "PUT", "/fhir/" + path, body, kFhirJson);
}

std::vector<std::vector<std::string>> replicas(const GatewayProcess& gw) {
  return sqliteQuery(gw.dbPath(),
                     "SELECT r.type || '/' || r.id, r.version_id, h.version FROM replicas r JOIN"
                     " resource_heads h USING (type, id) ORDER BY 1");
}

TEST(RegionalInbound, ThePlatformRoutesTasksToTheOwnersGatewayOnceEach) {
  TempDir hospitalDir, platformDir;
  int platformPort = freeLoopbackPort();
  GatewayProcess hospital(
      hospitalDir.path(),
      {"regional.urls=http://127.0.0.1:" + std::to_string(platformPort) + "/fhir",
       "regional.resourceTypes=Patient,Task", "workers.retryBaseSeconds=1"});
  hospital.start();
  GatewayProcess platform(platformDir.path(),
                          {"profile=platform", "http.port=" + std::to_string(platformPort),
                           "platform.hospitals.zjyy.urls=http://127.0.0.1:" +
                               std::to_string(hospital.httpPort()) + "/regional/inbound",
                           "workers.retryBaseSeconds=1"});
  platform.start();

  ASSERT_EQ(put(platform, "Task/c1", task("c1", "requested", "zjyy")).status, 201);
  ASSERT_EQ(put(platform, "Task/c2", task("c2", "requested", "other")).status, 201);
  auto arrived = [&](const std::vector<std::vector<std::string>>& expected) {
    return waitFor([&] { return replicas(hospital) == expected; }, std::chrono::seconds(30));
  };
  ASSERT_TRUE(arrived({{"Task/c1", "1", "1"}})) << hospital.log() << platform.log();
  ASSERT_EQ(put(platform, "Task/c1", task("c1", "accepted", "zjyy")).status, 200);
  ASSERT_TRUE(arrived({{"Task/c1", "2", "2"}})) << hospital.log();
  auto read = httpRequest(hospital.httpPort(), "GET", "/fhir/Task/c1");
  EXPECT_EQ(read.status, 200);
  EXPECT_NE(read.body.find(R"("status":"accepted")"), std::string::npos) << read.body;

  // The platform sends both versions again (as after answers lost on the way): skipped.
  ASSERT_EQ(runCommand({"sqlite3", "-cmd", ".timeout 5000", platform.dbPath(),
                        "UPDATE deliveries SET state = 'pending' WHERE destination = 'zjyy'"})
                .exitCode,
            0);
  ASSERT_TRUE(waitFor(
      [&] {
        return sqliteQuery(platform.dbPath(),
                           "SELECT COUNT(*), SUM(attempts) FROM deliveries WHERE destination ="
                           " 'zjyy' AND state = 'sent'")[0] == std::vector<std::string>{"2", "4"};
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(replicas(hospital), (std::vector<std::vector<std::string>>{{"Task/c1", "2", "2"}}));
  // Only the owner's Task went there, and the hospital sends none of it back.
  EXPECT_EQ(sqliteQuery(platform.dbPath(),
                        "SELECT destination, resource_id, version FROM"
                        " deliveries ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"zjyy", "c1", "1"}, {"zjyy", "c1", "2"}}));
  EXPECT_EQ(sqliteQuery(hospital.dbPath(), "SELECT COUNT(*) FROM deliveries")[0][0], "0");
  auto metrics = httpRequest(platform.httpPort(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("medbridge_regional_deliveries{destination=\"zjyy\",state=\"sent\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(hospital.terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);
}

TEST(RegionalInbound, ThePollerAppliesEachVersionOnceDespiteTheOverlap) {
  TempDir hospitalDir, platformDir;
  GatewayProcess platform(platformDir.path(), {"profile=platform"});
  platform.start();
  ASSERT_EQ(put(platform, "Task/p1", task("p1", "requested", "zjyy")).status, 201);
  ASSERT_EQ(put(platform, "Task/p2", task("p2", "requested", "other")).status, 201);
  GatewayProcess hospital(
      hospitalDir.path(),
      {"regional.urls=http://127.0.0.1:" + std::to_string(platform.httpPort()) + "/fhir",
       "regional.resourceTypes=Patient,Task", "regional.poll.owner=Organization/zjyy",
       "regional.poll.seconds=1", "regional.poll.overlapSeconds=3600"});
  hospital.start();
  auto arrived = [&](const std::vector<std::vector<std::string>>& expected) {
    return waitFor([&] { return replicas(hospital) == expected; }, std::chrono::seconds(30));
  };
  ASSERT_TRUE(arrived({{"Task/p1", "1", "1"}})) << hospital.log();
  ASSERT_EQ(put(platform, "Task/p1", task("p1", "accepted", "zjyy")).status, 200);
  ASSERT_TRUE(arrived({{"Task/p1", "2", "2"}})) << hospital.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // more polls re-read p1
  EXPECT_EQ(replicas(hospital), (std::vector<std::vector<std::string>>{{"Task/p1", "2", "2"}}));
  auto cursor = sqliteQuery(hospital.dbPath(),
                            "SELECT value FROM settings WHERE name = 'regional.poll.cursor'");
  ASSERT_EQ(cursor.size(), 1u);
  EXPECT_EQ(cursor[0][0].size(), 24u) << cursor[0][0];  // 2026-11-24T01:02:03.456Z
  EXPECT_EQ(sqliteQuery(hospital.dbPath(), "SELECT COUNT(*) FROM deliveries")[0][0], "0");
  EXPECT_EQ(hospital.terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);
}

TEST(RegionalInbound, BadInputGetsAnOperationOutcome) {
  TempDir dir;
  GatewayProcess hospital(dir.path());
  hospital.start();
  auto post = [&](const std::string& body) {
    return httpRequest(hospital.httpPort(), "POST", "/regional/inbound", body, kFhirJson);
  };
  auto broken = post("{\"resourceType\":");
  EXPECT_EQ(broken.status, 400);
  EXPECT_NE(broken.body.find("malformed JSON at line 1"), std::string::npos) << broken.body;
  EXPECT_EQ(httpRequest(hospital.httpPort(), "GET", "/regional/inbound").status, 405);
  // The second entry lacks the platform's version: the first is applied, the second named.
  auto partly = post(R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"resource":{"resourceType":"Task","id":"b1","meta":{"versionId":"3"},"status":"requested",
       "intent":"order"},"request":{"method":"PUT","url":"Task/b1"}},
      {"resource":{"resourceType":"Task","id":"b2","status":"requested","intent":"order"},
       "request":{"method":"PUT","url":"Task/b2"}}]})");
  EXPECT_EQ(partly.status, 422);
  EXPECT_EQ(firstIssue(partly.body),
            "Task/b2 has no numeric meta.versionId (the platform's version) (applied 1, already "
            "here 0) @ Bundle.entry[1]");
  auto invalid = post(
      R"({"resourceType":"Task","id":"b3","meta":{"versionId":"1"},"status":"bogus","intent":"order"})");
  EXPECT_EQ(invalid.status, 422);
  EXPECT_NE(invalid.body.find("Task/b3 is not valid FHIR R4"), std::string::npos) << invalid.body;
  auto again = post(
      R"({"resourceType":"Task","id":"b1","meta":{"versionId":"2"},"status":"accepted","intent":"order"})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(firstIssue(again.body), "applied 0, already here 1") << "an older version is skipped";
  EXPECT_EQ(replicas(hospital), (std::vector<std::vector<std::string>>{{"Task/b1", "3", "1"}}));
  EXPECT_EQ(hospital.terminate(), 0);
}

}  // namespace
}  // namespace medbridge::testing
