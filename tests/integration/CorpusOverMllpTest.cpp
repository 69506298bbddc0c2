// Every message of ../shared/corpus/hl7v2 and samples/hl7v2 through a real npm MLLP client
// (simple-hl7) to a running `medbridge serve`: ACKs, stored count, statuses, FHIR validity
// against the official R4 JSON schema and reference resolution inside every Bundle.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <sstream>

#include "gateway/core/Hash.h"
#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

std::map<std::string, std::string> expectedStatuses() {
  std::map<std::string, std::string> out;
  std::istringstream in(readFile(sourceDir() + "/tests/integration/expected-status.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.find(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

TEST(CorpusOverMllp, EveryMessageIsAckedStoredMappedAndValid) {
  TempDir dir;
  GatewayProcess gw(dir.path());
  gw.start();
  std::vector<std::string> files = listFiles(corpusDir(), ".hl7");
  for (const auto& f : listFiles(sourceDir() + "/samples/hl7v2", ".hl7")) files.push_back(f);
  ASSERT_GE(files.size(), 70u);

  std::vector<std::string> argv{"node", peersDir() + "/send-mllp.js", std::to_string(gw.mllpPort()),
                                "4"};
  argv.insert(argv.end(), files.begin(), files.end());
  CommandResult sent = runCommand(argv);
  ASSERT_EQ(sent.exitCode, 0) << sent.err;
  auto expected = expectedStatuses();
  std::istringstream lines(sent.out);
  std::string line;
  std::size_t acks = 0;
  while (std::getline(lines, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    ASSERT_FALSE(d.HasParseError()) << line;
    ASSERT_TRUE(d.HasMember("msa1")) << line;
    std::string file = d["file"].GetString();
    // Refused before the ACK (AE); everything else is taken (AA).
    EXPECT_STREQ(d["msa1"].GetString(),
                 expected[file.substr(file.rfind('/') + 1)] == "Rejected" ? "AE" : "AA")
        << line;
    EXPECT_STREQ(d["msa2"].GetString(), d["controlId"].GetString()) << line;
    ++acks;
  }
  EXPECT_EQ(acks, files.size());
  ASSERT_TRUE(waitForQueueDrained(gw, std::chrono::seconds(60)));
  EXPECT_EQ(gw.terminate(), 0);

  auto store = openStore(gw);
  auto messages = store->messages();
  EXPECT_EQ(messages.size(), files.size());
  std::map<std::string, const store::StoredMessage*> byHash;
  for (const auto& m : messages) byHash[m.contentHash] = &m;
  std::string bundles;
  for (const auto& file : files) {
    std::string name = file.substr(file.rfind('/') + 1);
    auto it = byHash.find(core::sha256Hex(normalisedForSending(readFile(file))));
    ASSERT_NE(it, byHash.end()) << name << " is not in the store";
    const auto& m = *it->second;
    ASSERT_TRUE(expected.count(name)) << name << " has no line in expected-status.txt";
    EXPECT_EQ(m.status, expected[name]) << name << ": " << m.error << " " << m.issues;
    // Processed exactly once; never when final at ingest.
    EXPECT_EQ(m.processCount, m.status == "Unmapped" || m.status == "Rejected" ? 0 : 1) << name;
    if (m.status == "Mapped") bundles += m.bundle + "\n";
  }
  EXPECT_NE(bundles, "");
  // The Bundles of every golden case (merges included) as `medbridge convert` prints them.
  std::vector<std::string> convert{binaryPath(), "convert"};
  for (const auto& f : listFiles(sourceDir() + "/tests/golden/hl7v2", ".hl7")) convert.push_back(f);
  CommandResult converted = runCommand(convert);
  ASSERT_EQ(converted.exitCode, 0) << converted.err;
  bundles += converted.out;
  CommandResult valid = runCommand({"node", peersDir() + "/validate-fhir.js"}, bundles);
  EXPECT_EQ(valid.exitCode, 0) << valid.out << valid.err;
  EXPECT_NE(valid.out.find(" 0 problems"), std::string::npos) << valid.out;
}

}  // namespace
}  // namespace medbridge::testing
