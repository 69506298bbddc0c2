#include "gateway/workflow/ReferralCheck.h"

#include <gtest/gtest.h>

#include "gateway/workflow/ResultRecognition.h"
#include "gateway/workflow/TransitionTable.h"

namespace medbridge::workflow {
namespace {

rapidjson::Document json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  return d;
}

std::string request(const std::string& direction, const std::string& indications) {
  return R"({"resourceType":"ServiceRequest","subject":{"reference":"Patient/p"},)"
         R"("code":{"coding":[{"system":"urn:medbridge:codesystem:referral-direction","code":")" +
         direction + R"("}]},"reasonCode":[)" + indications + "]}";
}

std::string indication(const std::string& code) {
  return R"({"coding":[{"system":"urn:medbridge:codesystem:referral-indication","code":")" + code +
         "\"}]}";
}

std::vector<std::string> messages(const Referral& r) {
  std::vector<std::string> out;
  for (const auto& p : checkReferral(r)) out.push_back(p.expression + ": " + p.message);
  return out;
}

struct Fixture {
  rapidjson::Document consent =
      json(R"({"resourceType":"Consent","status":"active","patient":{"reference":"Patient/p"}})");
  rapidjson::Document sr;
  Referral r;
  explicit Fixture(const std::string& text) : sr(json(text)) {
    r.request = &sr;
    r.consent = &consent;
    r.patient = "Patient/p";
    r.sending = "Organization/a";
    r.receiving = "Organization/b";
    r.agreement = true;
  }
};

TEST(ReferralCheck, AnUpwardReferralAfterAConsultationOrInAnEmergencyPasses) {
  Fixture f(request("upward", indication("equipment-cannot-diagnose")));
  f.r.priorConsultation = "Task/c1";
  EXPECT_EQ(messages(f.r), std::vector<std::string>{});
  f.r.priorConsultation.clear();
  f.r.emergency = true;
  EXPECT_EQ(messages(f.r), std::vector<std::string>{});
  f.r.emergency = false;
  f.r.priorConsultationProblem = "Task/c1 is about another patient";
  EXPECT_EQ(messages(f.r),
            std::vector<std::string>{
                "ServiceRequest.basedOn: an upward referral follows a completed remote "
                "consultation of the patient within 30 days, its application named in "
                "ServiceRequest.basedOn (or "
                "is an emergency: Task.priority stat); Task/c1 is about another patient"});
}

TEST(ReferralCheck, EveryIndicationIsKnownAndFitsTheDirection) {
  Fixture f(request("downward", indication("late-stage-supportive-care") + "," +
                                    indication("no-such-thing") + "," +
                                    indication("law-requires-specialist")));
  f.r.carePlan = true;
  f.r.results = 1;
  EXPECT_EQ(messages(f.r),
            (std::vector<std::string>{
                "ServiceRequest.reasonCode: 'no-such-thing' is not a referral indication",
                "ServiceRequest.reasonCode: 'law-requires-specialist' is an indication for "
                "referring upward, and this referral is downward"}));
  Fixture none(request("sideways", ""));
  none.r.emergency = true;
  EXPECT_EQ(messages(none.r),
            (std::vector<std::string>{
                "ServiceRequest.code: the referral's direction is missing: ServiceRequest.code "
                "upward or downward from urn:medbridge:codesystem:referral-direction",
                "ServiceRequest.reasonCode: the referral's indication is missing "
                "(ServiceRequest.reasonCode from urn:medbridge:codesystem:referral-indication)"}));
}

TEST(ReferralCheck, AnUnstablePatientAnotherPatientsConsentAndNoAgreementAreRefused) {
  Fixture f(request("upward", indication("complex-high-risk")));
  f.r.emergency = true;
  f.r.unstableFlag = "Flag/f";
  f.r.agreement = false;
  f.consent = json(
      R"({"resourceType":"Consent","status":"active","patient":{"reference":"Patient/other"}})");
  auto found = checkReferral(f.r);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].expression, "Task.owner");
  EXPECT_EQ(found[1].expression, "ServiceRequest.supportingInfo");
  EXPECT_EQ(found[2].expression, "Task.for");
}

TEST(ResultRecognition, SameTierByDefaultElseTheConfiguredMatrix) {
  std::map<std::string, std::vector<std::string>> none, matrix{{"2A", {"3A", "3B", "2A"}}};
  EXPECT_TRUE(recognises("2A", "2B", none));
  EXPECT_TRUE(recognises("3A", "3C", none));
  EXPECT_FALSE(recognises("2A", "3A", none));
  EXPECT_FALSE(recognises("", "3A", none));
  EXPECT_TRUE(recognises("2A", "3A", matrix));
  EXPECT_FALSE(recognises("2A", "2B", matrix));
  EXPECT_TRUE(recognises("2B", "2C", matrix));  // not in the matrix: its own tier
}

TEST(ReferralTransitions, ThePatientMovesOnlyAfterBothSidesConfirmed) {
  auto table = TransitionTable::referral();
  EXPECT_NE(table.find("accepted/accepted", "accepted/acknowledged", {"inviting-physician"}, false),
            nullptr);
  EXPECT_EQ(table.find("accepted/accepted", "accepted/acknowledged", {"invited-department"}, false),
            nullptr);
  EXPECT_FALSE(table.leads("accepted/accepted", "in-progress/in-transit"));
  EXPECT_NE(
      table.find("accepted/acknowledged", "in-progress/in-transit", {"inviting-physician"}, false),
      nullptr);
  EXPECT_NE(
      table.find("in-progress/in-transit", "completed/admitted", {"invited-department"}, false),
      nullptr);
  EXPECT_EQ(
      table.find("in-progress/in-transit", "cancelled/cancelled", {"inviting-physician"}, false),
      nullptr);
  EXPECT_NE(table.find("in-progress/in-transit", "failed/failed", {"system"}, false), nullptr);
  EXPECT_EQ(table.states(), (std::vector<std::string>{
                                "-", "draft/drafted", "requested/submitted", "received/received",
                                "accepted/accepted", "rejected/refused", "accepted/acknowledged",
                                "in-progress/in-transit", "completed/admitted",
                                "cancelled/cancelled", "failed/failed"}));
}

}  // namespace
}  // namespace medbridge::workflow
