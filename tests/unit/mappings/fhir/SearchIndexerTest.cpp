#include "mappings/fhir/SearchIndexer.h"

#include <gtest/gtest.h>

#include "mappings/fhir/SearchValues.h"

namespace medbridge::mappings::fhir {
namespace {

std::vector<IndexEntry> entriesOf(const std::string& json, const std::string& param) {
  rapidjson::Document doc;
  EXPECT_FALSE(parseJson(json, doc));
  std::vector<IndexEntry> out;
  for (auto& e : indexEntries(doc))
    if (e.param == param) out.push_back(e);
  return out;
}

TEST(SearchValues, DateRangesFollowThePrecision) {
  auto year = dateRange("2024");
  ASSERT_TRUE(year);
  EXPECT_EQ(year->from, 1704067200000);  // 2024-01-01T00:00:00Z
  EXPECT_EQ(year->to, 1735689599999);    // 2024-12-31T23:59:59.999Z
  auto day = dateRange("2024-02-29");
  ASSERT_TRUE(day);
  EXPECT_EQ(day->to - day->from, 86400000 - 1);
  auto zoned = dateRange("2024-01-01T08:00:00+08:00");
  ASSERT_TRUE(zoned);
  EXPECT_EQ(zoned->from, 1704067200000);
  EXPECT_EQ(zoned->to, 1704067200999);
  EXPECT_EQ(dateRange("2024-01-01T08:00:00.5Z")->from, 1704096000500);
  EXPECT_FALSE(dateRange("2023-02-29"));
  EXPECT_FALSE(dateRange("2024-13"));
  EXPECT_FALSE(dateRange("2024-01-01T08"));
}

TEST(SearchValues, NumberRangesFollowThePrecision) {
  auto n = numberRange("100");
  ASSERT_TRUE(n);
  EXPECT_DOUBLE_EQ(n->low, 99.5);
  EXPECT_DOUBLE_EQ(n->high, 100.5);
  n = numberRange("1.50");
  EXPECT_DOUBLE_EQ(n->low, 1.495);
  EXPECT_DOUBLE_EQ(n->high, 1.505);
  n = numberRange("1e2");
  EXPECT_DOUBLE_EQ(n->low, 50);
  EXPECT_FALSE(numberRange("1.2.3"));
}

TEST(SearchValues, TextIsCaseAndAccentInsensitiveChineseAsWritten) {
  EXPECT_EQ(searchText("Müller"), "muller");
  EXPECT_EQ(searchText("MÜLLER"), "muller");
  EXPECT_EQ(searchText("Ｚｈａｎｇ　三"), "zhang 三");
  EXPECT_EQ(searchText("张三丰"), "张三丰");
}

TEST(SearchIndexer, IndexesEachParameterKindFromTheDefinitions) {
  std::string patient = R"({"resourceType":"Patient","id":"p1",
    "meta":{"lastUpdated":"2024-05-01T10:00:00Z","tag":[{"system":"urn:t","code":"demo"}]},
    "identifier":[{"system":"urn:oid:1.2","value":"A1"},{"value":"B2"}],
    "name":[{"family":"张","given":["三","丰"]},{"family":"Zhang","given":["San"]}],
    "telecom":[{"system":"phone","value":"138"},{"system":"email","value":"a@b"}],
    "gender":"male","birthDate":"1949-12-31","generalPractitioner":[{"reference":"Practitioner/x"}]})";
  auto names = entriesOf(patient, "name");
  std::vector<std::string> values;
  for (auto& e : names) values.push_back(e.value);
  EXPECT_EQ(values, (std::vector<std::string>{"san", "zhang", "zhangsan", "三", "丰", "张",
                                              "张三丰"}));  // byte order
  auto ids = entriesOf(patient, "identifier");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].value, "A1");
  EXPECT_EQ(ids[0].system, "urn:oid:1.2");
  EXPECT_EQ(ids[1].system, "");
  auto phone = entriesOf(patient, "phone");
  ASSERT_EQ(phone.size(), 1u);
  EXPECT_EQ(phone[0].value, "138");
  auto birth = entriesOf(patient, "birthdate");
  ASSERT_EQ(birth.size(), 1u);
  EXPECT_EQ(birth[0].from, dateRange("1949-12-31")->from);
  auto gp = entriesOf(patient, "general-practitioner");
  ASSERT_EQ(gp.size(), 1u);
  EXPECT_EQ(gp[0].value, "Practitioner/x");
  EXPECT_EQ(entriesOf(patient, "_tag").at(0).value, "demo");
  EXPECT_EQ(entriesOf(patient, "_id").at(0).value, "p1");
  EXPECT_EQ(entriesOf(patient, "_lastUpdated").size(), 1u);
}

TEST(SearchIndexer, ReferencesRestrictedByTargetTypeAndQuantities) {
  std::string obs = R"({"resourceType":"Observation","status":"final","code":{"coding":[
    {"system":"http://loinc.org","code":"8480-6"}]},"subject":{"reference":"Patient/p1"},
    "effectivePeriod":{"start":"2024-01-01"},"valueQuantity":{"value":120.0,
    "system":"http://unitsofmeasure.org","code":"mm[Hg]"}})";
  EXPECT_EQ(entriesOf(obs, "patient").at(0).value, "Patient/p1");
  EXPECT_EQ(entriesOf(obs, "subject").at(0).value, "Patient/p1");
  auto date = entriesOf(obs, "date");
  ASSERT_EQ(date.size(), 1u);
  EXPECT_EQ(date[0].to, std::numeric_limits<std::int64_t>::max());  // open-ended period
  auto q = entriesOf(obs, "value-quantity");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_DOUBLE_EQ(q[0].low, 119.95);
  EXPECT_EQ(q[0].system, "http://unitsofmeasure.org|mm[Hg]");
  std::string groupSubject =
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},
      "subject":{"reference":"Group/g"}})";
  EXPECT_TRUE(entriesOf(groupSubject, "patient").empty());
  EXPECT_EQ(entriesOf(groupSubject, "subject").size(), 1u);
}

}  // namespace
}  // namespace medbridge::mappings::fhir
