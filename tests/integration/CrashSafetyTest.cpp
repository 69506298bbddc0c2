// 2,000 messages from several connections, SIGKILL midway, restart: every message that got an
// AA is in the store and is processed exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "gateway/core/Hash.h"
#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

constexpr int kConnections = 4;
constexpr int kPerConnection = 500;

std::string message(int c, int i) {
  std::string id = "CRASH-" + std::to_string(c) + "-" + std::to_string(i);
  return "MSH|^~\\&|HIS|ZJYY|GW|REG|20260101120000+0800||ADT^A01^ADT_A01|" + id +
         "|P|2.5\r"
         "PID|1||M" +
         std::to_string(c * 10000 + i) + "^^^ZJYY^MR||张^" + std::to_string(i) +
         "||19800101|M\r"
         "PV1|1|I|W1^1^1\r";
}

TEST(CrashSafety, EveryAcknowledgedMessageSurvivesSigkillAndIsProcessedOnce) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  std::atomic<int> acked{0};
  std::mutex mutex;
  std::set<std::string> ackedIds;
  std::vector<std::thread> senders;
  for (int c = 0; c < kConnections; ++c) {
    senders.emplace_back([&, c] {
      try {
        MllpClient client(gw.mllpPort());
        for (int i = 0; i < kPerConnection; ++i) {
          client.sendFrame(message(c, i));
          std::string ack = client.readFrame(std::chrono::seconds(5));
          if (ackField(ack, "MSA", 1) != "AA") return;  // the gateway died
          std::lock_guard lock(mutex);
          ackedIds.insert(ackField(ack, "MSA", 2));
          ++acked;
        }
      } catch (const std::exception&) {
      }
    });
  }
  ASSERT_TRUE(waitFor([&] { return acked >= kConnections * kPerConnection / 2; },
                      std::chrono::seconds(120)));
  gw.kill9();
  for (auto& t : senders) t.join();
  ASSERT_LT(acked.load(), kConnections * kPerConnection)
      << "the kill came too late to test anything";

  gw.start();  // same directory, same store
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(120)));
  EXPECT_EQ(gw.terminate(), 0);

  auto store = openStore(gw);
  std::set<std::string> storedIds;
  for (const auto& m : store->messages()) {
    storedIds.insert(m.controlId);
    EXPECT_EQ(m.status, "Mapped") << m.controlId;
    EXPECT_EQ(m.processCount, 1) << m.controlId << " processed " << m.processCount << " times";
  }
  for (const auto& id : ackedIds)
    EXPECT_TRUE(storedIds.count(id)) << id << " was acknowledged but is not stored";
  EXPECT_GE(storedIds.size(), ackedIds.size());
  // Each processed message produced its Provenance exactly once (version 1).
  for (const auto& m : store->messages()) {
    auto provenance = store->readResource(
        "Provenance", core::nameUuid(m.sender + "|" + m.controlId + "|Provenance"));
    ASSERT_TRUE(provenance) << m.controlId;
    EXPECT_EQ(provenance->version, 1);
  }
}

}  // namespace
}  // namespace medbridge::testing
