#include "mappings/hl7v2/Charset.h"

#include <gtest/gtest.h>

#include "gateway/core/ErrorCode.h"
#include "mappings/hl7v2/Message.h"

namespace medbridge::mappings::hl7v2 {

// 億 = 83 7C and 縗 = BF 5C in GB18030: their second bytes are '|' and '\'.
// U+20000 is the 4-byte sequence 95 32 82 36.
const std::string kGbName = "\x83\x7c^\xbf\x5c\x95\x32\x82\x36";
const std::string kUtf8Name = "億^縗\xF0\xA0\x80\x80";

TEST(Charset, Gb18030IsConvertedBeforeSplitting) {
  std::string raw = "MSH|^~\\&|HIS|H|||20260101||ADT^A01|C|P|2.5||||||GB 18030-2000\rPID|1||X||" +
                    kGbName + "|\r";
  DecodedMessage d = decodeToUtf8(raw);
  EXPECT_EQ(d.encoding, "GB18030");
  EXPECT_EQ(d.msh18, "GB 18030-2000");
  auto m = Message::parse(d.utf8);
  EXPECT_EQ(m.get("PID-5.1"), "億");
  EXPECT_EQ(m.get("PID-5.2"), "縗\xF0\xA0\x80\x80");
  EXPECT_EQ(encodeFromUtf8(kUtf8Name, "GB18030"), kGbName);
}

TEST(Charset, GbkAndUtf8AndBom) {
  EXPECT_EQ(encodingForMsh18("GBK"), "GBK");
  EXPECT_EQ(encodingForMsh18("UNICODE UTF-8"), "UTF-8");
  EXPECT_EQ(encodingForMsh18(""), "UTF-8");
  EXPECT_EQ(encodingForMsh18("8859/1"), "ISO-8859-1");
  EXPECT_EQ(encodingForMsh18("KLINGON"), "");
  DecodedMessage d = decodeToUtf8("\xEF\xBB\xBFMSH|^~\\&|A\r");
  EXPECT_EQ(d.utf8, "MSH|^~\\&|A\r");
}

TEST(Charset, InvalidBytesAreRejectedWithTheirOffset) {
  try {
    decodeToUtf8("MSH|^~\\&|A|\xC3\x28\r");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::Hl7InvalidBytes);
    EXPECT_STREQ(e.what(),
                 "MB-2103 bytes are not valid in the declared character set: byte offset 11 is not "
                 "valid UTF-8");
  }
  try {
    decodeToUtf8("MSH|^~\\&|A|||||||||||||||GB 18030-2000\rPID|\x81\r");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::Hl7InvalidBytes);
  }
  try {
    decodeToUtf8("MSH|^~\\&|A|||||||||||||||KLINGON\r");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::Hl7UnsupportedCharset);
  }
}

}  // namespace medbridge::mappings::hl7v2
