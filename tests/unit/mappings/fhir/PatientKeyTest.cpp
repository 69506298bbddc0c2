#include "mappings/fhir/PatientKey.h"

#include <gtest/gtest.h>

#include "mappings/fhir/Json.h"

namespace medbridge::mappings::fhir {
namespace {

std::string keyOf(const std::string& json) {
  rapidjson::Document doc;
  EXPECT_FALSE(parseJson(json, doc));
  return patientKey(doc["resourceType"].GetString(), doc["id"].GetString(), indexEntries(doc));
}

TEST(PatientKey, FollowsThePatientCompartment) {
  EXPECT_EQ(keyOf(R"({"resourceType":"Patient","id":"p1"})"), "Patient/p1");
  EXPECT_EQ(keyOf(R"({"resourceType":"Encounter","id":"e1","status":"finished",
      "class":{"code":"AMB"},"subject":{"reference":"Patient/p1"}})"),
            "Patient/p1");
  EXPECT_EQ(keyOf(R"({"resourceType":"ImagingStudy","id":"s1","status":"available",
      "subject":{"reference":"Patient/p2"}})"),
            "Patient/p2");
  // Task names its patient in `for`.
  EXPECT_EQ(keyOf(R"({"resourceType":"Task","id":"t1","status":"requested","intent":"order",
      "for":{"reference":"Patient/p3"}})"),
            "Patient/p3");
  // A subject that is not a Patient (a Group) and resources of no patient key themselves.
  EXPECT_EQ(keyOf(R"({"resourceType":"Observation","id":"o1","status":"final",
      "code":{"text":"x"},"subject":{"reference":"Group/g1"}})"),
            "Observation/o1");
  EXPECT_EQ(keyOf(R"({"resourceType":"Organization","id":"org1"})"), "Organization/org1");
}

}  // namespace
}  // namespace medbridge::mappings::fhir
