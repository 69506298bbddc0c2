// Exactly once, in order, over a link that keeps failing (and across a SIGKILL): a hospital
// gateway delivers 10,000 ADT-derived changes of 500 patients to a second medbridge in the
// platform profile through a fault-injecting proxy (dropped connections, delays, resets in
// mid-answer after the platform applied the change, 503 bursts, answers trickling back). The
// platform ends with each resource's exact number of versions, each patient's sequence numbers
// 1…20 in order, the hospital's final content, and the dead letters are exactly the deliberately
// invalid changes.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "mappings/identity/NationalId.h"
#include "tests/integration/IntegrationHelpers.h"
#include "tests/support/FaultProxy.h"

namespace medbridge::testing {
namespace {

constexpr int kPatients = 500;
constexpr int kUpdates = 18;  // A08s after the A01: 1 Encounter + 19 Patient versions = 20
constexpr int kConnections = 4;

bool invalidPatient(int p) {
  return p % 100 == 7;  // 5 patients whose national ID fails its check character
}

std::string nationalId(int p) {
  char first17[32];
  std::snprintf(first17, sizeof first17, "110105%04d%02d%02d%03d", 1950 + p % 50, 1 + p % 12,
                1 + p % 28, p % 1000);
  std::string id(first17, 17);
  char check = mappings::identity::nationalIdCheckCharacter(id);
  if (invalidPatient(p)) check = check == '0' ? '1' : '0';
  return id + check;
}

std::string adt(int p, int n) {
  std::string trigger = n == 0 ? "A01" : "A08";
  std::string mrn = "C" + std::to_string(p);
  char phone[32];
  std::snprintf(phone, sizeof phone, "138%04d%04d", p, n);
  std::string msg = "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^" + trigger +
                    "|C-" + std::to_string(p) + "-" + std::to_string(n) + "|P|2.5\rEVN|" + trigger +
                    "|20261123093000+0800\rPID|1||" + mrn + "^^^ZJYY-HIS^MR~" + nationalId(p) +
                    "^^^PRC-NID^NI||测试^" + std::to_string(p) + "||19700101|F|||||" + phone + "\r";
  if (n == 0) msg += "PV1|1|O||||||||||||||||V" + std::to_string(p) + "\r";
  return msg;
}

TEST(RegionalChaos, TenThousandChangesArriveExactlyOnceInOrderOverAFailingLink) {
  TempDir hospitalDir, platformDir;
  GatewayProcess platform(platformDir.path(), {"profile=platform"});
  platform.start();
  FaultProxy link(platform.httpPort(), FaultProxy::randomSchedule(20261124, 0.75), 300);
  GatewayProcess hospital(
      hospitalDir.path(),
      {"regional.urls=http://127.0.0.1:" + std::to_string(link.port()) + "/fhir",
       "regional.resourceTypes=Patient,Encounter", "workers.retryBaseSeconds=1",
       "regional.retryMaxSeconds=2", "regional.breaker.failures=5",
       "regional.breaker.openSeconds=1", "regional.timeoutSeconds=10"});
  hospital.start();

  // The HIS: four connections, each patient's messages in order on one of them.
  std::vector<std::thread> senders;
  std::atomic<int> accepted{0};
  for (int c = 0; c < kConnections; ++c)
    senders.emplace_back([&, c] {
      MllpClient his(hospital.mllpPort());
      for (int n = 0; n <= kUpdates; ++n)
        for (int p = c; p < kPatients; p += kConnections) {
          his.sendFrame(adt(p, n));
          if (ackField(his.readFrame(), "MSA", 1) == "AA") ++accepted;
        }
    });
  for (auto& t : senders) t.join();
  ASSERT_EQ(accepted, kPatients * (kUpdates + 1));

  auto counts = [&] {
    std::map<std::string, std::string> byState;
    for (const auto& row :
         sqliteQuery(hospital.dbPath(), "SELECT state, COUNT(*) FROM deliveries GROUP BY state"))
      byState[row[0]] = row[1];
    return byState;
  };
  const std::string total = std::to_string(kPatients * (kUpdates + 2));
  ASSERT_TRUE(waitFor(
      [&] {
        auto c = counts();
        return c["pending"].empty() && std::stoll(c["sent"].empty() ? "0" : c["sent"]) +
                                               std::stoll(c["dead"].empty() ? "0" : c["dead"]) ==
                                           std::stoll(total);
      },
      std::chrono::seconds(480)))
      << ::testing::PrintToString(counts());
  auto faults = link.counts();
  std::string log = hospital.log();
  EXPECT_EQ(hospital.terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);

  // The link failed in every way, repeatedly.
  using Fault = FaultProxy::Fault;
  for (Fault f : {Fault::Drop, Fault::Delay, Fault::ResetMidAnswer, Fault::Busy, Fault::SlowBody})
    EXPECT_GE(faults[f], 3) << static_cast<int>(f);

  // Dead letters: every change of the five invalid patients, refused with the platform's reason
  // (the Patient: its national ID; the Encounter: its Patient is not on the platform).
  auto dead = sqliteQuery(hospital.dbPath(),
                          "SELECT resource_type, patient, last_error FROM deliveries"
                          " WHERE state = 'dead' ORDER BY id");
  ASSERT_EQ(dead.size(), 5u * (kUpdates + 2));
  std::map<std::string, std::string> patientOfKey;  // hospital patient key → MRN
  for (const auto& row : sqliteQuery(hospital.dbPath(),
                                     "SELECT 'Patient/' || id, json_extract(json,"
                                     " '$.identifier[0].value') FROM resource_heads h JOIN"
                                     " resource_versions v USING (type, id) WHERE type = 'Patient'"
                                     " AND v.version = h.version"))
    patientOfKey[row[0]] = row[1];
  ASSERT_EQ(patientOfKey.size(), static_cast<std::size_t>(kPatients));
  for (const auto& row : dead) {
    std::string mrn = patientOfKey[row[1]];
    ASSERT_FALSE(mrn.empty()) << row[1];
    EXPECT_TRUE(invalidPatient(std::stoi(mrn.substr(1)))) << mrn;
    EXPECT_NE(row[2].find(row[0] == "Patient" ? "MB-4004" : "matches 0 resources"),
              std::string::npos)
        << row[2];
  }

  // On the platform: each valid patient's changes once each, in sequence order 1…20.
  std::map<std::string, std::vector<int>> seqs;  // hospital patient key → sequence numbers
  std::map<std::string, std::map<std::string, int>> versions;  // key → type → versions
  for (const auto& row : sqliteQuery(
           platform.dbPath(),
           "SELECT v.type, json_extract(t.value, '$.display'), json_extract(t.value, '$.code'),"
           " v.version FROM resource_versions v, json_each(v.json, '$.meta.tag') t"
           " WHERE json_extract(t.value, '$.system') = 'urn:medbridge:patient-sequence'"
           " ORDER BY v.seq")) {
    seqs[row[1]].push_back(std::stoi(row[2]));
    versions[row[1]][row[0]] = std::max(versions[row[1]][row[0]], std::stoi(row[3]));
  }
  EXPECT_EQ(seqs.size(), static_cast<std::size_t>(kPatients - 5));
  std::vector<int> expected;
  for (int i = 1; i <= kUpdates + 2; ++i) expected.push_back(i);
  for (const auto& [key, list] : seqs) {
    EXPECT_EQ(list, expected) << key;
    EXPECT_EQ(versions[key]["Patient"], kUpdates + 1) << key;
    EXPECT_EQ(versions[key]["Encounter"], 1) << key;
  }
  // Every platform resource is one of them: nothing was applied twice under another id.
  EXPECT_EQ(sqliteQuery(platform.dbPath(), "SELECT COUNT(*) FROM resource_heads")[0][0],
            std::to_string(2 * (kPatients - 5)));
  // The final content is the hospital's (the platform's Patient keeps its own id; the platform
  // writes members in its own order).
  auto finalPatients = [](const std::string& db, const std::string& key) {
    return sqliteQuery(db,
                       "SELECT json_extract(v.json, '$.identifier[0].value'), json_extract(v.json,"
                       " '$.identifier'), json_extract(v.json, '$.name'), json_extract(v.json,"
                       " '$.telecom'), json_extract(v.json, '$.birthDate'), json_extract(v.json,"
                       " '$.gender') FROM resource_heads h JOIN resource_versions v"
                       " USING (type, id) WHERE type = 'Patient' AND v.version = h.version"
                       " AND json_extract(v.json, '$.identifier[0].value') " +
                           key + " ORDER BY 1");
  };
  auto onPlatform = finalPatients(platform.dbPath(), "IS NOT NULL");
  auto atHospital =
      finalPatients(hospital.dbPath(), "NOT IN ('C7', 'C107', 'C207', 'C307', 'C407')");
  EXPECT_EQ(onPlatform.size(), static_cast<std::size_t>(kPatients - 5));
  EXPECT_EQ(onPlatform, atHospital);
  EXPECT_NE(log.find("regional platform unavailable"), std::string::npos);
}

// The hospital gateway killed (SIGKILL) while the platform's answer to a Bundle it applied is
// on its way: after the restart the Bundle is sent again and makes no new version; every change
// still arrives exactly once, in order.
TEST(RegionalChaos, AGatewayKilledMidDeliveryResumesExactlyOnce) {
  TempDir hospitalDir, platformDir;
  GatewayProcess platform(platformDir.path(), {"profile=platform"});
  platform.start();
  using Fault = FaultProxy::Fault;
  FaultProxy link(platform.httpPort(),
                  [](std::int64_t n) { return n == 2 ? Fault::Hold : Fault::Pass; });
  std::vector<std::string> sets = {
      "regional.urls=http://127.0.0.1:" + std::to_string(link.port()) + "/fhir",
      "regional.resourceTypes=Patient,Encounter", "workers.retryBaseSeconds=1",
      "regional.timeoutSeconds=60"};
  GatewayProcess hospital(hospitalDir.path(), sets);
  hospital.start();
  constexpr int kUpdatesEach = 4;  // 6 changes per patient
  std::vector<int> patients;
  for (int p = 0; static_cast<int>(patients.size()) < 100; ++p)
    if (!invalidPatient(p)) patients.push_back(p);
  {
    MllpClient his(hospital.mllpPort());
    for (int n = 0; n <= kUpdatesEach; ++n)
      for (int p : patients) {
        his.sendFrame(adt(p, n));
        ASSERT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
      }
  }
  ASSERT_TRUE(waitFor([&] { return link.holding(); }, std::chrono::seconds(60)));
  hospital.kill9();
  auto sentAtHospital =
      sqliteQuery(hospital.dbPath(), "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'")[0][0];
  auto onPlatform = sqliteQuery(platform.dbPath(), "SELECT COUNT(*) FROM resource_versions")[0][0];
  EXPECT_GT(std::stoi(onPlatform), std::stoi(sentAtHospital))
      << "the held Bundle was applied, its answer never arrived";

  GatewayProcess restarted(hospitalDir.path(), sets);
  restarted.start();
  const std::string total = std::to_string(patients.size() * (kUpdatesEach + 2));
  ASSERT_TRUE(waitFor(
      [&] {
        return sqliteQuery(restarted.dbPath(),
                           "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'")[0][0] == total;
      },
      std::chrono::seconds(120)))
      << restarted.log();
  EXPECT_EQ(restarted.terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);
  EXPECT_EQ(link.counts()[Fault::Hold], 1);

  EXPECT_EQ(sqliteQuery(platform.dbPath(), "SELECT COUNT(*) FROM resource_versions")[0][0], total);
  std::map<std::string, std::vector<int>> seqs;
  for (const auto& row :
       sqliteQuery(platform.dbPath(),
                   "SELECT json_extract(t.value, '$.display'), json_extract(t.value, '$.code')"
                   " FROM resource_versions v, json_each(v.json, '$.meta.tag') t"
                   " WHERE json_extract(t.value, '$.system') = 'urn:medbridge:patient-sequence'"
                   " ORDER BY v.seq"))
    seqs[row[0]].push_back(std::stoi(row[1]));
  ASSERT_EQ(seqs.size(), patients.size());
  for (const auto& [key, list] : seqs) EXPECT_EQ(list, (std::vector<int>{1, 2, 3, 4, 5, 6})) << key;
}

}  // namespace
}  // namespace medbridge::testing
