// A GB18030 ADT^A01 over a raw socket (npm clients re-encode as UTF-8): a name and address with
// 億 (83 7C), 縗 (BF 5C) and a 4-byte character end up as UTF-8 in the stored Patient, and the
// ACK comes back in GB18030.
#include <gtest/gtest.h>

#include "gateway/core/Hash.h"
#include "mappings/hl7v2/Charset.h"
#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

TEST(Gb18030OverMllp, ChineseNamesArriveIntactAndTheAckIsGb18030) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  std::string raw = readFile(sourceDir() + "/samples/hl7v2-gb18030/ADT-A01-gb18030.hl7");
  ASSERT_NE(raw.find("\x83\x7c"), std::string::npos);
  ASSERT_NE(raw.find("\xbf\x5c"), std::string::npos);
  MllpClient client(gw.mllpPort());
  client.sendFrame(raw);
  std::string ack = client.readFrame();
  // MSH-6 of the ACK echoes the sender's facility 浙江医院 in GB18030 (D5 E3 BD AD D2 BD D4 BA).
  EXPECT_NE(ack.find("\xD5\xE3\xBD\xAD\xD2\xBD\xD4\xBA"), std::string::npos);
  EXPECT_EQ(ack.find("浙江医院"), std::string::npos) << "ACK must not be UTF-8";
  std::string utf8 = mappings::hl7v2::decodeToUtf8(ack).utf8;
  EXPECT_EQ(ackField(utf8, "MSH", 6), "浙江医院^1.2.156.112604.1.2.1^ISO");
  EXPECT_EQ(ackField(utf8, "MSH", 18), "GB 18030-2000");
  EXPECT_EQ(ackField(utf8, "MSA", 1), "AA");
  EXPECT_EQ(ackField(utf8, "MSA", 2), "GB20261123-0001");
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));
  EXPECT_EQ(gw.terminate(), 0);

  auto store = openStore(gw);
  auto messages = store->messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].raw, raw) << "raw bytes are kept as received";
  EXPECT_EQ(messages[0].status, "Mapped");
  auto patient = store->readResource(
      "Patient", core::nameUuid("Patient|urn:oid:1.2.156.112604.1.2.1.1|MRN000777"));
  ASSERT_TRUE(patient);
  EXPECT_NE(patient->json.find(R"("text":"億縗𠀀","family":"億","given":["縗𠀀"])"),
            std::string::npos)
      << patient->json;
  EXPECT_NE(patient->json.find(R"("text":"浙江省杭州市西湖区億縗路1号","line":["億縗路1号"])"),
            std::string::npos)
      << patient->json;
}

}  // namespace
}  // namespace medbridge::testing
