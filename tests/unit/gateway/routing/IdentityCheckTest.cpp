// Merges checked before the ACK: the registration of the prior patient may still be waiting in
// the queue (no processor runs here), and then the merge is accepted.
#include "gateway/routing/IdentityCheck.h"

#include <gtest/gtest.h>

#include "tests/unit/gateway/routing/IngestorFixture.h"

namespace medbridge::routing {
namespace {

std::string merge(const std::string& controlId, const std::string& prior,
                  const std::string& authority = "ZJYY-HIS") {
  return "MSH|^~\\&|HIS|ZJYY|GW|REG|20261125||ADT^A40|" + controlId +
         "|P|2.5\rPID|1||X1^^^ZJYY-HIS^MR\rMRG|" + prior + "^^^" + authority + "^MR\r";
}

class IdentityCheckTest : public IngestorFixture {
 protected:
  IdentityCheckTest() {
    ingestor.setIdentityCheck(&mappings::identity::IdentifierSystems::builtIn());
  }
};

TEST_F(IdentityCheckTest, APriorPatientWaitingInTheQueueCountsAsKnown) {
  std::string a01 =
      "MSH|^~\\&|HIS|ZJYY|GW|REG|20261125||ADT^A01|R1|P|2.5\rPID|1||X4^^^ZJYY-HIS^MR\r";
  EXPECT_EQ(testing::ackField(ingestor.ingest(a01, "peer"), "MSA", 1), "AA");
  EXPECT_EQ(testing::ackField(ingestor.ingest(merge("M1", "X4"), "peer"), "MSA", 1), "AA");
  EXPECT_EQ(store.stats().queueDepth, 2) << "both wait for the processor";

  std::string ack = ingestor.ingest(merge("M2", "X9"), "peer");
  EXPECT_EQ(testing::ackField(ack, "MSA", 1), "AE");
  EXPECT_EQ(testing::ackField(ack, "ERR", 2), "MRG^1^1");
  EXPECT_EQ(testing::ackField(ack, "ERR", 3), "204^Unknown key identifier^HL70357");
  EXPECT_EQ(testing::ackField(ack, "ERR", 8),
            "MB-4001 no patient in the index holds this identifier: "
            "urn:oid:1.2.156.112604.1.2.1.1\\F\\X9");  // | escaped
  EXPECT_EQ(store.stats().queueDepth, 2) << "a refused merge is kept, not queued";
  EXPECT_EQ(store.messages().back().status, "Rejected");
}

TEST_F(IdentityCheckTest, AnInvalidNationalIdIsTakenWithAWarning) {
  std::string a01 =
      "MSH|^~\\&|HIS|ZJYY|GW|REG|20261125||ADT^A01|N1|P|2.5\rPID|1||A1^^^ZJYY-HIS^MR~"
      "110105194912310021^^^PRC-NID^NI\r";
  std::string ack = ingestor.ingest(a01, "peer");
  EXPECT_EQ(testing::ackField(ack, "MSA", 1), "AA");
  EXPECT_EQ(testing::ackField(ack, "ERR", 3), "102^Data type error^HL70357");
  EXPECT_EQ(testing::ackField(ack, "ERR", 4), "W");
  EXPECT_EQ(testing::ackField(ack, "ERR", 8),
            "MB-4004 national ID number is not valid (GB 11643); not used to link the patient: "
            "PID-3[2]: check character is 1, expected X");
  EXPECT_EQ(store.stats().queueDepth, 1) << "taken and processed";
}

TEST_F(IdentityCheckTest, OtherMessagesAreNotChecked) {
  auto msg = mappings::hl7v2::Message::parse(merge("M3", "X9"));
  EXPECT_FALSE(checkMerge(msg, "ADT_A08", store, mappings::identity::IdentifierSystems::builtIn()));
  auto refusal =
      checkMerge(msg, "ADT_A40", store, mappings::identity::IdentifierSystems::builtIn());
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->code, core::ErrorCode::IdentityUnknownPatient);
}

}  // namespace
}  // namespace medbridge::routing
