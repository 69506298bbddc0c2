#include "gateway/workflow/ConsultationMachine.h"

#include <gtest/gtest.h>

#include "gateway/core/Time.h"
#include "gateway/workflow/ActorRoles.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::workflow {
namespace {

constexpr int kChina = 480;  // UTC+8

std::int64_t at(const char* instant) {
  return mappings::fhir::dateRange(instant)->from;
}

ConsultationMachine machine() {
  return ConsultationMachine(
      TransitionTable::consultation(
          {"department-head-signed", "medical-affairs-approved", "fee-paid"}),
      DeadlineTable::consultationDefaults(), kChina, 120);
}

rapidjson::Document task(const std::string& status, const std::string& business,
                         const std::string& extra = "") {
  std::string json =
      R"({"resourceType":"Task","id":"t1","status":")" + status +
      R"(","intent":"order","code":{"coding":[{"system":"urn:medbridge:codesystem:workflow-task","code":"consultation"}]},)"
      R"("businessStatus":{"coding":[{"system":"urn:medbridge:codesystem:workflow-business-status","code":")" +
      business +
      R"("}]},"focus":{"reference":"ServiceRequest/sr1"},"for":{"reference":"Patient/p1"},)"
      R"("requester":{"reference":"Organization/county"},"owner":{"reference":"Organization/tertiary"})" +
      extra + "}";
  rapidjson::Document d;
  d.Parse(json.c_str());
  return d;
}

std::string deadlineDue(const rapidjson::Value& t, const std::string& rule) {
  for (const auto& e : t["extension"].GetArray()) {
    if (std::string(e["url"].GetString()) != kDeadlineExtension) continue;
    std::string r, due, stopped;
    for (const auto& p : e["extension"].GetArray()) {
      std::string url = p["url"].GetString();
      if (url == "rule") r = p["valueCode"].GetString();
      if (url == "due") due = p["valueDateTime"].GetString();
      if (url == "stopped") stopped = p["valueDateTime"].GetString();
    }
    if (r == rule && stopped.empty()) return due;
  }
  return "";
}

TransitionFacts facts(std::set<std::string> roles, std::int64_t now) {
  TransitionFacts f;
  f.roles = std::move(roles);
  f.actor = "PractitionerRole/someone";
  f.serviceType = "regular";
  f.now = now;
  return f;
}

// Walks a Task through the table's states: each step must be allowed.
struct Walk {
  ConsultationMachine m = machine();
  rapidjson::Document current;
  bool exists = false;
  TransitionOutcome step(const std::string& status, const std::string& business,
                         std::set<std::string> roles, std::int64_t now,
                         const std::string& extra = "") {
    rapidjson::Document next = task(status, business, extra);
    if (exists) {  // keep what the engine wrote
      next.RemoveMember("owner");
      next.AddMember("owner", rapidjson::Value().CopyFrom(current["owner"], next.GetAllocator()),
                     next.GetAllocator());
      if (current.HasMember("extension"))
        next.AddMember("extension",
                       rapidjson::Value().CopyFrom(current["extension"], next.GetAllocator()),
                       next.GetAllocator());
    }
    auto out = m.apply(exists ? &current : nullptr, next, facts(std::move(roles), now));
    if (out.problems.empty()) {
      current.CopyFrom(next, current.GetAllocator());
      exists = true;
    }
    return out;
  }
};

TEST(ConsultationMachine, AcceptanceIsDueTheSameDayBeforeThreeAndTheNextDayFromThree) {
  for (auto [submitted, due] : std::vector<std::pair<const char*, const char*>>{
           {"2026-11-24T06:59:00Z", "2026-11-24T15:59:59.000Z"},     // 14:59 in Beijing
           {"2026-11-24T07:00:00Z", "2026-11-25T15:59:59.000Z"},     // 15:00
           {"2026-11-24T07:01:00Z", "2026-11-25T15:59:59.000Z"},     // 15:01
           {"2026-11-23T16:30:00Z", "2026-11-24T15:59:59.000Z"}}) {  // 00:30 the next day
    Walk w;
    ASSERT_TRUE(w.step("draft", "drafted", {"inviting-physician"}, at(submitted)).problems.empty());
    ASSERT_TRUE(
        w.step("draft", "department-head-signed", {"inviting-department-head"}, at(submitted))
            .problems.empty());
    ASSERT_TRUE(
        w.step("draft", "medical-affairs-approved", {"inviting-medical-affairs"}, at(submitted))
            .problems.empty());
    ASSERT_TRUE(w.step("draft", "fee-paid", {"system"}, at(submitted)).problems.empty());
    auto out = w.step("requested", "submitted", {"inviting-physician"}, at(submitted));
    ASSERT_TRUE(out.problems.empty()) << out.problems[0].message;
    EXPECT_EQ(out.started, std::vector<std::string>{"acceptance"});
    EXPECT_EQ(deadlineDue(w.current, "acceptance"), due) << submitted;
    EXPECT_EQ(std::string(w.current["restriction"]["period"]["end"].GetString()), due);
  }
}

TEST(ConsultationMachine, UrgentExpertAssignmentIsTwoHoursInRegionAndFiveOutside) {
  for (bool inRegion : {true, false}) {
    ConsultationMachine m = machine();
    rapidjson::Document received = task("received", "received");
    rapidjson::Document accepted = task("accepted", "accepted");
    TransitionFacts f = facts({"invited-department"}, at("2026-11-24T02:00:00Z"));
    f.serviceType = "urgent";
    f.inRegion = inRegion;
    auto out = m.apply(&received, accepted, f);
    ASSERT_TRUE(out.problems.empty());
    EXPECT_EQ(out.started,
              (std::vector<std::string>{"expert-assignment-urgent", "session-urgent"}));
    EXPECT_EQ(deadlineDue(accepted, "expert-assignment-urgent"),
              inRegion ? "2026-11-24T04:00:00.000Z" : "2026-11-24T07:00:00.000Z");
    EXPECT_EQ(deadlineDue(accepted, "session-urgent"), "2026-11-24T10:00:00.000Z");
  }
}

TEST(ConsultationMachine, NamedExpertHasNoAssignmentDeadline) {
  ConsultationMachine m = machine();
  rapidjson::Document received = task("received", "received");
  rapidjson::Document accepted = task("accepted", "accepted");
  TransitionFacts f = facts({"invited-department"}, at("2026-11-24T02:00:00Z"));
  f.serviceType = "named-expert";
  auto out = m.apply(&received, accepted, f);
  ASSERT_TRUE(out.problems.empty());
  EXPECT_TRUE(out.started.empty());
  EXPECT_FALSE(accepted.HasMember("restriction"));
}

TEST(ConsultationMachine, ARegularConsultationRunsToTheReportWithItsDeadlines) {
  Walk w;
  std::int64_t t = at("2026-11-24T01:00:00Z");
  const std::int64_t hour = 3'600'000;
  ASSERT_TRUE(w.step("draft", "drafted", {"inviting-physician"}, t).problems.empty());
  ASSERT_TRUE(
      w.step("draft", "department-head-signed", {"inviting-department-head"}, t).problems.empty());
  ASSERT_TRUE(w.step("draft", "medical-affairs-approved", {"inviting-medical-affairs"}, t)
                  .problems.empty());
  ASSERT_TRUE(w.step("draft", "fee-paid", {"inviting-medical-affairs"}, t).problems.empty());
  ASSERT_TRUE(w.step("requested", "submitted", {"inviting-medical-affairs"}, t).problems.empty());
  ASSERT_TRUE(w.step("received", "received", {"invited-department"}, t + hour).problems.empty());
  auto accepted = w.step("accepted", "accepted", {"invited-department"}, t + 2 * hour);
  ASSERT_TRUE(accepted.problems.empty());
  EXPECT_EQ(accepted.stopped, std::vector<std::string>{"acceptance"});
  EXPECT_EQ(accepted.started, (std::vector<std::string>{"expert-assignment", "session"}));
  EXPECT_EQ(deadlineDue(w.current, "expert-assignment"), "2026-11-25T03:00:00.000Z");
  EXPECT_EQ(deadlineDue(w.current, "session"), "2026-11-26T03:00:00.000Z");
  // Assigning needs the expert as owner.
  auto noExpert = w.step("accepted", "expert-assigned", {"invited-department"}, t + 3 * hour);
  EXPECT_EQ(noExpert.status, 422);
  w.m = machine();
  rapidjson::Document assigned = task("accepted", "expert-assigned");
  assigned["owner"]["reference"] = "PractitionerRole/expert1";
  assigned.AddMember("extension",
                     rapidjson::Value().CopyFrom(w.current["extension"], assigned.GetAllocator()),
                     assigned.GetAllocator());
  TransitionFacts f = facts({"invited-department"}, t + 3 * hour);
  f.ownerIsInvitedExpert = true;
  auto out = w.m.apply(&w.current, assigned, f);
  ASSERT_TRUE(out.problems.empty()) << out.problems[0].message;
  EXPECT_EQ(out.stopped, std::vector<std::string>{"expert-assignment"});
  EXPECT_EQ(std::string(assigned["restriction"]["period"]["end"].GetString()),
            "2026-11-26T03:00:00.000Z");
  EXPECT_EQ(ConsultationMachine::invitedOrganization(assigned), "Organization/tertiary");
  // The proposal cannot change the requester.
  rapidjson::Document moved;
  moved.CopyFrom(assigned, moved.GetAllocator());
  moved["requester"]["reference"] = "Organization/elsewhere";
  auto bad = w.m.apply(&assigned, moved, facts({"invited-department"}, t + 4 * hour));
  EXPECT_EQ(bad.status, 409);
  EXPECT_EQ(bad.problems.at(0).expression, "Task.requester");
}

TEST(ConsultationMachine, RefusalsNeedACodedReasonOfTheirKind) {
  ConsultationMachine m = machine();
  rapidjson::Document received = task("received", "received");
  rapidjson::Document refused = task("rejected", "refused");
  auto out = m.apply(&received, refused, facts({"invited-department"}, at("2026-11-24T02:00:00Z")));
  EXPECT_EQ(out.status, 422);
  EXPECT_EQ(out.problems.at(0).expression, "Task.statusReason");
  rapidjson::Document cancelReason = task(
      "rejected", "refused",
      R"(,"statusReason":{"coding":[{"system":"urn:medbridge:codesystem:workflow-reason","code":"patient-withdrew"}]})");
  EXPECT_EQ(m.apply(&received, cancelReason, facts({"invited-department"}, 0)).status, 422);
  rapidjson::Document good = task(
      "rejected", "refused",
      R"(,"statusReason":{"coding":[{"system":"urn:medbridge:codesystem:workflow-reason","code":"outside-practice-scope"}]})");
  EXPECT_TRUE(m.apply(&received, good, facts({"invited-department"}, 0)).problems.empty());
}

TEST(ConsultationMachine, TheWrongActorOrAnUnknownMoveIsAConflict) {
  ConsultationMachine m = machine();
  rapidjson::Document received = task("received", "received");
  rapidjson::Document accepted = task("accepted", "accepted");
  auto byInviting = m.apply(&received, accepted, facts({"inviting-physician"}, 0));
  EXPECT_EQ(byInviting.status, 409);
  rapidjson::Document completed = task("completed", "reported");
  EXPECT_EQ(m.apply(&received, completed, facts({"invited-department"}, 0)).status, 409);
  EXPECT_EQ(m.apply(&received, accepted, facts({}, 0)).status, 409);
}

TEST(ConsultationMachine, EmergenciesSkipTheInternalStepsAndGetTwentyFourHoursForThePaperwork) {
  Walk w;
  std::int64_t t = at("2026-11-24T01:00:00Z");
  ASSERT_TRUE(w.step("draft", "drafted", {"inviting-physician"}, t).problems.empty());
  EXPECT_EQ(w.step("requested", "submitted", {"inviting-physician"}, t).status, 409);
  auto out = w.step("requested", "submitted", {"inviting-physician"}, t, R"(,"priority":"stat")");
  ASSERT_TRUE(out.problems.empty());
  EXPECT_EQ(out.started, (std::vector<std::string>{"acceptance", "emergency-paperwork"}));
  EXPECT_EQ(deadlineDue(w.current, "emergency-paperwork"), "2026-11-25T01:00:00.000Z");
  auto supplied = w.step(
      "requested", "submitted", {"inviting-physician"}, t + 60'000,
      R"(,"priority":"stat","input":[{"type":{"coding":[{"system":"urn:medbridge:codesystem:workflow-task-input","code":"consent"}]},"valueReference":{"reference":"Consent/c1"}}])");
  ASSERT_TRUE(supplied.problems.empty());
  EXPECT_EQ(supplied.stopped, std::vector<std::string>{"emergency-paperwork"});
}

TEST(ConsultationMachine, ARescheduleNeedsTwoHoursNotice) {
  ConsultationMachine m = machine();
  const char* appointment =
      R"(,"input":[{"type":{"coding":[{"system":"urn:medbridge:codesystem:workflow-task-input","code":"appointment"}]},"valueReference":{"reference":"Appointment/a2"}}])";
  rapidjson::Document scheduled = task("ready", "scheduled", appointment);
  scheduled["owner"]["reference"] = "PractitionerRole/expert1";
  rapidjson::Document moved;
  moved.CopyFrom(scheduled, moved.GetAllocator());
  TransitionFacts f = facts({"expert"}, at("2026-11-24T05:00:00Z"));
  f.ownerIsInvitedExpert = true;
  f.currentSessionStart = at("2026-11-24T06:30:00Z");
  f.sessionStart = at("2026-11-24T09:00:00Z");
  auto late = m.apply(&scheduled, moved, f);
  EXPECT_EQ(late.status, 409);
  f.now = at("2026-11-24T04:30:00Z");
  EXPECT_TRUE(m.apply(&scheduled, moved, f).problems.empty());
}

TEST(ConsultationMachine, BreachesAreFlaggedOnceWithTheResponsibleParty) {
  Walk w;
  std::int64_t t = at("2026-11-24T06:59:00Z");
  ASSERT_TRUE(w.step("draft", "drafted", {"inviting-physician"}, t).problems.empty());
  ASSERT_TRUE(w.step("requested", "submitted", {"inviting-physician"}, t, R"(,"priority":"stat")")
                  .problems.empty());
  EXPECT_TRUE(w.m.flagBreaches(w.current, at("2026-11-24T15:59:59Z")).empty());
  auto flagged = w.m.flagBreaches(w.current, at("2026-11-24T16:00:00Z"));
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged[0],
            std::make_pair(std::string("acceptance"), std::string("invited-organization")));
  EXPECT_TRUE(w.m.flagBreaches(w.current, at("2026-11-24T17:00:00Z")).empty());
  EXPECT_EQ(std::string(w.current["meta"]["tag"][0]["code"].GetString()), "deadline-breached");
  // The flag stays on later versions.
  ASSERT_TRUE(w.step("received", "received", {"invited-department"}, at("2026-11-24T17:00:00Z"),
                     R"(,"priority":"stat")")
                  .problems.empty());
  EXPECT_EQ(std::string(w.current["meta"]["tag"][0]["code"].GetString()), "deadline-breached");
}

TEST(ActorRoles, FromTheActorsOrganisationAndFunction) {
  Actor physician{"PractitionerRole/a", "Organization/county", {}};
  Actor office{"Organization/county", "Organization/county", {}};
  Actor head{"PractitionerRole/h", "Organization/county", {"department-head"}};
  Actor expert{"PractitionerRole/e", "Organization/tertiary", {"physician"}};
  Actor stranger{"PractitionerRole/s", "Organization/other", {}};
  auto roles = [](const Actor& a) {
    return actorRoles(a, "Organization/county", "Organization/tertiary", "PractitionerRole/e");
  };
  EXPECT_EQ(roles(physician), std::set<std::string>{"inviting-physician"});
  EXPECT_EQ(roles(office), std::set<std::string>{"inviting-medical-affairs"});
  EXPECT_EQ(roles(head), std::set<std::string>{"inviting-department-head"});
  EXPECT_EQ(roles(expert), (std::set<std::string>{"expert", "invited-department"}));
  EXPECT_TRUE(roles(stranger).empty());
}

}  // namespace
}  // namespace medbridge::workflow
