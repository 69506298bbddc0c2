// The operator's view of the regional queue over real HTTP: /admin/deliveries lists what waits
// and what was refused (with the platform's answer), retries or discards dead letters, pauses and
// resumes the destination (durably); /metrics shows the queue, its oldest item, the delivery
// latency and the failures by kind.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

// Patient A2's national ID number has a wrong check character: the platform refuses it.
std::string adt(const std::string& controlId, const std::string& mrn, const std::string& nid,
                const std::string& visit) {
  return "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|" + controlId +
         "|P|2.5\rPID|1||" + mrn + "^^^ZJYY-HIS^MR~" + nid +
         "^^^PRC-NID^NI||王^秀英||19491231|F\rPV1|1|O||||||||||||||||" + visit + "\r";
}

std::string states(const GatewayProcess& gw) {
  std::string out;
  for (const auto& row :
       sqliteQuery(gw.dbPath(), "SELECT id, state, attempts FROM deliveries ORDER BY id"))
    out += row[0] + ":" + row[1] + ":" + row[2] + " ";
  return out;
}

TEST(RegionalAdmin, ListsRetriesDiscardsPausesAndMeasuresTheQueue) {
  TempDir hospitalDir, platformDir;
  GatewayProcess platform(platformDir.path(), {"profile=platform"});
  platform.start();
  std::vector<std::string> sets = {
      "regional.urls=http://127.0.0.1:" + std::to_string(platform.httpPort()) + "/fhir",
      "regional.resourceTypes=Patient,Encounter", "workers.retryBaseSeconds=1"};
  auto hospital = std::make_unique<GatewayProcess>(hospitalDir.path(), sets);
  hospital->start();
  auto send = [&](const std::string& message) {
    MllpClient his(hospital->mllpPort());
    his.sendFrame(message);
    EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  };
  auto until = [&](const std::string& expected) {
    return waitFor([&] { return states(*hospital) == expected; }, std::chrono::seconds(30));
  };
  send(adt("A-1", "A1", "11010519491231002X", "V1"));
  ASSERT_TRUE(until("1:sent:1 2:sent:1 ")) << states(*hospital);
  send(adt("A-2", "A2", "110105194912310021", "V2"));
  ASSERT_TRUE(until("1:sent:1 2:sent:1 3:dead:1 4:dead:1 ")) << states(*hospital);

  auto get = [&](const std::string& path) {
    return httpRequest(hospital->httpPort(), "GET", path);
  };
  auto post = [&](const std::string& path) {
    return httpRequest(hospital->httpPort(), "POST", path);
  };
  auto dead = get("/admin/deliveries?state=dead");
  EXPECT_EQ(dead.status, 200);
  EXPECT_NE(dead.body.find("\"counts\":{\"pending\":0,\"sent\":2,\"dead\":2,\"discarded\":0}"),
            std::string::npos)
      << dead.body;
  EXPECT_NE(dead.body.find("\"id\":3,\"destination\":\"\",\"resource\":\"Patient/"),
            std::string::npos)
      << dead.body;
  EXPECT_NE(
      dead.body.find("\"lastError\":\"HTTP 422: {\\\"resourceType\\\":\\\"OperationOutcome\\\""),
      std::string::npos)
      << dead.body;
  EXPECT_NE(dead.body.find("MB-4004 the national ID number"), std::string::npos) << dead.body;
  EXPECT_EQ(dead.body.find("\"id\":1,"), std::string::npos) << "only the dead ones";
  EXPECT_NE(get("/admin/deliveries?limit=1&after=1").body.find("\"items\":[{\"id\":2,"),
            std::string::npos);
  EXPECT_EQ(get("/admin/deliveries?state=lost").status, 400);
  EXPECT_EQ(post("/admin/deliveries/retry?ids=3,x").status, 400);
  EXPECT_EQ(post("/admin/deliveries/rewind").status, 404);
  EXPECT_EQ(httpRequest(hospital->httpPort(), "DELETE", "/admin/deliveries").status, 405);

  // Retried, the Patient is refused again (the HIS has not corrected it); discarded, it is gone
  // from the dead letters and cannot be retried.
  auto retried = post("/admin/deliveries/retry?ids=3,1");
  EXPECT_EQ(retried.body, "{\"retried\":1,\"asked\":2}\n");
  ASSERT_TRUE(until("1:sent:1 2:sent:1 3:dead:2 4:dead:1 ")) << states(*hospital);
  EXPECT_EQ(post("/admin/deliveries/discard?ids=3,4").body, "{\"discarded\":2,\"asked\":2}\n");
  EXPECT_EQ(post("/admin/deliveries/retry?ids=3").body, "{\"retried\":0,\"asked\":1}\n");

  // Paused: a new change waits, also across a restart; resumed, it goes.
  auto paused = post("/admin/deliveries/pause");
  EXPECT_EQ(paused.status, 200);
  EXPECT_NE(paused.body.find("\"paused\":true"), std::string::npos) << paused.body;
  send(adt("A-3", "A1", "11010519491231002X", "V3"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(states(*hospital), "1:sent:1 2:sent:1 3:discarded:2 4:discarded:1 5:pending:0 ");
  EXPECT_EQ(hospital->terminate(), 0);
  hospital = std::make_unique<GatewayProcess>(hospitalDir.path(), sets);
  hospital->start();
  EXPECT_NE(hospital->log().find("delivery to the regional platform is paused"), std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  auto metrics = get("/metrics").body;
  EXPECT_NE(
      metrics.find("medbridge_regional_deliveries{destination=\"platform\",state=\"pending\"} 1\n"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(
                "medbridge_regional_deliveries{destination=\"platform\",state=\"discarded\"} 2\n"),
            std::string::npos);
  auto oldest =
      metric(metrics, "medbridge_regional_oldest_pending_seconds{destination=\"platform\"}");
  EXPECT_GE(oldest, 1);
  EXPECT_LT(oldest, 60);
  EXPECT_NE(post("/admin/deliveries/resume").body.find("\"paused\":false"), std::string::npos);
  ASSERT_TRUE(until("1:sent:1 2:sent:1 3:discarded:2 4:discarded:1 5:sent:1 "))
      << states(*hospital);
  metrics = get("/metrics").body;
  EXPECT_NE(
      metrics.find("medbridge_regional_deliveries{destination=\"platform\",state=\"pending\"} 0\n"),
      std::string::npos);
  EXPECT_NE(metrics.find("medbridge_regional_oldest_pending_seconds{destination=\"platform\"} 0"),
            std::string::npos);
  EXPECT_NE(metrics.find("medbridge_regional_delivery_seconds_count{destination=\"platform\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find(
          "medbridge_regional_delivery_seconds_bucket{destination=\"platform\",le=\"0.5\"} 0\n"),
      std::string::npos)
      << "it waited over a second";
  // The platform's answers name the patient's identifiers: kept with the dead letters, not logged.
  std::string log = hospital->log();
  EXPECT_NE(log.find("refused by the regional platform: HTTP 422 (its answer is kept with the"
                     " dead letter, delivery 3)"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("110105194912310021"), std::string::npos);
  EXPECT_EQ(log.find("identifier="), std::string::npos);
  EXPECT_NE(metrics.find("medbridge_regional_circuit_open{destination=\"platform\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(hospital->terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);
}

// Failures by kind, and the breaker opening after regional.breaker.failures in a row.
TEST(RegionalAdmin, CountsFailuresByKindAndOpensTheCircuit) {
  TempDir hospitalDir;
  GatewayProcess hospital(
      hospitalDir.path(),
      {"regional.urls=http://127.0.0.1:" + std::to_string(freeLoopbackPort()) + "/fhir",
       "regional.resourceTypes=Patient,Encounter", "workers.retryBaseSeconds=1",
       "regional.retryMaxSeconds=1", "regional.breaker.failures=2",
       "regional.breaker.openSeconds=60"});
  hospital.start();
  MllpClient his(hospital.mllpPort());
  his.sendFrame(adt("B-1", "A1", "11010519491231002X", "V1"));
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(waitFor([&] { return hospital.log().find("circuit open") != std::string::npos; },
                      std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // retries would be due by now
  auto metrics = httpRequest(hospital.httpPort(), "GET", "/metrics").body;
  EXPECT_NE(
      metrics.find(
          "medbridge_regional_failures_total{destination=\"platform\",kind=\"no-answer\"} 2\n"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("medbridge_regional_circuit_open{destination=\"platform\"} 1\n"),
            std::string::npos);
  EXPECT_NE(hospital.log().find("circuit open after 2 failed attempts in a row: nothing is sent "
                                "for 60 s"),
            std::string::npos);
  auto listed = httpRequest(hospital.httpPort(), "GET", "/admin/deliveries").body;
  EXPECT_NE(listed.find("\"circuitOpen\":true"), std::string::npos) << listed;
  EXPECT_NE(listed.find("\"lastProblem\":\"no answer: Connection refused"), std::string::npos)
      << listed;
  EXPECT_EQ(hospital.terminate(), 0);
}

// regional.maxAttempts: a change that could not be delivered that often is dead-lettered with
// the reason and the last error, unsent.
TEST(RegionalAdmin, GivesUpAfterMaxAttempts) {
  TempDir hospitalDir;
  GatewayProcess hospital(
      hospitalDir.path(),
      {"regional.urls=http://127.0.0.1:" + std::to_string(freeLoopbackPort()) + "/fhir",
       "regional.resourceTypes=Patient", "workers.retryBaseSeconds=1", "regional.retryMaxSeconds=1",
       "regional.maxAttempts=2"});
  hospital.start();
  MllpClient his(hospital.mllpPort());
  his.sendFrame(adt("G-1", "A1", "11010519491231002X", "V1"));
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(waitFor([&] { return states(hospital) == "1:dead:2 "; }, std::chrono::seconds(30)))
      << states(hospital);
  std::string error =
      sqliteQuery(hospital.dbPath(), "SELECT last_error FROM deliveries WHERE id = 1")[0][0];
  EXPECT_EQ(error.rfind("not delivered in regional.maxAttempts (2) attempts; last error: no "
                        "answer: Connection refused",
                        0),
            0u)
      << error;
  EXPECT_NE(hospital.log().find("Patient/"), std::string::npos);
  EXPECT_EQ(hospital.terminate(), 0);
}

// A POST without a body and without Content-Length (curl -X POST) is answered at once, not
// after the client gives up waiting for a body that never comes.
TEST(RegionalAdmin, APostWithoutContentLengthIsAnsweredAtOnce) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(gw.httpPort()));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string request = "POST /admin/deliveries/pause HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1) << "no answer within 5 s";
  char buf[512];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)).rfind("HTTP/1.1 404", 0), 0u)
      << std::string(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(gw.terminate(), 0);
}

}  // namespace
}  // namespace medbridge::testing
