// Golden tests: every tests/golden/hl7v2/NAME.hl7 maps to exactly tests/golden/hl7v2/NAME.json
// (the transaction Bundle, pretty-printed). A new case is two new files, no new code.
// MEDBRIDGE_UPDATE_GOLDEN=1 rewrites the expected files (review the diff before committing).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>

#include "gateway/core/Hash.h"
#include "mappings/hl7v2/Charset.h"
#include "mappings/hl7v2/Mapping.h"
#include "mappings/hl7v2/Message.h"
#include "tests/support/TestSupport.h"

namespace medbridge::mappings::hl7v2 {
namespace {

std::string pretty(const std::string& json) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.c_str());
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  d.Accept(w);
  return std::string(buf.GetString()) + "\n";
}

std::string goldenDir() {
  return testing::sourceDir() + "/tests/golden/hl7v2";
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MapsToTheExpectedBundle) {
  std::string input = GetParam();
  std::string expectedPath = input.substr(0, input.size() - 4) + ".json";
  std::string raw = testing::readFile(input);
  Message msg = Message::parse(decodeToUtf8(raw).utf8);
  MappingContext ctx;
  ctx.contentHash = core::sha256Hex(raw);
  ctx.receivedAt = "2026-01-01T00:00:00+08:00";
  MappingResult result = mapMessage(msg, ctx);
  ASSERT_TRUE(result.mapped) << result.trigger;
  for (const auto& issue : result.issues)
    EXPECT_EQ(issue.severity, Issue::Severity::Warning) << issue.location << ": " << issue.text;
  std::string actual = pretty(result.bundleJson);
  if (std::getenv("MEDBRIDGE_UPDATE_GOLDEN")) testing::writeFile(expectedPath, actual);
  EXPECT_EQ(actual, testing::readFile(expectedPath)) << "golden file " << expectedPath;
  // Determinism: the same input gives the same Bundle.
  EXPECT_EQ(mapMessage(msg, ctx).bundleJson, result.bundleJson);
}

std::vector<std::string> inputs() {
  return testing::listFiles(goldenDir(), ".hl7");
}

std::string caseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(info.param.rfind('/') + 1);
  name = name.substr(0, name.size() - 4);
  for (char& c : name)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Hl7v2, Golden, ::testing::ValuesIn(inputs()), caseName);

TEST(GoldenSet, CoversEveryMappedTriggerEvent) {
  std::set<std::string> covered;
  for (const auto& file : inputs())
    covered.insert(triggerKey(Message::parse(decodeToUtf8(testing::readFile(file)).utf8)));
  for (const char* t : {"ADT_A01", "ADT_A02", "ADT_A03", "ADT_A04", "ADT_A05", "ADT_A06", "ADT_A07",
                        "ADT_A08", "ADT_A11", "ADT_A13", "ADT_A28", "ADT_A31", "ADT_A40", "ADT_A47",
                        "ORU_R01", "ORM_O01", "OMG_O19", "MDM_T02", "REF_I12"})
    EXPECT_TRUE(covered.count(t)) << "no golden case for " << t;
}

}  // namespace
}  // namespace medbridge::mappings::hl7v2
