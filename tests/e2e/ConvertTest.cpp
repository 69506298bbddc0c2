// `medbridge convert` as a user runs it: one Bundle per line, readable errors, non-zero exit.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/TestSupport.h"

namespace medbridge::testing {
namespace {

TEST(Convert, PrintsOneBundlePerLineForEachFile) {
  std::string golden = sourceDir() + "/tests/golden/hl7v2/";
  CommandResult r =
      runCommand({binaryPath(), "convert", golden + "ADT-A01-zh.hl7", golden + "ORU-R01-zh.hl7"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_EQ(line.rfind("{\"resourceType\":\"Bundle\"", 0), 0u) << line.substr(0, 80);
  }
  EXPECT_EQ(n, 2);
  // The same Bundle as the golden file (the golden file is pretty-printed; compare ids).
  EXPECT_NE(r.out.find("\"value\":1.50"), std::string::npos) << "decimals keep their precision";
}

TEST(Convert, UnreadableOrUnparsableInputExitsNonZeroWithAReason) {
  TempDir dir;
  writeFile(dir.file("bad.hl7"), "PID|1||X\r");
  writeFile(dir.file("siu.hl7"), "MSH|^~\\&|A|B|||1||SIU^S12|1|P|2.5\r");
  CommandResult r = runCommand(
      {binaryPath(), "convert", dir.file("bad.hl7"), dir.file("siu.hl7"), dir.file("missing.hl7")});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(
      r.err.find(dir.file("bad.hl7") + ": MB-2101 message does not start with an MSH segment"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dir.file("siu.hl7") + ": MB-2108 no mapping for SIU_S12"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dir.file("missing.hl7") + ": cannot be read"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace medbridge::testing
