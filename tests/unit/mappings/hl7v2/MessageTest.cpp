#include "mappings/hl7v2/Message.h"

#include <gtest/gtest.h>

#include "gateway/core/ErrorCode.h"

namespace medbridge::mappings::hl7v2 {

TEST(Message, FieldAccessByPath) {
  auto m = Message::parse(
      "MSH|^~\\&|HIS|ZJYY|||20260101||ADT^A01^ADT_A01|C1|P|2.5\r"
      "PID|1||A1^^^H1&1.2&ISO^MR~B2^^^NID^NI||Doe^John\r");
  EXPECT_EQ(m.get("MSH-1"), "|");
  EXPECT_EQ(m.get("MSH-2"), "^~\\&");
  EXPECT_EQ(m.get("MSH-9.2"), "A01");
  EXPECT_EQ(m.get("MSH-10"), "C1");
  EXPECT_EQ(m.get("PID-3[2].1"), "B2");
  EXPECT_EQ(m.get("PID-3[1].4.2"), "1.2");
  EXPECT_EQ(m.get("PID-3[2].5"), "NI");
  EXPECT_EQ(m.get("PID-3[3].1"), "");
  EXPECT_EQ(m.get("PID-5.2"), "John");
  EXPECT_EQ(m.get("PV1-2"), "");
}

TEST(Message, EncodingCharactersComeFromMsh) {
  auto m = Message::parse("MSH#:*!@#HIS#F#####ADT:A01#C2#P#2.4\rPID#1##X1:::AA@1.2@ISO*X2\r");
  EXPECT_EQ(m.delimiters().field, '#');
  EXPECT_EQ(m.delimiters().component, ':');
  EXPECT_EQ(m.delimiters().repetition, '*');
  EXPECT_EQ(m.delimiters().escape, '!');
  EXPECT_EQ(m.delimiters().subcomponent, '@');
  EXPECT_EQ(m.get("MSH-9.2"), "A01");
  EXPECT_EQ(m.get("PID-3[1].4.2"), "1.2");
  EXPECT_EQ(m.get("PID-3[2]"), "X2");
}

TEST(Message, AllEscapeSequences) {
  auto m = Message::parse(
      "MSH|^~\\&|A|B|||20260101||ORU^R01|C|P|2.5\r"
      "NTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\.br\\g\\X41C3A9\\h\\H\\i\\N\\\r");
  EXPECT_EQ(m.get("NTE-3"), "a|b^c&d~e\\f\ngAéhi");
}

TEST(Message, ToleratesLfCrlfAndBom) {
  for (std::string sep : {"\n", "\r\n", "\r"}) {
    auto m = Message::parse("\xEF\xBB\xBFMSH|^~\\&|A|B|||1||ADT^A01|C|P|2.3" + sep + "PID|1||X" +
                            sep + sep);
    ASSERT_EQ(m.segments().size(), 2u);
    EXPECT_EQ(m.get("PID-3"), "X");
  }
}

TEST(Message, RejectsMissingMshAndBadEncodingCharacters) {
  try {
    Message::parse("PID|1||X\r");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::Hl7MissingMsh);
  }
  try {
    Message::parse("MSH|^|A\r");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::Hl7BadEncodingCharacters);
  }
}

}  // namespace medbridge::mappings::hl7v2
