#include "gateway/workflow/ApplicationCheck.h"

#include <gtest/gtest.h>

namespace medbridge::workflow {
namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  return d;
}

std::string organization(const std::string& level, const std::string& department) {
  return R"({"resourceType":"Organization","name":"x","extension":[)"
         R"({"url":"urn:medbridge:extension:hospital-level","valueCoding":{"system":"urn:medbridge:codesystem:hospital-level","code":")" +
         level +
         R"("}},{"url":"urn:medbridge:extension:telemedicine-qualified","valueBoolean":true},)"
         R"({"url":"urn:medbridge:extension:registered-department","valueCoding":{"system":"urn:medbridge:codesystem:department","code":")" +
         department + R"("}}]})";
}

std::string role(const std::string& org, const std::string& title, const std::string& since,
                 const std::string& scope) {
  return R"({"resourceType":"PractitionerRole","id":"r","organization":{"reference":")" + org +
         R"("},"extension":[{"url":"urn:medbridge:extension:practice-license","valueIdentifier":{"value":"1"}},)"
         R"({"url":"urn:medbridge:extension:independent-practice-since","valueDate":")" +
         since +
         R"("}],"code":[{"coding":[{"system":"urn:medbridge:codesystem:professional-title","code":")" +
         title +
         R"("}]}],"specialty":[{"coding":[{"system":"urn:medbridge:codesystem:department","code":")" +
         scope + R"("}]}]})";
}

const char* kRequest =
    R"({"resourceType":"ServiceRequest","code":{"coding":[{"system":"urn:medbridge:codesystem:consultation-service-type","code":"regular"}]},)"
    R"("subject":{"reference":"Patient/p"},"occurrenceDateTime":"2026-11-25","note":[{"text":"purpose"}],)"
    R"("performerType":{"coding":[{"system":"urn:medbridge:codesystem:department","code":"03.01"}]},)"
    R"("performer":[{"reference":"Organization/b"}]})";

TEST(ApplicationCheck,
     AVillageDoctorMayAccompanyAtAPrimaryInstitutionAndSubSpecialtiesFallUnderTheirDepartment) {
  auto request = json(kRequest), inviting = json(organization("ungraded", "03")),
       invited = json(organization("3A", "03")),
       attending = json(role("Organization/a", "village-doctor", "2010-01-01", "02")),
       consent = json(
           R"({"resourceType":"Consent","status":"active","sourceAttachment":{"title":"signed"}})");
  Application a{&request,         &inviting,   &invited, &attending, nullptr, &consent,
                "Organization/b", "Patient/p", 1,        false,      false,   "2026-11-24"};
  EXPECT_TRUE(checkApplication(a).empty());
  inviting = json(organization("2B", "03"));
  auto problems = checkApplication(a);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].expression, "ServiceRequest.requester");
}

TEST(ApplicationCheck, AnEmergencyMayLackRecordsAndConsentButNotEligibility) {
  auto request = json(kRequest), inviting = json(organization("2A", "04")),
       invited = json(organization("3A", "03")),
       attending = json(role("Organization/a", "attending-physician", "2010-01-01", "03"));
  Application a{&request,         &inviting,   &invited, &attending, nullptr, nullptr,
                "Organization/b", "Patient/p", 0,        true,       false,   "2026-11-24"};
  auto problems = checkApplication(a);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "the inviting institution is not registered for department 03.01");
  a.emergency = false;
  EXPECT_EQ(checkApplication(a).size(), 3u);
}

TEST(ApplicationCheck, ThreeYearsOfIndependentPracticeCountFromTheDate) {
  auto expert = json(role("Organization/b", "attending-physician", "2023-11-25", "03"));
  EXPECT_EQ(checkExpert(expert, "03.02", false, "2026-11-24").size(), 1u);
  EXPECT_TRUE(checkExpert(expert, "03.02", false, "2026-11-25").empty());
  EXPECT_EQ(checkExpert(expert, "04", false, "2026-11-25").at(0).expression,
            "PractitionerRole.specialty");
}

}  // namespace
}  // namespace medbridge::workflow
