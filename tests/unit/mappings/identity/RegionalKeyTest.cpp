#include "mappings/identity/RegionalKey.h"

#include <gtest/gtest.h>

namespace medbridge::mappings::identity {
namespace {

std::vector<IdentifierFact> keysOf(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  return regionalKeys(d, IdentifierSystems::builtIn(), "2026-11-24");
}

std::string url(const std::string& json) {
  return conditionalPatientUrl(keysOf(json));
}

TEST(RegionalKey, AValidNationalIdThenTheMedicalRecordNumbers) {
  EXPECT_EQ(url(R"({"resourceType":"Patient","identifier":[
      {"system":"urn:oid:1.2.156.112604.1.2.1.1","value":"A 1&2"},
      {"system":"urn:oid:2.16.156.10011.1.3","value":"11010519491231002X"}]})"),
            "Patient?identifier=urn:oid:2.16.156.10011.1.3|11010519491231002X,"
            "urn:oid:1.2.156.112604.1.2.1.1|A%201%262");
}

TEST(RegionalKey, AnInvalidOrGuardianNationalIdIsNotAKey) {
  EXPECT_EQ(url(R"({"resourceType":"Patient","identifier":[
      {"system":"urn:oid:2.16.156.10011.1.3","value":"110105194912310021"},
      {"system":"urn:oid:1.2.156.112604.1.2.1.1","value":"A1"}]})"),
            "Patient?identifier=urn:oid:1.2.156.112604.1.2.1.1|A1");
  EXPECT_EQ(url(R"({"resourceType":"Patient","identifier":[
      {"type":{"coding":[{"code":"GUARDIAN"}]},"system":"urn:oid:2.16.156.10011.1.3",
       "value":"11010519491231002X"},
      {"system":"urn:oid:1.2.156.112604.1.2.1.1","value":"A1"}]})"),
            "Patient?identifier=urn:oid:1.2.156.112604.1.2.1.1|A1");
  EXPECT_TRUE(keysOf(R"({"resourceType":"Patient","identifier":[
      {"system":"urn:x-unknown","value":"9"}]})")
                  .empty());
}

}  // namespace
}  // namespace medbridge::mappings::identity
