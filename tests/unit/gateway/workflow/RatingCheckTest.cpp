#include "gateway/workflow/RatingCheck.h"

#include <gtest/gtest.h>

namespace medbridge::workflow {
namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  return d;
}

std::vector<std::string> messages(const std::vector<Problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.message);
  return out;
}

TEST(RatingCheck, OnlyCompletedConsultationsByTheirPartiesWithSatisfactionOneToFive) {
  auto completed = json(R"({"resourceType":"Task","status":"completed"})");
  auto open = json(R"({"resourceType":"Task","status":"accepted"})");
  auto good = json(
      R"({"status":"completed","item":[{"linkId":"satisfaction","answer":[{"valueInteger":5}]},{"linkId":"timeliness","answer":[{"valueInteger":3}]}]})");
  EXPECT_TRUE(checkRating(good, &completed, {"inviting-physician"}).empty());
  EXPECT_EQ(ratingSide({"expert", "invited-department"}), "invited");
  EXPECT_EQ(
      messages(checkRating(good, &open, {"invited-department"})),
      std::vector<std::string>{"only a completed consultation is rated (the Task is accepted)"});
  auto bad = json(
      R"({"status":"in-progress","item":[{"linkId":"timeliness","answer":[{"valueInteger":0}]},{"linkId":"mood"}]})");
  EXPECT_EQ(
      messages(checkRating(bad, &completed, {})),
      (std::vector<std::string>{
          "the author takes no part in this consultation",
          "a rating is submitted with status completed", "timeliness is an integer from 1 to 5",
          "item 'mood' is not in the rating questionnaire", "satisfaction (1 to 5) is required"}));
  EXPECT_EQ(checkRating(good, nullptr, {}).size(), 1u);
}

}  // namespace
}  // namespace medbridge::workflow
