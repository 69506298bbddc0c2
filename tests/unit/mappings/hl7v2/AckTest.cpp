#include "mappings/hl7v2/Ack.h"

#include <gtest/gtest.h>

namespace medbridge::mappings::hl7v2 {

TEST(Ack, OriginalModeSwapsSenderAndReceiverAndKeepsVersion) {
  auto m = Message::parse(
      "MSH|^~\\&|HIS|ZJYY|GW|REG|20260101||ADT^A01^ADT_A01|C77|P|2.5||||||UNICODE UTF-8\r");
  std::string ack = buildAck(ackHeaderOf(m), "AA", {}, "20260101120000+0800", "A1");
  EXPECT_EQ(
      ack,
      "MSH|^~\\&|GW|REG|HIS|ZJYY|20260101120000+0800||ACK^A01^ACK|A1|P|2.5||||||UNICODE UTF-8\r"
      "MSA|AA|C77\r");
}

TEST(Ack, ErrSegmentFollowsTheVersion) {
  auto v25 = Message::parse("MSH|^~\\&|HIS|H|GW|R|1||ADT^A01|C1|P|2.5\r");
  EXPECT_EQ(buildAck(ackHeaderOf(v25), "AR", {203, "MSH-12", "MB-2107 bad|version"}, "T", "A"),
            "MSH|^~\\&|GW|R|HIS|H|T||ACK^A01^ACK|A|P|2.5\r"
            "MSA|AR|C1\r"
            "ERR||MSH^1^12|203^Unsupported version id^HL70357|E||||MB-2107 bad\\F\\version\r");
  auto v23 = Message::parse("MSH|^~\\&|HIS|H|GW|R|1||ADT^A01|C1|P|2.3\r");
  EXPECT_EQ(buildAck(ackHeaderOf(v23), "AE", {101, "PID-3", "missing"}, "T", "A"),
            "MSH|^~\\&|GW|R|HIS|H|T||ACK^A01^ACK|A|P|2.3\r"
            "MSA|AE|C1|missing\r"
            "ERR|PID^1^3^101&Required field missing&HL70357\r");
}

TEST(Ack, AWarningWithoutAnErrorCodeIsAnAcceptedErrOfSeverityW) {
  auto m = Message::parse("MSH|^~\\&|HIS|H|GW|R|1||ORM^O01|C1|P|2.5\r");
  EXPECT_EQ(buildAck(ackHeaderOf(m), "AA", {0, "OBR-4", "MB-6001 seen"}, "T", "A"),
            "MSH|^~\\&|GW|R|HIS|H|T||ACK^O01^ACK|A|P|2.5\r"
            "MSA|AA|C1\r"
            "ERR||OBR^1^4|0^Message accepted^HL70357|W||||MB-6001 seen\r");
}

TEST(Ack, UsesInboundEncodingCharacters) {
  auto m = Message::parse("MSH#:*!@#HIS#F#GW#R#1##ADT:A01#C2#P#2.4\r");
  EXPECT_EQ(buildAck(ackHeaderOf(m), "AA", {}, "T", "A"),
            "MSH#:*!@#GW#R#HIS#F#T##ACK:A01:ACK#A#P#2.4\rMSA#AA#C2\r");
}

}  // namespace medbridge::mappings::hl7v2
