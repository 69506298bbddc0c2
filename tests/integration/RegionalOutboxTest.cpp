// The outbox of changes for the regional platform (issue 6, first part): with regional.urls set,
// what an HL7 feed and FHIR writes change is queued in the same transaction, numbered per
// patient in commit order.
#include <gtest/gtest.h>

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

TEST(RegionalOutbox, ChangesAreQueuedInOrderPerPatient) {
  TempDir dir;
  GatewayProcess gw(dir.path(), {"regional.urls=http://127.0.0.1:9/fhir",
                                 "regional.resourceTypes=Patient,Encounter"});
  gw.start();
  MllpClient his(gw.mllpPort());
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|R-1|P|2.5\r"
      "PID|1||A1^^^ZJYY-HIS^MR||王^秀英||19491231|F\rPV1|1|O||||||||||||||||V1\r");
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));
  // A second visit of the same patient, then a Patient of another written over FHIR.
  his.sendFrame(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123100000+0800||ADT^A01|R-2|P|2.5\r"
      "PID|1||A1^^^ZJYY-HIS^MR||王^秀英||19491231|F\rPV1|1|O||||||||||||||||V2\r");
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));
  HttpResult put = httpRequest(gw.httpPort(), "PUT", "/fhir/Patient/other",
                               R"({"resourceType":"Patient","id":"other","gender":"male"})",
                               {{"Content-Type", "application/fhir+json"}});
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(gw.terminate(), 0);

  auto rows = sqliteQuery(gw.dbPath(),
                          "SELECT patient, seq, resource_type, version, state FROM deliveries"
                          " ORDER BY id");
  // Per patient: 1, 2, 3... in commit order; the second A01 changed no Patient field, so its
  // Patient version is the same and only the new Encounter is queued.
  ASSERT_EQ(rows.size(), 4u) << ::testing::PrintToString(rows);
  std::string patient = rows[0][0];
  EXPECT_EQ(patient.rfind("Patient/", 0), 0u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{patient, "1", "Patient", "1", "pending"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{patient, "2", "Encounter", "1", "pending"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{patient, "3", "Encounter", "1", "pending"}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"Patient/other", "1", "Patient", "1", "pending"}));
}

TEST(RegionalOutbox, NothingIsQueuedWithoutAPlatform) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  HttpResult put =
      httpRequest(gw.httpPort(), "PUT", "/fhir/Patient/p", R"({"resourceType":"Patient","id":"p"})",
                  {{"Content-Type", "application/fhir+json"}});
  EXPECT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(gw.terminate(), 0);
  EXPECT_EQ(sqliteQuery(gw.dbPath(), "SELECT COUNT(*) FROM deliveries")[0][0], "0");
}

}  // namespace
}  // namespace medbridge::testing
