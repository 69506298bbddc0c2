#include <gtest/gtest.h>

#include "adapters/regional/PlatformClient.h"

namespace medbridge::adapters::regional {
namespace {

TEST(PlatformClient, FindsTheEntryThePlatformBlames) {
  EXPECT_EQ(refusedEntry(R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",
      "code":"invalid","expression":["Bundle.entry[12].resource.status"]}]})"),
            12);
  EXPECT_EQ(refusedEntry(R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",
      "code":"invalid","location":["Bundle.entry[3]"]}]})"),
            3);
  EXPECT_EQ(refusedEntry(R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",
      "code":"invalid","expression":["Patient.name"]}]})"),
            -1);
  EXPECT_EQ(refusedEntry(R"({"resourceType":"OperationOutcome","issue":[{"expression":
      ["Bundle.entry[x]"]}]})"),
            -1);
  EXPECT_EQ(refusedEntry("<html>502</html>"), -1);
}

}  // namespace
}  // namespace medbridge::adapters::regional
