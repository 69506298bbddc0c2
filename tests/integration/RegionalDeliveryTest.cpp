// A hospital gateway delivering its changes to a second medbridge in the platform profile over
// real HTTP: while the platform is down the changes wait with the reason, then arrive in order,
// tagged with their patient's sequence numbers, and a change sent again makes no new version.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/integration/IntegrationHelpers.h"
#include "tests/support/FaultProxy.h"

namespace medbridge::testing {
namespace {

std::string adt(const std::string& controlId, const std::string& visit) {
  return "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|" + controlId +
         "|P|2.5\rPID|1||A1^^^ZJYY-HIS^MR||王^秀英||19491231|F\rPV1|1|O||||||||||||||||" + visit +
         "\r";
}

std::vector<std::vector<std::string>> deliveries(const GatewayProcess& gw) {
  return sqliteQuery(gw.dbPath(),
                     "SELECT resource_type, seq, state, attempts > 0, last_error FROM deliveries"
                     " ORDER BY id");
}

TEST(RegionalDelivery, ChangesWaitForThePlatformThenArriveOnceInOrder) {
  TempDir hospitalDir, platformDir;
  int platformPort = freeLoopbackPort();
  GatewayProcess hospital(
      hospitalDir.path(),
      {"regional.urls=http://127.0.0.1:" + std::to_string(platformPort) + "/fhir",
       "regional.resourceTypes=Patient,Encounter", "workers.retryBaseSeconds=1"});
  hospital.start();
  MllpClient his(hospital.mllpPort());
  his.sendFrame(adt("D-1", "V1"));
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");

  // No platform yet: the changes wait, each with the reason.
  ASSERT_TRUE(waitFor(
      [&] {
        auto rows = deliveries(hospital);
        return rows.size() == 2 && rows[0][3] == "1";
      },
      std::chrono::seconds(30)));
  auto waiting = deliveries(hospital);
  EXPECT_EQ(waiting[0][2], "pending");
  EXPECT_NE(waiting[0][4].find("no answer"), std::string::npos) << waiting[0][4];

  GatewayProcess platform(platformDir.path(),
                          {"profile=platform", "http.port=" + std::to_string(platformPort)});
  platform.start();
  auto allSent = [&](std::size_t n) {
    return waitFor(
        [&] {
          auto rows = deliveries(hospital);
          if (rows.size() != n) return false;
          for (const auto& r : rows)
            if (r[2] != "sent") return false;
          return true;
        },
        std::chrono::seconds(30));
  };
  ASSERT_TRUE(allSent(2)) << ::testing::PrintToString(deliveries(hospital));

  // A second visit: only the new Encounter is a change (the Patient is the same).
  his.sendFrame(adt("D-2", "V2"));
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(allSent(3)) << ::testing::PrintToString(deliveries(hospital));
  // The first two changes sent again, as after an answer lost on the way back: the platform
  // gets the same content and makes no new version.
  std::string attemptsBefore = sqliteQuery(
      hospital.dbPath(), "SELECT SUM(attempts) FROM deliveries WHERE id IN (1, 2)")[0][0];
  CommandResult replay = runCommand({"sqlite3", "-cmd", ".timeout 5000", hospital.dbPath(),
                                     "UPDATE deliveries SET state = 'pending' WHERE id IN (1, 2)"});
  ASSERT_EQ(replay.exitCode, 0) << replay.err;
  ASSERT_TRUE(waitFor(
      [&] {
        auto row = sqliteQuery(hospital.dbPath(),
                               "SELECT COUNT(*), SUM(attempts) FROM deliveries"
                               " WHERE id IN (1, 2) AND state = 'sent'")[0];
        return row[0] == "2" && row[1] == std::to_string(std::stoi(attemptsBefore) + 2);
      },
      std::chrono::seconds(30)))
      << ::testing::PrintToString(deliveries(hospital));
  std::string patientKey =
      sqliteQuery(hospital.dbPath(), "SELECT patient FROM deliveries WHERE id = 1")[0][0];
  EXPECT_EQ(hospital.terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);

  // On the platform: the Patient once, two Encounters, each tagged with the patient's sequence.
  auto versions = sqliteQuery(platform.dbPath(),
                              "SELECT h.type, v.version, v.json FROM resource_versions v JOIN"
                              " resource_heads h ON h.type = v.type AND h.id = v.id"
                              " ORDER BY v.seq");
  ASSERT_EQ(versions.size(), 3u) << ::testing::PrintToString(versions);
  const char* seqs[] = {"1", "2", "3"};
  const char* types[] = {"Patient", "Encounter", "Encounter"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(versions[i][0], types[i]);
    EXPECT_EQ(versions[i][1], "1");
    EXPECT_NE(versions[i][2].find(R"({"system":"urn:medbridge:patient-sequence","code":")" +
                                  std::string(seqs[i]) + R"(","display":")" + patientKey + "\"}"),
              std::string::npos)
        << versions[i][2];
  }
}

// Two network providers (two proxies in front of one platform): the primary link down, the
// secondary takes the changes; once regional.failbackSeconds have passed the primary is tried
// again and, up by then, used.
TEST(RegionalDelivery, FailsOverToTheSecondaryAndBack) {
  TempDir hospitalDir, platformDir;
  GatewayProcess platform(platformDir.path(), {"profile=platform"});
  platform.start();
  std::atomic<bool> primaryUp{false};
  using Fault = FaultProxy::Fault;
  FaultProxy primaryLink(platform.httpPort(),
                         [&](std::int64_t) { return primaryUp ? Fault::Pass : Fault::Drop; });
  FaultProxy secondaryLink(platform.httpPort(), [](std::int64_t) { return Fault::Pass; });
  std::string primaryUrl = "http://127.0.0.1:" + std::to_string(primaryLink.port()) + "/fhir";
  std::string secondaryUrl = "http://127.0.0.1:" + std::to_string(secondaryLink.port()) + "/fhir";
  GatewayProcess hospital(hospitalDir.path(),
                          {"regional.urls=" + primaryUrl + "," + secondaryUrl,
                           "regional.resourceTypes=Patient,Encounter", "regional.failbackSeconds=1",
                           "workers.retryBaseSeconds=1"});
  hospital.start();
  MllpClient his(hospital.mllpPort());
  his.sendFrame(adt("F-1", "V1"));
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  auto sent = [&](const std::string& count) {
    return waitFor(
        [&] {
          return sqliteQuery(hospital.dbPath(),
                             "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'")[0][0] == count;
        },
        std::chrono::seconds(30));
  };
  ASSERT_TRUE(sent("2")) << hospital.log();
  EXPECT_EQ(secondaryLink.counts()[Fault::Pass], 1);

  primaryUp = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past failbackSeconds
  his.sendFrame(adt("F-2", "V2"));
  EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  ASSERT_TRUE(sent("3")) << hospital.log();
  std::string log = hospital.log();
  EXPECT_EQ(hospital.terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);

  EXPECT_NE(log.find("regional URL " + primaryUrl + " unavailable"), std::string::npos) << log;
  EXPECT_NE(log.find("using " + secondaryUrl), std::string::npos) << log;
  EXPECT_NE(log.find("trying the primary regional URL " + primaryUrl + " again"), std::string::npos)
      << log;
  EXPECT_GE(primaryLink.counts()[Fault::Drop], 1);
  EXPECT_EQ(primaryLink.counts()[Fault::Pass], 1) << "the second visit went by the primary";
  EXPECT_EQ(secondaryLink.counts()[Fault::Pass], 1);
  EXPECT_EQ(sqliteQuery(platform.dbPath(), "SELECT type FROM resource_versions ORDER BY seq"),
            (std::vector<std::vector<std::string>>{{"Patient"}, {"Encounter"}, {"Encounter"}}));
}

// A merge (ADT A40) reaches the platform as the merged Patient's new version: inactive, replaced
// by the survivor — the link naming the survivor's Patient on the platform, found by its MRN.
TEST(RegionalDelivery, AMergeReachesThePlatformAsTheMergedPatientsLink) {
  TempDir hospitalDir, platformDir;
  GatewayProcess platform(platformDir.path(), {"profile=platform"});
  platform.start();
  GatewayProcess hospital(
      hospitalDir.path(),
      {"regional.urls=http://127.0.0.1:" + std::to_string(platform.httpPort()) + "/fhir",
       "regional.resourceTypes=Patient", "workers.retryBaseSeconds=1"});
  hospital.start();
  MllpClient his(hospital.mllpPort());
  auto send = [&](const std::string& message) {
    his.sendFrame(message);
    EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
  };
  auto sent = [&](const std::string& count) {
    return waitFor(
        [&] {
          return sqliteQuery(hospital.dbPath(),
                             "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'")[0][0] == count;
        },
        std::chrono::seconds(30));
  };
  for (const std::string mrn : {"X1", "X2"})
    send("MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261124090000+0800||ADT^A01|M-" + mrn +
         "|P|2.5\rPID|1||" + mrn + "^^^ZJYY-HIS^MR||张^三||19800101|M\r");
  ASSERT_TRUE(sent("2")) << hospital.log();
  send(
      "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261124090000+0800||ADT^A40|M-3|P|2.5\rEVN|A40\r"
      "PID|1||X1^^^ZJYY-HIS^MR||张^三||19800101|M\rMRG|X2^^^ZJYY-HIS^MR\r");
  ASSERT_TRUE(sent("3")) << hospital.log();
  EXPECT_EQ(hospital.terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);

  auto patients = sqliteQuery(platform.dbPath(),
                              "SELECT json_extract(v.json, '$.identifier[0].value'), h.id,"
                              " h.version, json_extract(v.json, '$.active'),"
                              " json_extract(v.json, '$.link[0].type'),"
                              " json_extract(v.json, '$.link[0].other.reference') FROM"
                              " resource_heads h JOIN resource_versions v ON v.seq = h.latest"
                              " WHERE h.type = 'Patient' ORDER BY 1");
  ASSERT_EQ(patients.size(), 2u) << ::testing::PrintToString(patients);
  EXPECT_EQ(patients[0][0], "X1");
  EXPECT_EQ(patients[0][2], "1");
  EXPECT_EQ(patients[1][0], "X2");
  EXPECT_EQ(patients[1][2], "2");
  EXPECT_EQ(patients[1][3], "0") << "inactive";
  EXPECT_EQ(patients[1][4], "replaced-by");
  EXPECT_EQ(patients[1][5], "Patient/" + patients[0][1]);
}

}  // namespace
}  // namespace medbridge::testing
