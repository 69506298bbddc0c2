#include "gateway/routing/Ingestor.h"

#include <gtest/gtest.h>

#include "tests/unit/gateway/routing/IngestorFixture.h"

namespace medbridge::routing {
namespace {

class IngestorTest : public IngestorFixture {};

const std::string kMessage =
    "MSH|^~\\&|HIS|ZJYY|GW|REG|20260101||ADT^A01|C1|P|2.5\rPID|1||P1^^^ZJYY^MR\r";

TEST_F(IngestorTest, AcknowledgesOnlyWhatTheStoreCommitted) {
  std::string ack = ingestor.ingest(kMessage, "peer");
  EXPECT_EQ(testing::ackField(ack, "MSA", 1), "AA");
  auto stored = store.messages();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].raw, kMessage);
  EXPECT_EQ(stored[0].ack, ack);
  EXPECT_EQ(stored[0].status, "Received");
  EXPECT_EQ(stored[0].sender, "HIS|ZJYY");
  EXPECT_EQ(stored[0].controlId, "C1");
  EXPECT_EQ(stored[0].messageType, "ADT_A01");
  EXPECT_EQ(store.stats().queueDepth, 1);
}

TEST_F(IngestorTest, StoreFailureIsAnArAndNothingIsStored) {
  store.setFailWrites(true);
  std::string ack = ingestor.ingest(kMessage, "peer");
  EXPECT_EQ(testing::ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(testing::ackField(ack, "MSA", 2), "C1");
  EXPECT_EQ(testing::ackField(ack, "ERR", 3), "207^Application internal error^HL70357");
  EXPECT_EQ(testing::ackField(ack, "ERR", 8), "MB-3001 the store is unavailable");
  store.setFailWrites(false);
  EXPECT_TRUE(store.messages().empty());
  EXPECT_EQ(metrics.value("mllp", core::Metrics::Rejected), 1);
  // The sender retries: now it is accepted.
  EXPECT_EQ(testing::ackField(ingestor.ingest(kMessage, "peer"), "MSA", 1), "AA");
}

TEST_F(IngestorTest, UnmappedTriggerIsStoredFinalAndNotQueued) {
  std::string ack = ingestor.ingest("MSH|^~\\&|HIS|ZJYY|||1||SIU^S12|S1|P|2.5\r", "peer");
  EXPECT_EQ(testing::ackField(ack, "MSA", 1), "AA");
  EXPECT_EQ(store.messages()[0].status, "Unmapped");
  EXPECT_EQ(store.stats().queueDepth, 0);
}

}  // namespace
}  // namespace medbridge::routing
