// mllp.ackMode=enhanced honours MSH-15; mllp.rejectUnknownTriggers answers AR with ERR 200/201.
#include <gtest/gtest.h>

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

std::string message(const std::string& id, const std::string& msh15,
                    const std::string& type = "ADT^A01") {
  return "MSH|^~\\&|HIS|ZJYY|GW|REG|20260101||" + type + "|" + id + "|P|2.5|||" + msh15 +
         "|NE\rPID|1||P1^^^ZJYY^MR\r";
}

TEST(AckModes, EnhancedModeFollowsMsh15) {
  TempDir dir;
  GatewayProcess gw(dir.path(), {"mllp.ackMode=enhanced"});
  gw.start();
  MllpClient c(gw.mllpPort());
  c.sendFrame(message("E1", "AL"));
  std::string ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "CA");
  EXPECT_EQ(ackField(ack, "MSA", 2), "E1");
  c.sendFrame(message("E2", "NE"));  // no ACK at all: the next answer is E3's
  c.sendFrame(message("E3", "SU"));
  ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 2), "E3");
  EXPECT_EQ(ackField(ack, "MSA", 1), "CA");
  c.sendFrame(message("E4", "ER"));  // success: no ACK
  c.sendFrame("MSH|^~\\&|HIS|ZJYY|||1||ADT^A01|E5|P|2.1|||ER\r");
  ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 2), "E5");
  EXPECT_EQ(ackField(ack, "MSA", 1), "CR");
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));
  EXPECT_EQ(gw.terminate(), 0);
  EXPECT_EQ(openStore(gw)->messages().size(), 5u)
      << "messages without an ACK are stored all the same";
}

TEST(AckModes, RejectUnknownTriggers) {
  TempDir dir;
  GatewayProcess gw(dir.path(), {"mllp.rejectUnknownTriggers=true"});
  gw.start();
  MllpClient c(gw.mllpPort());
  c.sendFrame(message("R1", "", "ADT^A99"));
  std::string ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "ERR", 3), "201^Unsupported event code^HL70357");
  c.sendFrame(message("R2", "", "SIU^S12"));
  ack = c.readFrame();
  EXPECT_EQ(ackField(ack, "MSA", 1), "AR");
  EXPECT_EQ(ackField(ack, "ERR", 3), "200^Unsupported message type^HL70357");
  EXPECT_EQ(gw.terminate(), 0);
}

}  // namespace
}  // namespace medbridge::testing
