// The consultation workflow on the platform over real HTTP (docs/consultation-workflow.md): the
// transition table enforced (actor, required content), deadlines computed in Beijing time under
// a controlled clock, passed deadlines flagged, notified and kept across a restart, every
// transition audited, every resource valid against the official R4 schema.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/ConsultationSupport.h"
#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

std::vector<std::vector<std::string>> rows(const GatewayProcess& gw, const std::string& sql) {
  return sqliteQuery(gw.dbPath(), sql);
}

TEST(ConsultationWorkflow, ARegularConsultationRunsFromDraftToReportWithItsDeadlines) {
  WorkflowPlatform p;
  ASSERT_EQ(p.put("Appointment/a1", appointment("a1", "2026-11-25T02:00:00Z")).status, 201);
  p.setClock("2026-11-24T01:00:00Z");  // 09:00 in Beijing
  p.submit("c1", "regular");
  EXPECT_EQ(p.nextDeadline("c1"), "2026-11-24T15:59:59");  // 23:59:59 the same day
  ASSERT_EQ(p.move("c1", "received", "received", "PractitionerRole/desk").status, 200);

  p.setClock("2026-11-24T03:00:00Z");
  auto accepted = p.operation("c1", "accept", {{"actor", "PractitionerRole/desk"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(p.nextDeadline("c1"), "2026-11-25T03:00:00");  // expert within 24 h
  auto assigned = p.operation(
      "c1", "assign", {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}});
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(p.nextDeadline("c1"), "2026-11-26T03:00:00");  // session within 48 h
  auto scheduled = p.operation(
      "c1", "schedule", {{"actor", "PractitionerRole/expert"}, {"appointment", "Appointment/a1"}});
  ASSERT_EQ(scheduled.status, 200) << scheduled.body;
  p.setClock("2026-11-25T02:00:00Z");
  ASSERT_EQ(p.operation("c1", "start", {{"actor", "PractitionerRole/expert"}}).status, 200);
  p.setClock("2026-11-25T02:25:00Z");
  ASSERT_EQ(p.move("c1", "in-progress", "session-ended", "PractitionerRole/expert").status, 200);
  EXPECT_EQ(p.nextDeadline("c1"), "2026-11-25T02:55:00");  // report within 30 min
  // Completing needs the report.
  auto noReport = p.operation("c1", "complete", {{"actor", "PractitionerRole/expert"}});
  EXPECT_EQ(noReport.status, 422);
  EXPECT_EQ(firstIssue(noReport.body),
            "completing needs output 'report' referring to the DiagnosticReport @ Task.output");
  p.setClock("2026-11-25T02:40:00Z");
  auto completed = p.operation(
      "c1", "complete", {{"actor", "PractitionerRole/expert"}, {"report", "DiagnosticReport/r1"}});
  ASSERT_EQ(completed.status, 200) << completed.body;

  auto task = p.read("Task/c1");
  EXPECT_EQ(p.state("c1"), "completed/reported");
  EXPECT_FALSE(task.HasMember("restriction"));
  EXPECT_EQ(field(task["executionPeriod"], "start").substr(0, 19), "2026-11-25T02:00:00");
  EXPECT_EQ(field(task["executionPeriod"], "end").substr(0, 19), "2026-11-25T02:25:00");
  EXPECT_EQ(field(task["owner"], "reference"), "PractitionerRole/expert");
  EXPECT_EQ(field(task, "lastModified").substr(0, 19), "2026-11-25T02:40:00");
  EXPECT_EQ(field(task, "authoredOn").substr(0, 4), "2026");
  // Every deadline met: started and stopped, none breached.
  std::string json = mappings::fhir::toJson(task);
  EXPECT_EQ(json.find("breached"), std::string::npos) << json;
  // One version and one AuditEvent per transition, each naming its actor.
  EXPECT_EQ(rows(p.gateway(), "SELECT COUNT(*) FROM resource_versions WHERE type = 'Task'")[0][0],
            "12");
  auto audits = rows(
      p.gateway(),
      "SELECT json_extract(json, '$.outcomeDesc'), json_extract(json, '$.agent[0].who.reference')"
      " FROM resource_versions WHERE type = 'AuditEvent' ORDER BY seq");
  ASSERT_EQ(audits.size(), 12u);
  EXPECT_EQ(audits[0], (std::vector<std::string>{"- -> draft/drafted", "PractitionerRole/doc"}));
  EXPECT_EQ(audits[5], (std::vector<std::string>{"requested/submitted -> received/received",
                                                 "PractitionerRole/desk"}));
  EXPECT_EQ(audits[11], (std::vector<std::string>{"in-progress/session-ended -> completed/reported",
                                                  "PractitionerRole/expert"}));
  // A replayed proposal (a delivery repeated) makes no new version.
  auto again = p.operation(
      "c1", "complete", {{"actor", "PractitionerRole/expert"}, {"report", "DiagnosticReport/r1"}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(field(parsed(again.body)["meta"], "versionId"), "12");
  auto metrics = httpRequest(p.gateway().httpPort(), "GET", "/metrics").body;
  EXPECT_EQ(
      metric(
          metrics,
          R"(medbridge_workflow_transitions_total{from="received/received",to="accepted/accepted"})"),
      1);
  // Each side rates the consultation once, on the shipped questionnaire.
  EXPECT_EQ(field(p.read("Questionnaire/consultation-rating"), "url"),
            "urn:medbridge:questionnaire:consultation-rating");
  auto rating = [&](const std::string& id, const std::string& author, const std::string& task,
                    const std::string& satisfaction) {
    return p.put(
        "QuestionnaireResponse/" + id,
        R"({"resourceType":"QuestionnaireResponse","id":")" + id +
            R"(","questionnaire":"urn:medbridge:questionnaire:consultation-rating","status":"completed",)"
            R"("basedOn":[{"reference":"Task/)" +
            task +
            R"("}],"subject":{"reference":"Patient/p1"},)"
            R"("author":{"reference":")" +
            author + R"("},"item":[{"linkId":"satisfaction","answer":[{"valueInteger":)" +
            satisfaction +
            R"(}]},{"linkId":"comment","answer":[{"valueString":"专家意见明确"}]}]})");
  };
  EXPECT_EQ(rating("q1", "PractitionerRole/doc", "c1", "5").status, 201);
  EXPECT_EQ(rating("q2", "PractitionerRole/expert", "c1", "4").status, 201);
  auto again2 = rating("q3", "PractitionerRole/office", "c1", "3");
  EXPECT_EQ(again2.status, 409);
  EXPECT_EQ(firstIssue(again2.body),
            "the inviting side has rated this consultation already (QuestionnaireResponse/q1) @ "
            "QuestionnaireResponse.author");
  auto outOfRange = rating("q1", "PractitionerRole/doc", "c1", "6");
  EXPECT_EQ(outOfRange.status, 422);
  EXPECT_EQ(firstIssue(outOfRange.body),
            "satisfaction is an integer from 1 to 5 @ QuestionnaireResponse.item");
  EXPECT_EQ(rating("q4", "PractitionerRole/stranger", "c1", "1").status, 422);
  for (const char* type : {"AuditEvent", "Task", "QuestionnaireResponse"}) {
    auto bundle = httpRequest(p.gateway().httpPort(), "GET",
                              std::string("/fhir/") + type + "?_count=100", "", kFhirJson);
    p.received().add(bundle.body);
  }
  EXPECT_EQ(p.received().ownProblems(), "");
  EXPECT_EQ(p.received().schemaProblems(), "");
}

TEST(ConsultationWorkflow, AcceptanceIsDueTheSameDayBeforeThreeInTheAfternoonElseTheNextDay) {
  WorkflowPlatform p;
  for (auto [id, at, due] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"at1459", "2026-11-24T06:59:00Z", "2026-11-24T15:59:59"},
           {"at1500", "2026-11-24T07:00:00Z", "2026-11-25T15:59:59"},
           {"at1501", "2026-11-24T07:01:00Z", "2026-11-25T15:59:59"}}) {
    p.setClock(at);
    p.submit(id, "regular");
    EXPECT_EQ(p.nextDeadline(id), due) << id;
  }
  // 23:59:59 passes for the 14:59 application only.
  EXPECT_EQ(p.setClock("2026-11-24T15:59:58Z"), 0);
  EXPECT_EQ(p.setClock("2026-11-24T16:00:00Z"), 1);
  EXPECT_NE(mappings::fhir::toJson(p.read("Task/at1459")).find("deadline-breached"),
            std::string::npos);
  EXPECT_EQ(mappings::fhir::toJson(p.read("Task/at1500")).find("deadline-breached"),
            std::string::npos);
}

TEST(ConsultationWorkflow, AnUrgentConsultationBreachingTwoHoursIsFlaggedNotifiedAndStaysFlagged) {
  WorkflowPlatform p;
  p.setClock("2026-11-24T02:00:00Z");
  p.submit("u1", "urgent");                 // in the region: expert within 2 h
  p.submit("u2", "urgent-far", "faraway");  // out of the region: 5 h
  for (auto [id, desk] :
       {std::pair{"u1", "PractitionerRole/desk"}, {"u2", "PractitionerRole/far-desk"}}) {
    ASSERT_EQ(p.move(id, "received", "received", desk).status, 200);
    ASSERT_EQ(p.operation(id, "accept", {{"actor", desk}}).status, 200);
  }
  EXPECT_EQ(p.nextDeadline("u1"), "2026-11-24T04:00:00");
  EXPECT_EQ(p.nextDeadline("u2"), "2026-11-24T07:00:00");
  EXPECT_EQ(p.setClock("2026-11-24T03:59:59Z"), 0);
  EXPECT_EQ(p.setClock("2026-11-24T04:00:01Z"), 1);
  auto u1 = p.read("Task/u1");
  EXPECT_EQ(field(u1["meta"]["tag"][0], "code"), "deadline-breached");
  EXPECT_EQ(field(u1["meta"], "versionId"), "8");  // the platform's own version
  auto notices = rows(p.gateway(),
                      "SELECT json_extract(json, '$.about[0].reference'), json_extract(json, "
                      "'$.recipient[0].reference'),"
                      " json_extract(json, '$.payload[0].contentString') FROM resource_versions "
                      "WHERE type = 'Communication'");
  EXPECT_EQ(notices, (std::vector<std::vector<std::string>>{
                         {"Task/u1", "Organization/tertiary",
                          "The consultation's deadline 'expert-assignment-urgent' has passed; "
                          "Task/u1 is flagged."}}));
  auto metrics = httpRequest(p.gateway().httpPort(), "GET", "/metrics").body;
  EXPECT_EQ(
      metric(metrics,
             R"(medbridge_workflow_deadline_breaches_total{rule="expert-assignment-urgent"})"),
      1);
  EXPECT_EQ(metric(metrics, "medbridge_workflow_open_breached_tasks"), 1);

  // Restart: the flag is kept, the timer of u2 still runs, nothing is flagged twice.
  ASSERT_EQ(p.gateway().terminate(), 0);
  p.gateway().start();
  EXPECT_EQ(p.setClock("2026-11-24T06:59:59Z"), 0);
  EXPECT_EQ(field(p.read("Task/u1")["meta"]["tag"][0], "code"), "deadline-breached");
  EXPECT_EQ(p.setClock("2026-11-24T07:00:01Z"), 1);
  EXPECT_EQ(field(p.read("Task/u2")["meta"]["tag"][0], "code"), "deadline-breached");
  metrics = httpRequest(p.gateway().httpPort(), "GET", "/metrics").body;
  EXPECT_EQ(metric(metrics, "medbridge_workflow_open_breached_tasks"), 2);
  // Assigning the expert late stops the deadline; the flag stays for the statistics.
  ASSERT_EQ(p.operation("u1", "assign",
                        {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}})
                .status,
            200);
  EXPECT_EQ(field(p.read("Task/u1")["meta"]["tag"][0], "code"), "deadline-breached");
  EXPECT_EQ(p.nextDeadline("u1"), "2026-11-24T10:00:00");  // urgent session within 8 h
  EXPECT_EQ(p.received().schemaProblems(), "");
}

TEST(ConsultationWorkflow, RefusalsReturnsAndCancellationsNeedACodedReason) {
  WorkflowPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  p.submit("r1", "regular");
  ASSERT_EQ(p.move("r1", "received", "received", "PractitionerRole/desk").status, 200);
  auto noReason = p.operation("r1", "reject", {{"actor", "PractitionerRole/desk"}});
  EXPECT_EQ(noReason.status, 422);
  EXPECT_EQ(firstIssue(noReason.body),
            "this transition needs a coded refusal reason (statusReason from "
            "urn:medbridge:codesystem:workflow-reason) @ Task.statusReason");
  // On hold for more material, supplied, then refused with a reason.
  auto hold = p.move(
      "r1", "on-hold", "material-requested", "PractitionerRole/desk", [](rapidjson::Document& t) {
        rapidjson::Document reason;
        reason.Parse(
            R"({"coding":[{"system":"urn:medbridge:codesystem:workflow-reason","code":"images-unreadable"}]})");
        t.AddMember("statusReason", rapidjson::Value().CopyFrom(reason, t.GetAllocator()),
                    t.GetAllocator());
      });
  ASSERT_EQ(hold.status, 200) << hold.body;
  EXPECT_EQ(p.nextDeadline("r1"), "");  // acceptance waits for the material
  p.setClock("2026-11-24T08:00:00Z");   // 16:00: the next day's 23:59 once supplied
  ASSERT_EQ(p.move("r1", "received", "material-supplied", "PractitionerRole/office").status, 200);
  EXPECT_EQ(p.nextDeadline("r1"), "2026-11-25T15:59:59");
  auto refused = p.operation(
      "r1", "reject", {{"actor", "PractitionerRole/desk"}, {"reason", "outside-practice-scope"}});
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_EQ(p.state("r1"), "rejected/refused");
  EXPECT_EQ(p.nextDeadline("r1"), "");
  // A closed Task moves no more.
  auto reopen = p.move("r1", "received", "received", "PractitionerRole/desk");
  EXPECT_EQ(reopen.status, 409);
  EXPECT_EQ(
      firstIssue(reopen.body),
      "a consultation Task cannot move from rejected/refused to received/received @ Task.status");
  // The inviting side cancels with a cancellation reason; a refusal reason does not fit.
  p.submit("r2", "regular");
  EXPECT_EQ(
      p.operation("r2", "cancel", {{"actor", "PractitionerRole/doc"}, {"reason", "not-indicated"}})
          .status,
      422);
  EXPECT_EQ(p.operation("r2", "cancel",
                        {{"actor", "PractitionerRole/desk"}, {"reason", "patient-withdrew"}})
                .status,
            409);
  ASSERT_EQ(p.operation("r2", "cancel",
                        {{"actor", "PractitionerRole/doc"}, {"reason", "patient-withdrew"}})
                .status,
            200);
  EXPECT_EQ(p.state("r2"), "cancelled/cancelled");
}

TEST(ConsultationWorkflow, AnExpertWhoCannotComeHandsTheConsultationBackForReassignment) {
  WorkflowPlatform p;
  ASSERT_EQ(
      p.put("PractitionerRole/tertiary-head",
            practitionerRole("tertiary-head", "tertiary", "department-head", "chief-physician"))
          .status,
      201);
  p.setClock("2026-11-24T01:00:00Z");
  p.submit("x1", "regular");
  ASSERT_EQ(p.move("x1", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_EQ(p.operation("x1", "accept", {{"actor", "PractitionerRole/desk"}}).status, 200);
  ASSERT_EQ(p.operation("x1", "assign",
                        {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}})
                .status,
            200);
  p.setClock("2026-11-24T05:00:00Z");
  auto away = [](const std::string& owner, const std::string& reason) {
    return [=](rapidjson::Document& t) {
      t["owner"]["reference"].SetString(owner.c_str(), t.GetAllocator());
      if (reason.empty()) return;
      rapidjson::Document r;
      r.Parse((R"({"coding":[{"system":"urn:medbridge:codesystem:workflow-reason","code":")" +
               reason + "\"}]}")
                  .c_str());
      t.AddMember("statusReason", rapidjson::Value().CopyFrom(r, t.GetAllocator()),
                  t.GetAllocator());
    };
  };
  auto noReason = p.move("x1", "accepted", "accepted", "PractitionerRole/expert",
                         away("Organization/tertiary", ""));
  EXPECT_EQ(noReason.status, 422);
  auto keepsOwner = p.move("x1", "accepted", "accepted", "PractitionerRole/expert",
                           away("PractitionerRole/expert", "expert-away"));
  EXPECT_EQ(keepsOwner.status, 422);
  EXPECT_EQ(firstIssue(keepsOwner.body),
            "Task.owner goes back to the invited organisation (Organization/tertiary) for the "
            "department head to reassign @ Task.owner");
  auto handedBack = p.move("x1", "accepted", "accepted", "PractitionerRole/expert",
                           away("Organization/tertiary", "expert-away"));
  ASSERT_EQ(handedBack.status, 200) << handedBack.body;
  EXPECT_EQ(p.nextDeadline("x1"), "2026-11-25T05:00:00");  // a new expert within 24 h
  auto notices = sqliteQuery(
      p.gateway().dbPath(),
      "SELECT json_extract(json, '$.category[0].coding[0].code'),"
      " json_extract(json, '$.recipient'), json_extract(json, '$.payload[0].contentString')"
      " FROM resource_versions WHERE type = 'Communication'");
  EXPECT_EQ(
      notices,
      (std::vector<std::vector<std::string>>{
          {"reassignment-requested",
           R"([{"reference":"PractitionerRole/tertiary-head"},{"reference":"Organization/tertiary"}])",
           "PractitionerRole/expert cannot take Task/x1 (expert-away): please assign another "
           "expert."}}));
  auto reassigned = p.operation(
      "x1", "assign",
      {{"actor", "PractitionerRole/tertiary-head"}, {"expert", "PractitionerRole/expert2"}});
  EXPECT_EQ(reassigned.status, 200) << reassigned.body;
  EXPECT_EQ(p.nextDeadline("x1"), "2026-11-26T01:00:00");  // the session deadline runs on
}

TEST(ConsultationWorkflow, ARescheduleInsideTwoHoursIsRefused) {
  WorkflowPlatform p;
  ASSERT_EQ(p.put("Appointment/a1", appointment("a1", "2026-11-24T06:00:00Z")).status, 201);
  ASSERT_EQ(p.put("Appointment/a2", appointment("a2", "2026-11-24T09:00:00Z")).status, 201);
  p.setClock("2026-11-24T01:00:00Z");
  p.submit("s1", "regular");
  ASSERT_EQ(p.move("s1", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_EQ(p.operation("s1", "accept", {{"actor", "PractitionerRole/desk"}}).status, 200);
  ASSERT_EQ(p.operation("s1", "assign",
                        {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}})
                .status,
            200);
  ASSERT_EQ(p.operation("s1", "schedule",
                        {{"actor", "PractitionerRole/desk"}, {"appointment", "Appointment/a1"}})
                .status,
            200);
  p.setClock("2026-11-24T04:00:01Z");  // 1 h 59 min 59 s before the session
  auto late = p.operation("s1", "schedule",
                          {{"actor", "PractitionerRole/desk"}, {"appointment", "Appointment/a2"}});
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(firstIssue(late.body),
            "a schedule change needs 120 minutes' notice; the session starts at "
            "2026-11-24T06:00:00.000Z @ Task.input");
  p.setClock("2026-11-24T03:59:59Z");
  ASSERT_EQ(p.operation("s1", "schedule",
                        {{"actor", "PractitionerRole/desk"}, {"appointment", "Appointment/a2"}})
                .status,
            200);
  EXPECT_EQ(field(p.read("Task/s1")["input"][0]["valueReference"], "reference"), "Appointment/a2");
}

TEST(ConsultationWorkflow, AConcurrentCancelAndAcceptApplyExactlyOne) {
  WorkflowPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  for (int round = 0; round < 5; ++round) {
    std::string id = "cc" + std::to_string(round);
    p.submit(id, "regular");
    ASSERT_EQ(p.move(id, "received", "received", "PractitionerRole/desk").status, 200);
    std::string version = field(p.read("Task/" + id)["meta"], "versionId");
    HttpResult cancel, accept;
    std::thread inviting([&] {
      cancel = p.operation(id, "cancel",
                           {{"actor", "PractitionerRole/doc"}, {"reason", "patient-withdrew"}},
                           "W/\"" + version + "\"");
    });
    std::thread invited([&] {
      accept =
          p.operation(id, "accept", {{"actor", "PractitionerRole/desk"}}, "W/\"" + version + "\"");
    });
    inviting.join();
    invited.join();
    std::multiset<int> statuses{cancel.status, accept.status};
    EXPECT_EQ(statuses, (std::multiset<int>{200, 412})) << cancel.body << accept.body;
    std::string state = p.state(id);
    EXPECT_EQ(state, cancel.status == 200 ? "cancelled/cancelled" : "accepted/accepted");
    EXPECT_EQ(field(p.read("Task/" + id)["meta"], "versionId"),
              std::to_string(std::stoi(version) + 1));
  }
}

TEST(ConsultationWorkflow, WhoMayActIsChecked) {
  WorkflowPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  // Only the inviting physician drafts; strangers and unknown parties take no part.
  auto byDesk = p.put(
      "Task/w1", newTask("w1", "regular", "tertiary", "draft", "drafted", "PractitionerRole/desk"));
  EXPECT_EQ(byDesk.status, 409);
  EXPECT_EQ(firstIssue(byDesk.body),
            "moving from - to draft/drafted is not for invited-department (or only for "
            "emergencies) @ Task.status");
  auto unknown = p.put("Task/w1", newTask("w1", "regular", "tertiary", "draft", "drafted",
                                          "PractitionerRole/nobody"));
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(firstIssue(unknown.body),
            "the acting party PractitionerRole/nobody is not known here @ Task.extension");
  p.submit("w1", "regular");
  auto stranger = p.move("w1", "received", "received", "PractitionerRole/stranger");
  EXPECT_EQ(stranger.status, 409);
  EXPECT_EQ(firstIssue(stranger.body),
            "the acting party (PractitionerRole/stranger) takes no part in this consultation @ "
            "Task.extension('urn:medbridge:extension:workflow-actor')");
  // The invited side cannot assign an expert of another hospital.
  ASSERT_EQ(p.move("w1", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_EQ(p.operation("w1", "accept", {{"actor", "PractitionerRole/desk"}}).status, 200);
  auto foreign =
      p.operation("w1", "assign",
                  {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/stranger"}});
  EXPECT_EQ(foreign.status, 422);
  EXPECT_EQ(
      firstIssue(foreign.body),
      "Task.owner must be the expert: a PractitionerRole of the invited organisation @ Task.owner");
  // Emergencies skip the internal steps.
  auto emergency = p.put("Task/e1", newTask("e1", "urgent", "tertiary", "requested", "submitted",
                                            "PractitionerRole/doc", R"(,"priority":"stat")"));
  ASSERT_EQ(emergency.status, 201) << emergency.body;
  EXPECT_EQ(p.nextDeadline("e1"), "2026-11-24T15:59:59");
  EXPECT_NE(mappings::fhir::toJson(p.read("Task/e1")).find("emergency-paperwork"),
            std::string::npos);
  auto notEmergency =
      p.put("Task/e2", newTask("e2", "urgent", "tertiary", "requested", "submitted"));
  EXPECT_EQ(notEmergency.status, 409);
}

const char* kPoolMember =
    R"({"url":"urn:medbridge:extension:expert-pool","valueBoolean":true},)"
    R"({"url":"urn:medbridge:extension:employer-approved","valueBoolean":true},)"
    R"({"url":"urn:medbridge:extension:telemedicine-trained","valueBoolean":true},)";

// Every problem of an incomplete, ineligible application in one OperationOutcome.
std::vector<std::string> issues(const std::string& body) {
  std::vector<std::string> out;
  auto d = parsed(body);
  for (const auto& i : d["issue"].GetArray()) out.push_back(field(i, "diagnostics"));
  return out;
}

TEST(ConsultationWorkflow, TheApplicationCheckListsEveryProblem) {
  WorkflowPlatform p({"workflow.submitSteps=", "workflow.requirePoolExpert=true"});
  p.setClock("2026-11-24T01:00:00Z");
  ASSERT_EQ(p.put("PractitionerRole/village",
                  practitionerRole("village", "county", "physician", "village-doctor"))
                .status,
            201);
  ASSERT_EQ(
      p.put("PractitionerRole/junior", practitionerRole("junior", "tertiary", "physician",
                                                        "resident-physician", "2024-12-01", "04"))
          .status,
      201);
  // Obstetrics, which neither hospital registered; no purpose, time, records or consent; a
  // village doctor accompanies at a secondary hospital; the named expert is junior.
  ASSERT_EQ(
      p.put(
           "ServiceRequest/bad",
           R"({"resourceType":"ServiceRequest","id":"bad","status":"active","intent":"order",)"
           R"("code":{"coding":[{"system":"urn:medbridge:codesystem:consultation-service-type","code":"named-expert"}]},)"
           R"("subject":{"reference":"Patient/p1"},"requester":{"reference":"PractitionerRole/village"},)"
           R"("performerType":{"coding":[{"system":"urn:medbridge:codesystem:department","code":"05"}]},)"
           R"("performer":[{"reference":"Organization/tertiary"},{"reference":"PractitionerRole/junior"}]})")
          .status,
      201);
  ASSERT_EQ(p.put("Organization/county", organization("county", "330521", "2A", {"03"})).status,
            200);
  auto r = p.put("Task/bad", newTask("bad", "bad", "tertiary", "requested", "submitted"));
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(issues(r.body),
            (std::vector<std::string>{
                "the purpose (ServiceRequest.reasonCode or note) is missing",
                "the suggested time (ServiceRequest.occurrence[x]) is missing",
                "the patient's records (ServiceRequest.supportingInfo: DocumentReference, "
                "DiagnosticReport, Observation, Encounter or ImagingStudy) are missing",
                "the signed informed consent (a Consent in ServiceRequest.supportingInfo, status "
                "active, with the signed form) is missing",
                "the invited physician (PractitionerRole/junior) has 1 years of independent "
                "practice; at least 3 years are required",
                "department 05 is outside the practice scope of the invited physician "
                "(PractitionerRole/junior)",
                "the invited physician (PractitionerRole/junior) is not in the expert pool "
                "(workflow.requirePoolExpert)",
                "the inviting institution is not registered for department 05",
                "the invited institution is not registered for department 05",
                "an assistant physician or village doctor may accompany a consultation only at a "
                "primary-level institution"}));
  EXPECT_EQ(httpRequest(p.gateway().httpPort(), "GET", "/fhir/Task/bad").status, 404);

  // A complete application passes; assigning an expert outside the pool does not.
  auto good = p.put("Task/good", newTask("good", "regular", "tertiary", "requested", "submitted"));
  ASSERT_EQ(good.status, 201) << good.body;
  ASSERT_EQ(p.move("good", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_EQ(p.operation("good", "accept", {{"actor", "PractitionerRole/desk"}}).status, 200);
  auto notPool =
      p.operation("good", "assign",
                  {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}});
  EXPECT_EQ(notPool.status, 422);
  EXPECT_EQ(
      issues(notPool.body),
      std::vector<std::string>{"the invited physician (PractitionerRole/expert) is not in the "
                               "expert pool (workflow.requirePoolExpert)"});
  std::string pooled =
      practitionerRole("expert", "tertiary", "physician", "deputy-chief-physician");
  pooled.insert(pooled.find("\"extension\":[") + 13, kPoolMember);
  ASSERT_EQ(p.put("PractitionerRole/expert", pooled).status, 200);
  auto assigned =
      p.operation("good", "assign",
                  {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}});
  EXPECT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(p.received().schemaProblems(), "");
}

TEST(ConsultationWorkflow, TheExpertPoolTakesOnlyWhoMeetsItsRulesAndExpertsAreFoundWithFreeSlots) {
  WorkflowPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  // An attending physician with 3 years, a recent grade-2 accident, no approval or training.
  std::string junior = practitionerRole("junior", "tertiary", "physician", "attending-physician",
                                        "2023-06-01", "03");
  junior.insert(
      junior.find("\"extension\":[") + 13,
      R"({"url":"urn:medbridge:extension:expert-pool","valueBoolean":true},)"
      R"({"url":"urn:medbridge:extension:medical-accident","extension":[{"url":"grade","valueInteger":2},{"url":"date","valueDate":"2025-03-01"}]},)");
  auto refused = p.put("PractitionerRole/junior", junior);
  ASSERT_EQ(refused.status, 422);
  EXPECT_EQ(issues(refused.body),
            (std::vector<std::string>{
                "the expert pool takes deputy-senior titles or above (副高及以上)",
                "the expert pool takes physicians with at least 5 years of practice in the "
                "specialty (3)",
                "a grade-2 medical accident on 2025-03-01 keeps the physician out of the expert "
                "pool for 3 years",
                "the employer's approval (extension employer-approved) is missing",
                "telemedicine training (extension telemedicine-trained) is missing"}));
  // Two pool members in internal medicine, one in surgery; one has free slots tomorrow.
  for (auto [id, title, scope] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"chief", "chief-physician", "03"},
           {"deputy", "deputy-chief-physician", "03"},
           {"surgeon", "chief-physician", "04"}}) {
    std::string role = practitionerRole(id, "tertiary", "expert", title, "2010-01-01", scope);
    role.insert(role.find("\"extension\":[") + 13, kPoolMember);
    role.insert(role.find("\"organization\""),
                R"("practitioner":{"display":")" +
                    std::string(id == "deputy" ? "王医生" : "李医生") + "\"},");
    auto r = p.put("PractitionerRole/" + id, role);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  ASSERT_EQ(
      p.put(
           "Schedule/s-deputy",
           R"({"resourceType":"Schedule","id":"s-deputy","actor":[{"reference":"PractitionerRole/deputy"}]})")
          .status,
      201);
  for (auto [id, start, status] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"slot1", "2026-11-25T02:00:00Z", "free"},
           {"slot2", "2026-11-25T02:20:00Z", "busy"},
           {"slot3", "2026-11-26T02:00:00Z", "free"}})
    ASSERT_EQ(
        p.put("Slot/" + id, R"({"resourceType":"Slot","id":")" + id +
                                R"(","schedule":{"reference":"Schedule/s-deputy"},"status":")" +
                                status + R"(","start":")" + start + R"(","end":")" +
                                start.substr(0, 14) + "40:00Z\"}")
            .status,
        201);
  auto find = [&](const std::string& query) {
    auto r = httpRequest(p.gateway().httpPort(), "GET",
                         "/fhir/PractitionerRole/$find-experts?" + query, "", kFhirJson);
    EXPECT_EQ(r.status, 200) << r.body;
    p.received().add(r.body);
    std::vector<std::string> ids;
    auto d = parsed(r.body);
    for (const auto& e : d["entry"].GetArray()) ids.push_back(field(e["resource"], "id"));
    return ids;
  };
  EXPECT_EQ(find("department=03.01"), (std::vector<std::string>{"chief", "deputy"}));
  EXPECT_EQ(find("department=03&title=chief-physician"), std::vector<std::string>{"chief"});
  EXPECT_EQ(find("name=%E7%8E%8B"), std::vector<std::string>{"deputy"});  // 王
  EXPECT_EQ(find("department=03&start=2026-11-25T00:00:00Z&end=2026-11-26T00:00:00Z"),
            (std::vector<std::string>{"deputy", "slot1"}));
  EXPECT_EQ(find("department=04&start=2026-11-25T00:00:00Z&end=2026-11-26T00:00:00Z"),
            std::vector<std::string>{});
  EXPECT_EQ(find("pool=false&department=03&organization=Organization/county"),
            (std::vector<std::string>{"doc", "head", "office"}));
  EXPECT_EQ(httpRequest(p.gateway().httpPort(), "GET",
                        "/fhir/PractitionerRole/$find-experts?title=professor")
                .status,
            400);
  EXPECT_EQ(p.received().schemaProblems(), "");
}

TEST(ConsultationWorkflow, TheExpertsSignatureIsVerifiedAndATamperedReportRefused) {
  TempDir keys;
  ASSERT_EQ(runCommand({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", keys.file("expert.key")})
                .exitCode,
            0);
  ASSERT_EQ(runCommand({"openssl", "pkey", "-in", keys.file("expert.key"), "-pubout", "-out",
                        keys.file("expert.pub")})
                .exitCode,
            0);
  WorkflowPlatform p({"workflow.signingKeys.expert=" + keys.file("expert.key"),
                      "workflow.expertKeys.expert=" + keys.file("expert.pub"),
                      "workflow.requireSignedReport=true"});
  const std::string report =
      R"({"resourceType":"DiagnosticReport","id":"r1","status":"final","code":{"text":"远程会诊报告"},"subject":{"reference":"Patient/p1"},"conclusion":"建议继续抗感染治疗"})";
  auto pdf = [](const std::string& base64) {
    return R"({"resourceType":"DocumentReference","id":"pdf1","status":"current","subject":{"reference":"Patient/p1"},"content":[{"attachment":{"contentType":"application/pdf","data":")" +
           base64 + R"(","title":"远程会诊报告单"}}]})";
  };
  ASSERT_EQ(
      p.put("DocumentReference/pdf1", pdf("JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDw+PgplbmRvYmoK"))
          .status,
      201);
  ASSERT_EQ(p.put("Appointment/a1", appointment("a1", "2026-11-24T06:00:00Z")).status, 201);
  p.setClock("2026-11-24T01:00:00Z");
  p.submit("sig", "regular");
  ASSERT_EQ(p.move("sig", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_EQ(p.operation("sig", "accept", {{"actor", "PractitionerRole/desk"}}).status, 200);
  ASSERT_EQ(p.operation("sig", "assign",
                        {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}})
                .status,
            200);
  ASSERT_EQ(p.operation("sig", "schedule",
                        {{"actor", "PractitionerRole/expert"}, {"appointment", "Appointment/a1"}})
                .status,
            200);
  ASSERT_EQ(p.operation("sig", "start", {{"actor", "PractitionerRole/expert"}}).status, 200);
  auto complete = [&] {
    return p.operation("sig", "complete",
                       {{"actor", "PractitionerRole/expert"}, {"report", "DiagnosticReport/r1"}});
  };
  auto unsignedReport = complete();
  EXPECT_EQ(unsignedReport.status, 422);
  EXPECT_EQ(firstIssue(unsignedReport.body),
            "the report is not signed (DiagnosticReport/{id}/$sign) @ Task.output");

  auto sign = [&](const std::string& signer) {
    return httpRequest(
        p.gateway().httpPort(), "POST", "/fhir/DiagnosticReport/r1/$sign",
        R"({"resourceType":"Parameters","parameter":[{"name":"signer","valueReference":{"reference":")" +
            signer +
            R"("}},{"name":"document","valueReference":{"reference":"DocumentReference/pdf1"}}]})",
        kFhirJson);
  };
  auto noKey = sign("PractitionerRole/desk");
  EXPECT_EQ(noKey.status, 422);
  EXPECT_EQ(firstIssue(noKey.body),
            "no signing key for PractitionerRole/desk here (workflow.signingKeys)");
  auto signedByExpert = sign("PractitionerRole/expert");
  ASSERT_EQ(signedByExpert.status, 201) << signedByExpert.body;
  p.received().add(signedByExpert.body);
  auto provenance = parsed(signedByExpert.body);
  EXPECT_EQ(field(provenance["signature"][0], "sigFormat"), "application/jose");
  EXPECT_EQ(field(provenance["signature"][0]["who"], "reference"), "PractitionerRole/expert");
  auto verify = [&] {
    return httpRequest(p.gateway().httpPort(), "GET",
                       "/fhir/DiagnosticReport/r1/$verify-signature");
  };
  EXPECT_EQ(verify().status, 200);

  // The conclusion changed after signing: refused, until it is as signed again.
  std::string changed = report;
  changed.replace(changed.find("继续"), 6, "停止");
  ASSERT_EQ(p.put("DiagnosticReport/r1", changed).status, 200);
  auto tampered = verify();
  EXPECT_EQ(tampered.status, 422);
  EXPECT_EQ(firstIssue(tampered.body),
            "the report's signature fails: the report was changed after it was signed");
  auto refused = complete();
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(
      firstIssue(refused.body),
      "the report's signature fails: the report was changed after it was signed @ Task.output");
  ASSERT_EQ(p.put("DiagnosticReport/r1", report).status, 200);
  auto completed = complete();
  ASSERT_EQ(completed.status, 200) << completed.body;
  // The PDF replaced after signing.
  ASSERT_EQ(
      p.put("DocumentReference/pdf1", pdf("JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDw+PgplbmRvYmoK"))
          .status,
      200);
  EXPECT_EQ(firstIssue(verify().body),
            "the report's signature fails: the signed PDF was changed after it was signed");

  // The whole case as one document Bundle, for archiving.
  auto exported =
      httpRequest(p.gateway().httpPort(), "GET", "/fhir/Task/sig/$export-case", "", kFhirJson);
  ASSERT_EQ(exported.status, 200) << exported.body;
  p.received().add(exported.body);
  auto bundle = parsed(exported.body);
  EXPECT_EQ(field(bundle, "type"), "document");
  std::vector<std::string> contents;
  for (const auto& e : bundle["entry"].GetArray())
    if (field(e["resource"], "resourceType") != "AuditEvent")
      contents.push_back(field(e["resource"], "resourceType") + "/" + field(e["resource"], "id"));
  EXPECT_EQ(contents, (std::vector<std::string>{
                          "Composition/case-sig", "Task/sig", "ServiceRequest/regular",
                          "Patient/p1", "Organization/county", "Organization/tertiary",
                          "PractitionerRole/expert", "PractitionerRole/doc", "DocumentReference/d1",
                          "Consent/consent1", "Appointment/a1", "DiagnosticReport/r1",
                          "Provenance/" + field(provenance, "id"), "DocumentReference/pdf1"}));
  std::size_t audits = 0;
  for (const auto& e : bundle["entry"].GetArray())
    audits += field(e["resource"], "resourceType") == "AuditEvent";
  EXPECT_EQ(audits, 11u);  // one per transition: drafted … reported
  const auto& sections = bundle["entry"][0]["resource"]["section"];
  EXPECT_EQ(sections.Size(), 6u);
  EXPECT_EQ(p.received().schemaProblems(), "");
}

// The walkthrough's sample data (docs/consultation-workflow.md) loads as the docs say.
TEST(ConsultationWorkflow, TheWalkthroughsSampleDataLoads) {
  TempDir dir;
  GatewayProcess platform(dir.path(), {"profile=platform", "testing.controlledClock=true"});
  platform.start();
  auto loaded =
      httpRequest(platform.httpPort(), "POST", "/fhir",
                  readFile(sourceDir() + "/samples/consultation/reference-data.json"), kFhirJson);
  EXPECT_EQ(loaded.status, 200) << loaded.body;
  auto drafted =
      httpRequest(platform.httpPort(), "PUT", "/fhir/Task/c1",
                  readFile(sourceDir() + "/samples/consultation/task-draft.json"), kFhirJson);
  EXPECT_EQ(drafted.status, 201) << drafted.body;
}

}  // namespace
}  // namespace medbridge::testing
