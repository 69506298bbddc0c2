#include "gateway/workflow/ExpertPool.h"

#include <gtest/gtest.h>

namespace medbridge::workflow {
namespace {

rapidjson::Document role(const std::string& title, const std::string& since,
                         const std::string& accident) {
  rapidjson::Document d;
  d.Parse(
      (R"({"resourceType":"PractitionerRole","extension":[)"
       R"({"url":"urn:medbridge:extension:expert-pool","valueBoolean":true},)"
       R"({"url":"urn:medbridge:extension:employer-approved","valueBoolean":true},)"
       R"({"url":"urn:medbridge:extension:telemedicine-trained","valueBoolean":true},)"
       R"({"url":"urn:medbridge:extension:independent-practice-since","valueDate":")" +
       since + R"("},)" + accident +
       R"({"url":"x","valueBoolean":false}],"code":[{"coding":[{"system":"urn:medbridge:codesystem:professional-title","code":")" +
       title +
       R"("}]}],"specialty":[{"coding":[{"system":"urn:medbridge:codesystem:department","code":"03"}]}]})")
          .c_str());
  return d;
}

TEST(ExpertPool, AnAccidentKeepsAnExpertOutForThreeYearsOnlyAndOnlyGradesOneAndTwo) {
  auto accident = [](int grade, const char* date) {
    return R"({"url":"urn:medbridge:extension:medical-accident","extension":[{"url":"grade","valueInteger":)" +
           std::to_string(grade) + R"(},{"url":"date","valueDate":")" + date + R"("}]},)";
  };
  EXPECT_TRUE(checkPoolEntry(role("chief-physician", "2015-01-01", ""), "2026-11-24").empty());
  EXPECT_EQ(
      checkPoolEntry(role("chief-physician", "2015-01-01", accident(2, "2023-11-25")), "2026-11-24")
          .size(),
      1u);
  EXPECT_TRUE(
      checkPoolEntry(role("chief-physician", "2015-01-01", accident(2, "2023-11-24")), "2026-11-24")
          .empty());
  EXPECT_TRUE(
      checkPoolEntry(role("chief-physician", "2015-01-01", accident(3, "2026-01-01")), "2026-11-24")
          .empty());
  EXPECT_EQ(checkPoolEntry(role("attending-physician", "2021-11-25", ""), "2026-11-24").size(), 2u);
  EXPECT_TRUE(
      checkPoolEntry(role("deputy-chief-physician", "2021-11-24", ""), "2026-11-24").empty());
}

TEST(ExpertPool, TitlesAndScope) {
  auto r = role("deputy-chief-physician", "2015-01-01", "");
  EXPECT_EQ(titleSeniority(r), 3);
  EXPECT_TRUE(inPool(r));
  EXPECT_TRUE(practisesIn(r, "03.04"));
  EXPECT_FALSE(practisesIn(r, "04"));
  EXPECT_FALSE(departmentCovers("03", "030"));
}

}  // namespace
}  // namespace medbridge::workflow
