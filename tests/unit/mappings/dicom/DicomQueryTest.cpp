#include "mappings/dicom/DicomQuery.h"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace medbridge::mappings::dicom {
namespace {

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.c_str());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

std::string text(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return b.GetString();
}

std::string instance(const std::string& patientId, const std::string& name,
                     const std::string& study, const std::string& series, const std::string& sop,
                     const std::string& modality, const std::string& date) {
  return R"({"00080016":{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.2"]},)"
         R"("00080018":{"vr":"UI","Value":[")" +
         sop +
         R"("]},)"
         R"("00080020":{"vr":"DA","Value":[")" +
         date +
         R"("]},)"
         R"("00080030":{"vr":"TM","Value":["093015.5"]},)"
         R"("00080060":{"vr":"CS","Value":[")" +
         modality +
         R"("]},)"
         R"("00100010":{"vr":"PN","Value":[)" +
         name +
         R"(]},)"
         R"("00100020":{"vr":"LO","Value":[")" +
         patientId +
         R"("]},)"
         R"("0020000D":{"vr":"UI","Value":[")" +
         study +
         R"("]},)"
         R"("0020000E":{"vr":"UI","Value":[")" +
         series +
         R"("]},)"
         R"("00200011":{"vr":"IS","Value":[7]}})";
}

class DicomQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string wang = R"({"Alphabetic":"Wang^XiaoDong","Ideographic":"王^小东"})";
    const std::string li = R"({"Alphabetic":"李^四"})";
    for (const auto& json : {instance("P1", wang, "1.1", "1.1.1", "1.1.1.1", "CT", "20260301"),
                             instance("P1", wang, "1.1", "1.1.1", "1.1.1.2", "CT", "20260301"),
                             instance("P1", wang, "1.1", "1.1.2", "1.1.2.1", "SR", "20260301"),
                             instance("P1", wang, "1.2", "1.2.1", "1.2.1.1", "MR", "20251115"),
                             instance("P2", li, "2.1", "2.1.1", "2.1.1.1", "CT", "20260302")})
      headers.push_back(parse(json));
  }

  std::vector<std::string> found(QueryLevel level, std::vector<QueryKey> keys) {
    DicomQuery q{level, std::move(keys)};
    std::vector<std::string> out;
    for (const auto& m : findMatches(q, headers)) out.push_back(text(responseFor(q, m, headers)));
    return out;
  }

  std::size_t count(QueryLevel level, std::vector<QueryKey> keys) {
    return findMatches({level, std::move(keys)}, headers).size();
  }

  std::vector<rapidjson::Document> headers;
};

TEST_F(DicomQueryTest, StudyLevelAnswersKeysCountsAndModalities) {
  auto r = found(QueryLevel::Study, {{"00100010", "PN", "王*"},
                                     {"0020000D", "UI", ""},
                                     {"00080061", "CS", ""},
                                     {"00201206", "IS", ""},
                                     {"00201208", "IS", ""},
                                     {"00080052", "CS", "STUDY"}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(
      r[0],
      R"({"00100010":{"vr":"PN","Value":[{"Alphabetic":"Wang^XiaoDong","Ideographic":"王^小东"}]},)"
      R"("0020000D":{"vr":"UI","Value":["1.1"]},"00080061":{"vr":"CS","Value":["CT","SR"]},)"
      R"("00201206":{"vr":"IS","Value":["2"]},"00201208":{"vr":"IS","Value":["3"]}})");
  EXPECT_NE(r[1].find(R"("0020000D":{"vr":"UI","Value":["1.2"]})"), std::string::npos);
}

TEST_F(DicomQueryTest, PersonNamesMatchAnyGroupOrGroupByGroupIgnoringAsciiCase) {
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "王^小东"}}), 1u);
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "wang*"}}), 1u);
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "?^小?"}}), 1u);
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "Wang*=王*"}}), 1u);
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "Wang*=李*"}}), 0u);
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "=李*"}}), 0u);
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "李*"}}), 1u);
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "Wang"}}), 0u);  // single value: exact
  EXPECT_EQ(count(QueryLevel::Patient, {{"00100010", "PN", "*"}}), 2u);
}

TEST_F(DicomQueryTest, RangesListsAndWildcards) {
  EXPECT_EQ(count(QueryLevel::Study, {{"00080020", "DA", "20260101-"}}), 2u);
  EXPECT_EQ(count(QueryLevel::Study, {{"00080020", "DA", "-20251231"}}), 1u);
  EXPECT_EQ(count(QueryLevel::Study, {{"00080020", "DA", "20260301-20260301"}}), 1u);
  EXPECT_EQ(count(QueryLevel::Study, {{"00080020", "DA", "20251115\\20260302"}}), 2u);
  EXPECT_EQ(count(QueryLevel::Study, {{"00080030", "TM", "0900-0930"}}), 3u);
  EXPECT_EQ(count(QueryLevel::Study, {{"00080030", "TM", "0931-"}}), 0u);
  EXPECT_EQ(count(QueryLevel::Image, {{"00080018", "UI", "1.1.1.2\\2.1.1.1\\9.9"}}), 2u);
  EXPECT_EQ(count(QueryLevel::Series, {{"00080060", "CS", "C?"}}), 2u);
  EXPECT_EQ(count(QueryLevel::Study, {{"00080061", "CS", "SR\\MR"}}), 2u);
  EXPECT_EQ(count(QueryLevel::Study, {{"00080061", "CS", "US"}}), 0u);
  EXPECT_EQ(count(QueryLevel::Series, {{"00200011", "IS", "7.0"}}), 4u);
  EXPECT_EQ(count(QueryLevel::Series, {{"00100020", "LO", "P1"}, {"00080060", "CS", "CT"}}), 1u);
}

TEST_F(DicomQueryTest, MissingAttributesAnswerEmptyAndUniqueKeyIsAlwaysReturned) {
  auto r = found(QueryLevel::Series, {{"0020000D", "UI", "2.1"}, {"0008103E", "LO", ""}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], R"({"0020000D":{"vr":"UI","Value":["2.1"]},"0008103E":{"vr":"LO"},)"
                  R"("0020000E":{"vr":"UI","Value":["2.1.1"]}})");
}

TEST_F(DicomQueryTest, PrefilterUsesTheNarrowestExactKey) {
  auto f = prefilter(
      {QueryLevel::Image,
       {{"0020000D", "UI", "1.1"}, {"00080018", "UI", "a\\b"}, {"00100020", "LO", "P*"}}});
  EXPECT_EQ(f.sopInstanceUids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.studyInstanceUids, (std::vector<std::string>{"1.1"}));
  EXPECT_TRUE(f.patientIds.empty());
}

}  // namespace
}  // namespace medbridge::mappings::dicom
