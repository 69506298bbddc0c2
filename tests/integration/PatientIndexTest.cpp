// The master patient index fed by ADT over MLLP: two hospitals, one person; a newborn under
// the mother's ID; 32 concurrent creates of one new patient.
#include <gtest/gtest.h>

#include <thread>
#include <tuple>

#include "gateway/core/Hash.h"

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

const std::string kNid = "urn:oid:2.16.156.10011.1.3";
const std::string kZjyyMrn = "urn:oid:1.2.156.112604.1.2.1.1";
const std::string kXywsyMrn = "urn:oid:1.2.156.112604.9.1.1";

std::string adt(const std::string& hospital, const std::string& controlId, const std::string& pid3,
                const std::string& name, const std::string& birth, const std::string& sex) {
  return "MSH|^~\\&|HIS|" + hospital + "|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01^ADT_A01|" +
         controlId + "|P|2.5||||||UNICODE UTF-8\rEVN|A01|20261123093000+0800\rPID|1||" + pid3 +
         "||" + name + "||" + birth + "|" + sex + "\rPV1|1|I|W1^1^1\r";
}

std::string nameUuidOf(const std::string& system, const std::string& value) {
  return core::nameUuid("Patient|" + system + "|" + value);
}

std::string send(int port, const std::string& message) {
  MllpClient c(port);
  c.sendFrame(message);
  return ackField(c.readFrame(), "MSA", 1);
}

std::string patientOf(const std::string& db, const std::string& system, const std::string& value) {
  auto rows = sqliteQuery(db, "SELECT patient_id FROM mpi_identifiers WHERE system = '" + system +
                                  "' AND value = '" + value + "'");
  return rows.empty() ? "" : rows[0][0];
}

TEST(PatientIndex, LinksByTrustedIdentifiersAndNeverOnAGuardiansNationalId) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  // The same woman at two hospitals: different MRNs, the same national ID.
  EXPECT_EQ(
      send(gw.mllpPort(), adt("ZJYY", "H1-1", "A1^^^ZJYY-HIS^MR~11010519491231002X^^^PRC-NID^NI",
                              "王^秀英", "19491231", "F")),
      "AA");
  EXPECT_EQ(
      send(gw.mllpPort(), adt("XYWSY", "H2-1", "B1^^^XYWSY-HIS^MR~11010519491231002x^^^PRC-NID^NI",
                              "王^秀英", "19491231", "F")),
      "AA");
  // Her newborn, registered under her ID.
  EXPECT_EQ(
      send(gw.mllpPort(), adt("ZJYY", "H1-2", "A2^^^ZJYY-HIS^MR~11010519491231002X^^^PRC-NID^NI",
                              "王^宝宝", "20261120", "M")),
      "AA");
  // Her twin, registered under her ID marked as the guardian's (CX-5 GUARDIAN): not even a
  // review candidate.
  EXPECT_EQ(send(gw.mllpPort(),
                 adt("ZJYY", "H1-3", "A3^^^ZJYY-HIS^MR~11010519491231002X^^^PRC-NID^GUARDIAN",
                     "王^贝贝", "20261120", "F")),
            "AA");
  // An unknown authority never links.
  EXPECT_EQ(
      send(gw.mllpPort(), adt("OTHER", "O-1", "A1^^^SOMEWHERE^MR", "王^秀英", "19491231", "F")),
      "AA");
  // 32 concurrent messages about one new patient.
  std::vector<std::thread> senders;
  std::atomic<int> acked{0};
  for (int i = 0; i < 32; ++i)
    senders.emplace_back([&, i] {
      if (send(gw.mllpPort(), adt("ZJYY", "C-" + std::to_string(i), "C1^^^ZJYY-HIS^MR", "李^雷",
                                  "19800101", "M")) == "AA")
        ++acked;
    });
  for (auto& t : senders) t.join();
  EXPECT_EQ(acked.load(), 32);
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));

  // PIXm from either hospital's MRN gives the other MRN and the national ID.
  auto pix = [&](const std::string& query) {
    return httpGet(gw.httpPort(), "/fhir/Patient/$ihe-pix?" + query);
  };
  auto [status, body] = pix("sourceIdentifier=" + kZjyyMrn + "%7CA1");
  EXPECT_EQ(status, 200);
  std::string motherZjyy = "\"Patient/" + nameUuidOf(kZjyyMrn, "A1") + "\"";
  std::string motherXywsy = "\"Patient/" + nameUuidOf(kXywsyMrn, "B1") + "\"";
  EXPECT_EQ(body, R"({"resourceType":"Parameters","parameter":[)"
                  R"({"name":"targetIdentifier","valueIdentifier":{"system":")" +
                      kXywsyMrn +
                      R"(","value":"B1"}},)"
                      R"({"name":"targetIdentifier","valueIdentifier":{"system":")" +
                      kNid +
                      R"(","value":"11010519491231002X"}},)"
                      R"({"name":"targetId","valueReference":{"reference":)" +
                      std::min(motherZjyy, motherXywsy) +
                      "}},"
                      R"({"name":"targetId","valueReference":{"reference":)" +
                      std::max(motherZjyy, motherXywsy) + "}}]}");
  std::tie(status, body) = pix("sourceIdentifier=" + kXywsyMrn + "%7CB1&targetSystem=" + kZjyyMrn);
  EXPECT_EQ(status, 200);
  EXPECT_NE(body.find(R"("value":"A1")"), std::string::npos) << body;
  EXPECT_EQ(body.find("11010519491231002X"), std::string::npos) << "targetSystem filters" << body;
  CommandResult valid = runCommand({"node", peersDir() + "/validate-fhir.js"}, body + "\n");
  EXPECT_EQ(valid.exitCode, 0) << valid.out;
  EXPECT_EQ(pix("sourceIdentifier=" + kZjyyMrn + "%7CNOPE").first, 404);
  EXPECT_EQ(pix("sourceIdentifier=urn:oid:9.9.9%7CA1").first, 400);
  EXPECT_EQ(pix("sourceIdentifier=A1").first, 400);
  EXPECT_EQ(pix("sourceIdentifier=" + kZjyyMrn + "%7CA1&targetSystem=urn:oid:9.9").first, 403);
  auto [notFound, outcome] = pix("sourceIdentifier=" + kZjyyMrn + "%7CNOPE");
  EXPECT_EQ(outcome,
            R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found",)"
            R"("diagnostics":"sourceIdentifier Patient Identifier not found"}]})");
  EXPECT_EQ(gw.terminate(), 0);

  std::string db = gw.dbPath();
  std::string mother = patientOf(db, kZjyyMrn, "A1");
  ASSERT_FALSE(mother.empty());
  EXPECT_EQ(patientOf(db, kXywsyMrn, "B1"), mother) << "two hospitals, one person";
  EXPECT_EQ(patientOf(db, kNid, "11010519491231002X"), mother);
  std::string baby = patientOf(db, kZjyyMrn, "A2");
  ASSERT_FALSE(baby.empty());
  EXPECT_NE(baby, mother) << "a newborn under the mother's ID is not the mother";
  EXPECT_EQ(sqliteQuery(db, "SELECT kind, patient_id, other_patient_id FROM mpi_reviews"),
            (std::vector<std::vector<std::string>>{{"national-id-conflict", baby, mother}}));
  std::string twin = patientOf(db, kZjyyMrn, "A3");
  EXPECT_NE(twin, "");
  EXPECT_NE(twin, mother);
  EXPECT_NE(twin, baby);
  EXPECT_EQ(patientOf(db, "urn:medbridge:aa:SOMEWHERE", "A1"), "");
  std::string lei = patientOf(db, kZjyyMrn, "C1");
  ASSERT_FALSE(lei.empty());
  EXPECT_EQ(sqliteQuery(db, "SELECT COUNT(*) FROM mpi_patients")[0][0], "4")
      << "mother, newborn, twin, 李雷";
  EXPECT_EQ(
      sqliteQuery(db, "SELECT COUNT(*) FROM mpi_history WHERE action = 'create' AND patient_id = " +
                          lei)[0][0],
      "1");
}

std::string merge(const std::string& event, const std::string& controlId,
                  const std::string& survivor, const std::string& prior) {
  return "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261125090000+0800||ADT^" + event + "|" +
         controlId + "|P|2.5\rEVN|" + event + "\rPID|1||" + survivor +
         "^^^ZJYY-HIS^MR||张^三||19800101|M\rMRG|" + prior + "^^^ZJYY-HIS^MR\r";
}

TEST(PatientIndex, MergesAndIdentifierChangesWithTheirGuards) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  int port = gw.mllpPort();
  EXPECT_EQ(send(port, adt("ZJYY", "M-1", "X1^^^ZJYY-HIS^MR", "张^三", "19800101", "M")), "AA");
  EXPECT_EQ(send(port, adt("ZJYY", "M-2", "X2^^^ZJYY-HIS^MR", "张^叁", "19800101", "M")), "AA");
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));
  // Merges the index can refuse before answering get an AE with ERR (code, location, text).
  struct Case {
    std::string id, message, ack, errCode, errLocation;
  };
  for (const auto& c : std::vector<Case>{
           {"MERGE", merge("A40", "MERGE", "X1", "X2"), "AA", "", ""},
           {"MERGE-AGAIN", merge("A40", "MERGE-AGAIN", "X1", "X2"), "AA", "", ""},
           {"INVERSE", merge("A40", "INVERSE", "X2", "X1"), "AA", "", ""},
           {"UNKNOWN", merge("A40", "UNKNOWN", "X1", "X9"), "AE", "204", "MRG^1^1"},
           {"SELF", merge("A40", "SELF", "X1", "X1"), "AE", "205", "MRG^1^1"},
           {"UNTRUSTED",
            "MSH|^~\\&|HIS|ZJYY|||1||ADT^A40|UNTRUSTED|P|2.5\rPID|1||X1^^^ZJYY-HIS^MR\rMRG|X2^^^"
            "NOBODY^MR\r",
            "AE", "103", "MRG^1^1"},
           {"NO-MRG", "MSH|^~\\&|HIS|ZJYY|||1||ADT^A40|NO-MRG|P|2.5\rPID|1||X1^^^ZJYY-HIS^MR\r",
            "AE", "100", "MRG^1"},
           {"CHANGE", merge("A47", "CHANGE", "X3", "X1"), "AA", "", ""},
           {"UPDATE-OLD-ID",
            adt("ZJYY", "UPDATE-OLD-ID", "X2^^^ZJYY-HIS^MR", "张^叁", "19800101", "M"), "AA", "",
            ""}}) {
    MllpClient client(port);
    client.sendFrame(c.message);
    std::string ack = client.readFrame();
    EXPECT_EQ(ackField(ack, "MSA", 1), c.ack) << c.id << ": " << ack;
    if (!c.errCode.empty()) {
      EXPECT_EQ(ackField(ack, "ERR", 3).substr(0, 3), c.errCode) << c.id << ": " << ack;
      EXPECT_EQ(ackField(ack, "ERR", 2), c.errLocation) << c.id << ": " << ack;
    }
    ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));  // in this order
  }
  EXPECT_EQ(gw.terminate(), 0);
  std::string db = gw.dbPath();
  auto status = [&](const std::string& controlId) {
    auto rows = sqliteQuery(
        db, "SELECT status, error FROM messages WHERE control_id = '" + controlId + "'");
    return rows.empty() ? std::string("missing") : rows[0][0] + " " + rows[0][1];
  };
  EXPECT_EQ(status("MERGE"), "Mapped ");
  EXPECT_EQ(status("MERGE-AGAIN"), "Mapped ");
  EXPECT_EQ(status("INVERSE"),
            "Failed patient index: the prior and the surviving identifiers are the same patient "
            "(an inverse or "
            "self merge)");
  EXPECT_EQ(status("UNKNOWN"),
            "Rejected MB-4001 no patient in the index holds this identifier: " + kZjyyMrn + "|X9");
  EXPECT_EQ(status("SELF"),
            "Rejected MB-4003 a patient cannot be merged into itself: " + kZjyyMrn + "|X1");
  EXPECT_EQ(status("UNTRUSTED"),
            "Rejected MB-4002 merges and identifier changes need a trusted assigning authority: "
            "'NOBODY'");
  EXPECT_EQ(status("NO-MRG"), "Rejected MB-2114 a required segment is missing: MRG");
  EXPECT_EQ(status("CHANGE"), "Mapped ");
  EXPECT_EQ(status("UPDATE-OLD-ID"), "Mapped ");
  std::string x1 = patientOf(db, kZjyyMrn, "X1");
  std::string x2 = patientOf(db, kZjyyMrn, "X2");
  EXPECT_EQ(sqliteQuery(db, "SELECT merged_into FROM mpi_patients WHERE id = " + x2)[0][0], x1);
  EXPECT_EQ(patientOf(db, kZjyyMrn, "X3"), x1) << "A47: the new MRN belongs to the same patient";
  EXPECT_EQ(patientOf(db, kZjyyMrn, "X9"), "") << "a rejected merge changes nothing";
  EXPECT_EQ(sqliteQuery(db,
                        "SELECT action FROM mpi_history WHERE action IN ('merge', 'merge-repeated',"
                        " 'change-identifier', 'redirected') ORDER BY id"),
            (std::vector<std::vector<std::string>>{
                {"merge"}, {"merge-repeated"}, {"change-identifier"}, {"redirected"}}));
  EXPECT_EQ(sqliteQuery(
                db, "SELECT COUNT(*) FROM mpi_reviews WHERE kind = 'merged-identifier-used'")[0][0],
            "1");
  // Change events for the platform: the merge (both patients' identifiers) and the new MRN.
  EXPECT_EQ(
      sqliteQuery(db, "SELECT kind, payload FROM mpi_events ORDER BY seq"),
      (std::vector<std::vector<std::string>>{
          {"merge", R"({"kind":"merge","patient":[{"system":")" + kZjyyMrn +
                        R"(","value":"X1"}],"other":[{"system":")" + kZjyyMrn +
                        R"(","value":"X2"}],"identifier":{"system":")" + kZjyyMrn +
                        R"(","value":"X2"}})"},
          {"change-identifier", R"({"kind":"change-identifier","patient":[{"system":")" + kZjyyMrn +
                                    R"(","value":"X1"},{"system":")" + kZjyyMrn +
                                    R"(","value":"X3"}],"other":[],"identifier":{"system":")" +
                                    kZjyyMrn + R"(","value":"X3"}})"}}));
  EXPECT_EQ(sqliteQuery(db, "SELECT COUNT(*) FROM mpi_patients")[0][0], "2");
}

}  // namespace
}  // namespace medbridge::testing
