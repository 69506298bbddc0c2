// `medbridge id check` as a user runs it.
#include <gtest/gtest.h>

#include "tests/support/TestSupport.h"

namespace medbridge::testing {
namespace {

TEST(IdCheck, PrintsVerdictBirthDateSexRegionAndExitsZeroOnlyWhenAllAreValid) {
  CommandResult ok =
      runCommand({binaryPath(), "id", "check", "11010519491231002X", "110105491231002"});
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_EQ(ok.out,
            "11010519491231002X valid birthDate=1949-12-31 sex=female region=110105 (北京市)\n"
            "110105491231002 valid upgraded=11010519491231002X birthDate=1949-12-31 sex=female "
            "region=110105 "
            "(北京市)\n");
  CommandResult bad =
      runCommand({binaryPath(), "id", "check", "11010519491231002X", "110105194912310021"});
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(
      bad.out.find(
          "110105194912310021 invalid birthDate=1949-12-31 sex=female region=110105 (北京市); "
          "error: check character is 1, expected X\n"),
      std::string::npos)
      << bad.out;
  EXPECT_EQ(runCommand({binaryPath(), "id", "check"}).exitCode, 2);
}

}  // namespace
}  // namespace medbridge::testing
