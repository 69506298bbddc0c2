// Bad input over MLLP: each case gets its documented answer and the gateway keeps serving.
#include <gtest/gtest.h>

#include <random>

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

const std::string kGood = "MSH|^~\\&|HIS|ZJYY|GW|REG|20260101120000+0800||ADT^A01^ADT_A01|GOOD-";

std::string good(int n) {
  return kGood + std::to_string(n) + "|P|2.5\rPID|1||P" + std::to_string(n) +
         "^^^ZJYY^MR||王^五||19800101|M\r";
}

class BadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    gw_ = new GatewayProcess(dir_->path(),
                             {"mllp.maxMessageBytes=4096", "mllp.idleTimeoutSeconds=2"});
    gw_->start();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->terminate(), 0);
    delete gw_;
    delete dir_;
  }
  // After every case the gateway still answers a good message on a new connection and /health.
  void TearDown() override {
    MllpClient other(gw_->mllpPort());
    other.sendFrame(good(++counter_));
    EXPECT_EQ(ackField(other.readFrame(), "MSA", 1), "AA");
    EXPECT_EQ(httpGet(gw_->httpPort(), "/health").first, 200);
  }
  static std::string errText(const std::string& ack) { return ackField(ack, "ERR", 8); }
  static TempDir* dir_;
  static GatewayProcess* gw_;
  static int counter_;
};
TempDir* BadInput::dir_ = nullptr;
GatewayProcess* BadInput::gw_ = nullptr;
int BadInput::counter_ = 1000;

TEST_F(BadInput, MissingMshIsRejectedAndTheConnectionStaysUsable) {
  MllpClient c(gw_->mllpPort());
  c.sendFrame("PID|1||X\r");
  std::string ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "MSA", 2), "");
  EXPECT_EQ(ackField(ack, "ERR", 3), "100^Segment sequence error^HL70357");
  EXPECT_EQ(errText(ack), "MB-2101 message does not start with an MSH segment");
  c.sendFrame(good(1));
  EXPECT_EQ(ackField(c.readFrame(), "MSA", 1), "AA");
}

TEST_F(BadInput, WrongEncodingCharacters) {
  MllpClient c(gw_->mllpPort());
  c.sendFrame("MSH|^^\\&|HIS|ZJYY|||1||ADT^A01|E1|P|2.5\r");
  std::string ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "ERR", 3), "102^Data type error^HL70357");
  EXPECT_EQ(errText(ack),
            "MB-2102 MSH-1/MSH-2 encoding characters are invalid: MSH-2 repeats '\\S\\'");
}

TEST_F(BadInput, InvalidUtf8AndGb18030Bytes) {
  MllpClient c(gw_->mllpPort());
  c.sendFrame("MSH|^~\\&|HIS|ZJYY|||1||ADT^A01|U1|P|2.5||||||UNICODE UTF-8\rPID|1||X||\xC3\x28\r");
  std::string ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "MSA", 2), "U1");
  EXPECT_EQ(errText(ack),
            "MB-2103 bytes are not valid in the declared character set: byte offset 69 is not "
            "valid UTF-8");
  c.sendFrame("MSH|^~\\&|HIS|ZJYY|||1||ADT^A01|G1|P|2.5||||||GB 18030-2000\rPID|1||X||\x81\x20\r");
  ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "MSA", 2), "G1");
  EXPECT_EQ(ackField(ack, "ERR", 3), "102^Data type error^HL70357");
}

TEST_F(BadInput, UnsupportedVersionAndMissingControlId) {
  MllpClient c(gw_->mllpPort());
  c.sendFrame("MSH|^~\\&|HIS|ZJYY|||1||ADT^A01|V1|P|2.1\r");
  std::string ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  // The ACK answers in the sender's version: before 2.5, ERR-1 carries location and code.
  EXPECT_EQ(ackField(ack, "ERR", 1), "MSH^1^12^203&Unsupported version id&HL70357");
  c.sendFrame("MSH|^~\\&|HIS|ZJYY|||1||ADT^A01||P|2.5\r");
  ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "ERR", 2), "MSH^1^10");
  EXPECT_EQ(ackField(ack, "ERR", 3), "101^Required field missing^HL70357");
}

TEST_F(BadInput, OversizedFrameIsRejectedAndTheRestDiscarded) {
  MllpClient c(gw_->mllpPort());
  std::string big =
      "MSH|^~\\&|HIS|ZJYY|||1||ADT^A01|BIG1|P|2.5\rNTE|1||" + std::string(20000, 'x') + "\r";
  c.sendFrame(big);
  std::string ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "MSA", 2), "BIG1");
  EXPECT_EQ(errText(ack), "MB-2105 message exceeds mllp.maxMessageBytes");
  c.sendFrame(good(2));
  EXPECT_EQ(ackField(c.readFrame(), "MSA", 1), "AA");
}

TEST_F(BadInput, FrameTruncatedByANewStartBlock) {
  MllpClient c(gw_->mllpPort());
  c.sendRaw("\x0bMSH|^~\\&|HIS|ZJYY|||1||ADT^A01|T1|P|2.5\rPID|1||");
  c.sendFrame(good(3));
  std::string first = c.readFrame();
  EXPECT_EQ(ackField(first, "MSA", 1), "AR");
  EXPECT_EQ(ackField(first, "MSA", 2), "T1");
  EXPECT_EQ(errText(first), "MB-2113 MLLP frame was not terminated");
  EXPECT_EQ(ackField(c.readFrame(), "MSA", 2), "GOOD-3");
}

TEST_F(BadInput, BinaryGarbageClosesOnlyThatConnection) {
  MllpClient c(gw_->mllpPort());
  std::mt19937 rng(7);
  std::string garbage;
  while (garbage.size() < 8192) {
    char b = static_cast<char>(rng());
    if (b != 0x0b) garbage += b;
  }
  c.sendRaw(garbage);
  EXPECT_TRUE(c.closedByPeer(std::chrono::seconds(10)));
}

TEST_F(BadInput, GarbageInsideAFrameGetsAReject) {
  MllpClient c(gw_->mllpPort());
  c.sendFrame(std::string("\x00\x01\x02\xff garbage", 12));
  std::string ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "ERR", 3), "100^Segment sequence error^HL70357");
}

TEST_F(BadInput, ClientThatNeverFinishesItsFrame) {
  MllpClient slow(gw_->mllpPort());
  slow.sendRaw("\x0bMSH|^~\\&|HIS|ZJYY|||1||ADT^A01|SLOW1|P|2.5\rPID|1||");
  // Others are served meanwhile.
  MllpClient other(gw_->mllpPort());
  other.sendFrame(good(4));
  EXPECT_EQ(ackField(other.readFrame(), "MSA", 1), "AA");
  std::string ack = slow.readFrame(std::chrono::seconds(10));
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "MSA", 2), "SLOW1");
  EXPECT_TRUE(slow.closedByPeer(std::chrono::seconds(10)));
}

TEST_F(BadInput, UnknownTriggerIsStoredUnmappedAndAcceptedByDefault) {
  MllpClient c(gw_->mllpPort());
  c.sendFrame("MSH|^~\\&|HIS|ZJYY|||1||SIU^S12|S1|P|2.5\rSCH|1\r");
  EXPECT_EQ(ackField(c.readFrame(), "MSA", 1), "AA");
}

TEST_F(BadInput, DuplicateGetsTheSameAckAndIsNotStoredTwice) {
  MllpClient c(gw_->mllpPort());
  c.sendFrame(good(5));
  std::string first = c.readFrame();
  c.sendFrame(good(5));
  std::string second = c.readFrame();
  EXPECT_EQ(first, second);
  auto store = openStore(*gw_);
  int copies = 0;
  for (const auto& m : store->messages()) copies += m.controlId == "GOOD-5";
  EXPECT_EQ(copies, 1);
}

}  // namespace
}  // namespace medbridge::testing
