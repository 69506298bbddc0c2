// `medbridge serve` as an operator runs it: config validation, /health, /metrics, SIGTERM.
#include <gtest/gtest.h>

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

TEST(Serve, BadConfigExitsNonZeroNamingTheKey) {
  TempDir dir;
  writeFile(dir.file("bad.json"), "// comment\n{ \"mllp\": { \"idleTimeoutSeconds\": 0 } }");
  CommandResult r = runCommand({binaryPath(), "serve", "--config", dir.file("bad.json")});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(
      r.err.find(
          "MB-1001 invalid configuration: mllp.idleTimeoutSeconds: must be between 1 and 86400"),
      std::string::npos)
      << r.err;
  writeFile(dir.file("empty.json"), "{}");
  r = runCommand(
      {binaryPath(), "serve", "--config", dir.file("empty.json"), "--set", "nosuch.key=1"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("MB-1002 unknown configuration key: nosuch.key"), std::string::npos)
      << r.err;
  writeFile(dir.file("systems.json"),
            R"({"systems": [{"authority": "H", "system": "s", "type": "passport"}]})");
  r = runCommand({binaryPath(), "serve", "--config", dir.file("empty.json"), "--set",
                  "identity.systemsFile=" + dir.file("systems.json"), "--set",
                  "store.url=sqlite:" + dir.file("s.db")});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("MB-1001 invalid configuration: identity.systemsFile: identifier systems: "
                       "row 1 has unknown "
                       "type \"passport\""),
            std::string::npos)
      << r.err;
  r = runCommand({binaryPath(), "serve", "--config", dir.file("missing.json")});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("MB-1003"), std::string::npos) << r.err;
}

TEST(Serve, HealthMetricsAndGracefulStop) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  EXPECT_NE(gw.log().find("MLLP listening on 127.0.0.1:" + std::to_string(gw.mllpPort())),
            std::string::npos);
  auto [status, body] = httpGet(gw.httpPort(), "/health");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "{\"status\":\"up\",\"store\":\"up\",\"mllp\":\"up\"}\n");
  MllpClient c(gw.mllpPort());
  c.sendFrame("MSH|^~\\&|HIS|ZJYY|||1||ADT^A01|M1|P|2.5\rPID|1||P1^^^ZJYY^MR\r");
  EXPECT_EQ(ackField(c.readFrame(), "MSA", 1), "AA");
  c.sendFrame("MSH|^~\\&|HIS|ZJYY|||1||SIU^S12|M2|P|2.5\r");
  EXPECT_EQ(ackField(c.readFrame(), "MSA", 1), "AA");
  c.sendFrame("PID|1\r");
  EXPECT_EQ(ackField(c.readFrame(), "MSA", 1), "AR");
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));
  auto metrics = httpGet(gw.httpPort(), "/metrics").second;
  EXPECT_EQ(metric(metrics, "medbridge_messages_received_total{channel=\"mllp\"}"), 3) << metrics;
  EXPECT_EQ(metric(metrics, "medbridge_messages_acked_total{channel=\"mllp\"}"), 2);
  EXPECT_EQ(metric(metrics, "medbridge_messages_rejected_total{channel=\"mllp\"}"), 1);
  EXPECT_EQ(metric(metrics, "medbridge_messages_mapped_total{channel=\"mllp\"}"), 1);
  EXPECT_EQ(metric(metrics, "medbridge_messages_unmapped_total{channel=\"mllp\"}"), 1);
  EXPECT_EQ(metric(metrics, "medbridge_messages_failed_total{channel=\"mllp\"}"), 0);
  EXPECT_EQ(metric(metrics, "medbridge_messages_dead_lettered_total{channel=\"mllp\"}"), 0);
  EXPECT_EQ(metric(metrics, "medbridge_ack_latency_seconds_count{channel=\"mllp\"}"), 3);
  EXPECT_EQ(metric(metrics, "medbridge_queue_depth{channel=\"mllp\"}"), 0);
  EXPECT_EQ(gw.terminate(), 0);
  EXPECT_NE(gw.log().find("stopped"), std::string::npos);
}

}  // namespace
}  // namespace medbridge::testing
