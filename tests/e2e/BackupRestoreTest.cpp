// `medbridge backup` while the gateway runs, `medbridge restore` into a fresh directory: the same
// messages and resources; a tampered backup is refused.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <filesystem>

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

std::vector<std::string> sets(const std::string& dir) {
  return {"--set", "store.url=sqlite:" + dir + "/medbridge.db", "--set",
          "dataDir=" + dir + "/data"};
}

TEST(BackupRestore, OnlineBackupRestoresTheSameMessagesAndResources) {
  TempDir dir, backup, restored;
  GatewayProcess gw(dir.path());
  gw.start();
  for (const auto& f : listFiles(sourceDir() + "/samples/hl7v2", ".hl7")) {
    MllpClient c(gw.mllpPort());
    c.sendFrame(normalisedForSending(readFile(f)));
    // The sample merge and identifier change name MRNs no patient holds: refused (AE), kept.
    bool refused = f.find("-A40-") != std::string::npos || f.find("-A47-") != std::string::npos;
    ASSERT_EQ(ackField(c.readFrame(), "MSA", 1), refused ? "AE" : "AA") << f;
  }
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(30)));
  std::filesystem::create_directories(dir.path() + "/data/documents");
  writeFile(dir.path() + "/data/documents/report.pdf", "%PDF-1.4 consultation report");

  std::vector<std::string> argv{binaryPath(),          "backup",   "--to",
                                backup.path() + "/b1", "--config", gw.configPath()};
  for (const auto& s : sets(dir.path())) argv.push_back(s);
  CommandResult b = runCommand(argv);  // online: the gateway is still running
  ASSERT_EQ(b.exitCode, 0) << b.err;
  EXPECT_EQ(gw.terminate(), 0);
  std::string manifest = readFile(backup.path() + "/b1/manifest.sha256");
  EXPECT_NE(manifest.find("  store/medbridge.db\n"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("  data/documents/report.pdf\n"), std::string::npos) << manifest;
  EXPECT_EQ(manifest.find("data/medbridge.db"), std::string::npos);

  argv = {binaryPath(), "restore", "--from", backup.path() + "/b1", "--config", gw.configPath()};
  for (const auto& s : sets(restored.path())) argv.push_back(s);
  CommandResult r = runCommand(argv);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(readFile(restored.path() + "/data/documents/report.pdf"),
            "%PDF-1.4 consultation report");

  auto original = openStore(gw);
  store::SqliteStore copy(restored.path() + "/medbridge.db", 64);
  auto a = original->messages(), c = copy.messages();
  ASSERT_EQ(a.size(), c.size());
  ASSERT_FALSE(a.empty());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].raw, c[i].raw);
    EXPECT_EQ(a[i].status, c[i].status);
    EXPECT_EQ(a[i].bundle, c[i].bundle);
    EXPECT_EQ(a[i].ack, c[i].ack);
  }
  int resources = 0;
  for (const auto& m : a) {
    if (m.status != "Mapped") continue;
    rapidjson::Document d;
    d.Parse(m.bundle.c_str());
    for (const auto& e : d["entry"].GetArray()) {
      std::string type = e["resource"]["resourceType"].GetString(),
                  id = e["resource"]["id"].GetString();
      auto x = original->readResource(type, id), y = copy.readResource(type, id);
      ASSERT_TRUE(x && y) << type << "/" << id;
      EXPECT_EQ(x->json, y->json);
      EXPECT_EQ(x->version, y->version);
      ++resources;
    }
  }
  EXPECT_GT(resources, 20);

  // A restore never overwrites an existing store.
  CommandResult again = runCommand(argv);
  EXPECT_EQ(again.exitCode, 1);
  EXPECT_NE(again.err.find("MB-3004"), std::string::npos) << again.err;
}

TEST(BackupRestore, TamperedBackupIsRefused) {
  TempDir dir, backup, restored;
  GatewayProcess gw(dir.path());
  gw.start();
  EXPECT_EQ(gw.terminate(), 0);
  std::vector<std::string> argv{binaryPath(),         "backup",   "--to",
                                backup.path() + "/b", "--config", gw.configPath()};
  for (const auto& s : sets(dir.path())) argv.push_back(s);
  ASSERT_EQ(runCommand(argv).exitCode, 0);
  writeFile(backup.path() + "/b/store/medbridge.db", "not a database");
  argv = {binaryPath(), "restore", "--from", backup.path() + "/b", "--config", gw.configPath()};
  for (const auto& s : sets(restored.path())) argv.push_back(s);
  CommandResult r = runCommand(argv);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("MB-3003 backup file does not match its manifest: store/medbridge.db"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(restored.path() + "/medbridge.db"));
}

}  // namespace
}  // namespace medbridge::testing
