// The two-way referral workflow on the platform, over real HTTP: the rules checked on submit
// (agreement, consent, indication, a prior consultation for an upward referral unless an
// emergency, a stable patient, care plan and results for a downward one), both sides confirming
// before the patient moves, and the markers the receiving side's HIS acts on.
#include <gtest/gtest.h>

#include "gateway/core/Hash.h"
#include "tests/integration/ReferralSupport.h"

namespace medbridge::testing {
namespace {

// Every issue's diagnostics, one per line.
std::string issues(const std::string& body) {
  auto d = parsed(body);
  std::string out;
  if (field(d, "resourceType") != "OperationOutcome") return "not an OperationOutcome: " + body;
  for (const auto& i : d["issue"].GetArray()) out += field(i, "diagnostics") + "\n";
  return out;
}

// The platform, with the two hospitals' gateways configured (not running: what is routed to them
// stays queued).
struct ReferralPlatform : WorkflowPlatform {
  ReferralPlatform()
      : WorkflowPlatform({"platform.hospitals.county.urls=http://127.0.0.1:9/regional/inbound",
                          "platform.hospitals.tertiary.urls=http://127.0.0.1:9/regional/inbound"}) {
    EXPECT_EQ(
        put("OrganizationAffiliation/agreement1", agreement("agreement1", "tertiary", "county"))
            .status,
        201);
    EXPECT_EQ(put("Appointment/a1", appointment("a1", "2026-11-25T02:00:00Z")).status, 201);
  }
};

const std::string kConsent = R"(,"supportingInfo":[{"reference":"Consent/consent1"}])";

TEST(ReferralWorkflow, AnUpwardReferralFollowsACompletedConsultationUnlessItIsAnEmergency) {
  ReferralPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  // No consultation named: refused, every problem listed.
  ASSERT_EQ(
      p.put("ServiceRequest/up1", referralRequest("up1", "upward", "undiagnosed-after-consultation",
                                                  "tertiary", kConsent))
          .status,
      201);
  auto refused = p.put("Task/u1", referralTask("u1", "up1"));
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(issues(refused.body),
            "an upward referral follows a completed remote consultation of the patient within 30 "
            "days, its application named in ServiceRequest.basedOn (or is an emergency: "
            "Task.priority stat)\n");
  EXPECT_EQ(p.gateway().log().find("Task/u1"), std::string::npos);
  EXPECT_EQ(httpGet(p.gateway().httpPort(), "/fhir/Task/u1").first, 404);

  // An emergency goes without one.
  auto emergency = p.put("Task/u2", referralTask("u2", "up1", "tertiary", R"(,"priority":"stat")"));
  ASSERT_EQ(emergency.status, 201) << emergency.body;
  EXPECT_EQ(p.state("u2"), "requested/submitted");

  // A consultation still open does not count; once completed it does.
  p.submit("c1", "regular");
  // The consultation is named by its application (c1's focus), as R4's basedOn allows.
  std::string basedOn = R"(,"basedOn":[{"reference":"ServiceRequest/regular"}])";
  ASSERT_EQ(p.put("ServiceRequest/up2", referralRequest("up2", "upward", "treatment-ineffective",
                                                        "tertiary", basedOn + kConsent))
                .status,
            201);
  auto open = p.put("Task/u3", referralTask("u3", "up2"));
  EXPECT_EQ(open.status, 422);
  EXPECT_EQ(issues(open.body),
            "an upward referral follows a completed remote consultation of the patient within 30 "
            "days, its application named in ServiceRequest.basedOn (or is an emergency: "
            "Task.priority stat); "
            "Task/c1 is requested, not completed\n");
  ASSERT_EQ(p.move("c1", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_EQ(p.operation("c1", "accept", {{"actor", "PractitionerRole/desk"}}).status, 200);
  ASSERT_EQ(p.operation("c1", "assign",
                        {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}})
                .status,
            200);
  ASSERT_EQ(p.operation("c1", "schedule",
                        {{"actor", "PractitionerRole/expert"}, {"appointment", "Appointment/a1"}})
                .status,
            200);
  p.setClock("2026-11-25T02:00:00Z");
  ASSERT_EQ(p.operation("c1", "start", {{"actor", "PractitionerRole/expert"}}).status, 200);
  ASSERT_EQ(p.operation("c1", "complete",
                        {{"actor", "PractitionerRole/expert"}, {"report", "DiagnosticReport/r1"}})
                .status,
            200);
  auto after = p.put("Task/u3", referralTask("u3", "up2"));
  ASSERT_EQ(after.status, 201) << after.body;

  // The HIS names the consultation by its own order number (REF^I12 RF1-11).
  std::string numbered = serviceRequest("regular", "regular");
  numbered.insert(numbered.find(R"("status")"),
                  R"("identifier":[{"system":"urn:medbridge:aa:ZJYY-ORDERS","value":"ZX-1"}],)");
  ASSERT_EQ(p.put("ServiceRequest/regular", numbered).status, 200);
  for (const auto& [sr, number] :
       std::vector<std::pair<std::string, std::string>>{{"up3", "ZX-1"}, {"up4", "ZX-404"}}) {
    std::string basedOn =
        R"(,"basedOn":[{"identifier":{"system":"urn:medbridge:aa:ZJYY-ORDERS","value":")" + number +
        R"("}}])";
    ASSERT_EQ(p.put("ServiceRequest/" + sr, referralRequest(sr, "upward", "treatment-ineffective",
                                                            "tertiary", basedOn + kConsent))
                  .status,
              201);
  }
  auto byNumber = p.put("Task/u5", referralTask("u5", "up3"));
  EXPECT_EQ(byNumber.status, 201) << byNumber.body;
  auto unknown = p.put("Task/u6", referralTask("u6", "up4"));
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(issues(unknown.body),
            "an upward referral follows a completed remote consultation of the patient within 30 "
            "days, its application named in ServiceRequest.basedOn (or is an emergency: "
            "Task.priority stat); no consultation known here is ZX-404\n");

  // 31 days later the same consultation is too old.
  p.setClock("2026-12-26T03:00:00Z");
  auto late = p.put("Task/u4", referralTask("u4", "up2"));
  EXPECT_EQ(late.status, 422);
  EXPECT_EQ(issues(late.body),
            "an upward referral follows a completed remote consultation of the patient within 30 "
            "days, its application named in ServiceRequest.basedOn (or is an emergency: "
            "Task.priority stat); "
            "Task/c1 ended before the last 30 days\n");
  EXPECT_EQ(p.received().schemaProblems(), "");
}

TEST(ReferralWorkflow, BothSidesConfirmBeforeThePatientMovesAndTheReceiverSeesTheMarkers) {
  ReferralPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  ASSERT_EQ(p.put("ServiceRequest/up1",
                  referralRequest("up1", "upward", "severe-trauma-poisoning-critical", "tertiary",
                                  kConsent))
                .status,
            201);
  ASSERT_EQ(p.put("Task/r1", referralTask("r1", "up1", "tertiary", R"(,"priority":"stat")")).status,
            201);
  ASSERT_EQ(p.move("r1", "received", "received", "PractitionerRole/desk").status, 200);
  auto accepted = p.operation("r1", "accept", {{"actor", "PractitionerRole/desk"}});
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  // The patient does not leave before the sender has acknowledged the acceptance.
  auto early = p.operation("r1", "start", {{"actor", "PractitionerRole/doc"}});
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(firstIssue(early.body),
            "a referral Task cannot move from accepted/accepted to in-progress/in-transit @ "
            "Task.status");
  // Only the sending side acknowledges.
  auto wrongSide = p.operation("r1", "acknowledge", {{"actor", "PractitionerRole/desk"}});
  EXPECT_EQ(wrongSide.status, 409);
  EXPECT_EQ(
      firstIssue(wrongSide.body),
      "moving from accepted/accepted to accepted/acknowledged is not for invited-department @ "
      "Task.status");
  ASSERT_EQ(p.operation("r1", "acknowledge", {{"actor", "PractitionerRole/doc"}}).status, 200);
  ASSERT_EQ(p.operation("r1", "start", {{"actor", "PractitionerRole/doc"}}).status, 200);
  EXPECT_EQ(p.state("r1"), "in-progress/in-transit");
  // The receiving side admits the patient; the sender cannot.
  EXPECT_EQ(p.operation("r1", "complete", {{"actor", "PractitionerRole/doc"}}).status, 409);
  ASSERT_EQ(p.operation("r1", "complete", {{"actor", "PractitionerRole/desk"}}).status, 200);
  EXPECT_EQ(p.state("r1"), "completed/admitted");

  auto task = p.read("Task/r1");
  std::map<std::string, bool> markers;
  for (const auto& e : task["extension"].GetArray())
    if (e.HasMember("valueBoolean")) markers[field(e, "url")] = e["valueBoolean"].GetBool();
  EXPECT_EQ(markers, (std::map<std::string, bool>{
                         {"urn:medbridge:extension:referral-priority", true},
                         {"urn:medbridge:extension:registration-fee-waived", true}}));
  EXPECT_EQ(field(task["owner"], "reference"), "Organization/tertiary");
  auto audits =
      sqliteQuery(p.gateway().dbPath(),
                  "SELECT json_extract(json, '$.outcomeDesc') FROM resource_versions WHERE "
                  "type = 'AuditEvent' ORDER BY seq");
  std::vector<std::string> moves;
  for (const auto& row : audits) moves.push_back(row[0]);
  EXPECT_EQ(moves, (std::vector<std::string>{"- -> requested/submitted",
                                             "requested/submitted -> received/received",
                                             "received/received -> accepted/accepted",
                                             "accepted/accepted -> accepted/acknowledged",
                                             "accepted/acknowledged -> in-progress/in-transit",
                                             "in-progress/in-transit -> completed/admitted"}));
  // A consultation operation that is not a referral's, and a Task that changes its kind.
  EXPECT_EQ(p.operation("r1", "assign",
                        {{"actor", "PractitionerRole/desk"}, {"expert", "PractitionerRole/expert"}})
                .status,
            409);
  auto asConsultation = p.put("Task/r1", newTask("r1", "regular"));
  EXPECT_EQ(asConsultation.status, 409);
  EXPECT_EQ(firstIssue(asConsultation.body),
            "Task.code cannot change (a consultation stays a consultation, a referral a "
            "referral) @ Task.code");
  EXPECT_EQ(p.received().schemaProblems(), "");
}

TEST(ReferralWorkflow, AnUnstablePatientIsNotTransferred) {
  ReferralPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  std::string flag =
      R"({"resourceType":"Flag","id":"f1","status":"active","code":{"coding":[{"system":"urn:medbridge:codesystem:patient-flag","code":"unstable"}]},"subject":{"reference":"Patient/p1"}})";
  ASSERT_EQ(p.put("Flag/f1", flag).status, 201);
  ASSERT_EQ(p.put("ServiceRequest/up1",
                  referralRequest("up1", "upward", "complex-high-risk", "tertiary", kConsent))
                .status,
            201);
  auto refused = p.put("Task/r1", referralTask("r1", "up1", "tertiary", R"(,"priority":"stat")"));
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(issues(refused.body),
            "the patient's vital signs are not stable (Flag/f1): an unstable patient is not "
            "transferred — treat locally and request a remote consultation\n");
  // Once stable (the flag inactive) the referral goes.
  std::string inactive = flag;
  inactive.replace(inactive.find("\"active\""), 8, "\"inactive\"");
  ASSERT_EQ(p.put("Flag/f1", inactive).status, 200);
  EXPECT_EQ(p.put("Task/r1", referralTask("r1", "up1", "tertiary", R"(,"priority":"stat")")).status,
            201);
}

TEST(ReferralWorkflow, ADownwardReferralCarriesItsCarePlanAndResultsUnderAnAgreement) {
  ReferralPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  // Down from the tertiary hospital: no care plan, no results, an upward indication.
  ASSERT_EQ(p.put("ServiceRequest/down1",
                  referralRequest("down1", "downward", "treatment-ineffective", "county", kConsent))
                .status,
            201);
  auto incomplete = p.put(
      "Task/d1", referralTask("d1", "down1", "county", "", "tertiary", "PractitionerRole/expert"));
  EXPECT_EQ(incomplete.status, 422);
  EXPECT_EQ(
      issues(incomplete.body),
      "'treatment-ineffective' is an indication for referring upward, and this referral is "
      "downward\n"
      "a downward referral carries the follow-up treatment plan and rehabilitation guidance (a "
      "CarePlan in ServiceRequest.supportingInfo)\n"
      "a downward referral carries the patient's results (DiagnosticReport or ImagingStudy in "
      "ServiceRequest.supportingInfo)\n");
  ASSERT_EQ(
      p.put(
           "CarePlan/plan1",
           R"({"resourceType":"CarePlan","id":"plan1","status":"active","intent":"plan","subject":{"reference":"Patient/p1"},"title":"康复指导","description":"出院后每周随访一次，康复训练"})")
          .status,
      201);
  std::string complete =
      R"(,"supportingInfo":[{"reference":"Consent/consent1"},{"reference":"CarePlan/plan1"},{"reference":"DiagnosticReport/r1"}])";
  ASSERT_EQ(
      p.put("ServiceRequest/down2",
            referralRequest("down2", "downward", "rehabilitation-follow-up", "county", complete))
          .status,
      201);
  auto sent = p.put(
      "Task/d2", referralTask("d2", "down2", "county", "", "tertiary", "PractitionerRole/expert"));
  ASSERT_EQ(sent.status, 201) << sent.body;
  // Without an agreement (the far-away hospital) and without consent: refused.
  ASSERT_EQ(
      p.put(
           "ServiceRequest/down3",
           referralRequest(
               "down3", "downward", "rehabilitation-follow-up", "faraway",
               R"(,"supportingInfo":[{"reference":"CarePlan/plan1"},{"reference":"DiagnosticReport/r1"}])"))
          .status,
      201);
  auto noAgreement = p.put(
      "Task/d3", referralTask("d3", "down3", "faraway", "", "tertiary", "PractitionerRole/expert"));
  EXPECT_EQ(noAgreement.status, 422);
  EXPECT_EQ(issues(noAgreement.body),
            "there is no active referral agreement between Organization/tertiary and "
            "Organization/faraway (an OrganizationAffiliation coded referral-agreement)\n"
            "the referral consent signed by the patient, a guardian or a close relative (an "
            "active Consent for the patient in ServiceRequest.supportingInfo) is missing\n");
  EXPECT_EQ(p.received().schemaProblems(), "");
}

// The register: every transfer out and in of an institution in a period, as CSV and as a List in
// a Bundle with its Tasks.
TEST(ReferralWorkflow, TheRegisterListsAnInstitutionsTransfersOutAndIn) {
  ReferralPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  ASSERT_EQ(p.put("Patient/p1",
                  R"({"resourceType":"Patient","id":"p1","name":[{"family":"张","given":["三"]}]})")
                .status,
            200);
  ASSERT_EQ(p.put("ServiceRequest/up1",
                  referralRequest("up1", "upward", "severe-trauma-poisoning-critical", "tertiary",
                                  kConsent))
                .status,
            201);
  ASSERT_EQ(p.put("Task/r1", referralTask("r1", "up1", "tertiary", R"(,"priority":"stat")")).status,
            201);
  ASSERT_EQ(p.move("r1", "received", "received", "PractitionerRole/desk").status, 200);
  ASSERT_EQ(p.operation("r1", "reject",
                        {{"actor", "PractitionerRole/desk"}, {"reason", "no-bed-available"}})
                .status,
            200);
  p.setClock("2026-11-25T01:00:00Z");
  ASSERT_EQ(p.put("Task/r2", referralTask("r2", "up1", "tertiary", R"(,"priority":"stat")")).status,
            201);
  ASSERT_EQ(
      p.put(
           "CarePlan/plan1",
           R"({"resourceType":"CarePlan","id":"plan1","status":"active","intent":"plan","subject":{"reference":"Patient/p1"}})")
          .status,
      201);
  ASSERT_EQ(
      p.put(
           "ServiceRequest/down1",
           referralRequest(
               "down1", "downward", "stable-long-term-management", "county",
               R"(,"supportingInfo":[{"reference":"Consent/consent1"},{"reference":"CarePlan/plan1"},{"reference":"DiagnosticReport/r1"}])"))
          .status,
      201);
  ASSERT_EQ(p.put("Task/r3",
                  referralTask("r3", "down1", "county", "", "tertiary", "PractitionerRole/expert"))
                .status,
            201);
  // Next month: outside the period asked for.
  p.setClock("2026-12-02T01:00:00Z");
  ASSERT_EQ(p.put("Task/r4", referralTask("r4", "up1", "tertiary", R"(,"priority":"stat")")).status,
            201);

  std::string query =
      "/fhir/Task/$referral-register?organization=Organization/county&start=2026-11-01&end=2026-"
      "11-30";
  auto csv = httpRequest(p.gateway().httpPort(), "GET", query + "&_format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  std::vector<std::string> lines;
  for (std::size_t at = 0, next; at < csv.body.size(); at = next + 2) {
    next = csv.body.find("\r\n", at);
    lines.push_back(csv.body.substr(at, next - at));
  }
  ASSERT_EQ(lines.size(), 4u) << csv.body;
  EXPECT_EQ(lines[0],
            "authored,entry,direction,task,patient,patient_name,sending,sending_name,receiving,"
            "receiving_name,indications,state,emergency");
  std::vector<std::string> rest;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].substr(0, 11), i < 2 ? "2026-11-24T" : "2026-11-25T") << lines[i];
    rest.push_back(lines[i].substr(lines[i].find(',') + 1));
  }
  EXPECT_EQ(rest, (std::vector<std::string>{
                      "out,upward,Task/r1,Patient/p1,张三,Organization/county,county hospital,"
                      "Organization/tertiary,tertiary hospital,severe-trauma-poisoning-critical,"
                      "rejected/refused,yes",
                      "out,upward,Task/r2,Patient/p1,张三,Organization/county,county hospital,"
                      "Organization/tertiary,tertiary hospital,severe-trauma-poisoning-critical,"
                      "requested/submitted,yes",
                      "in,downward,Task/r3,Patient/p1,张三,Organization/tertiary,tertiary hospital,"
                      "Organization/county,county hospital,stable-long-term-management,"
                      "requested/submitted,no"}));

  auto bundle = httpRequest(p.gateway().httpPort(), "GET", query, "", kFhirJson);
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  p.received().add(bundle.body);
  auto d = parsed(bundle.body);
  EXPECT_EQ(field(d, "type"), "collection");
  ASSERT_EQ(d["entry"].Size(), 4u);
  const auto& list = d["entry"][0]["resource"];
  EXPECT_EQ(field(list, "resourceType"), "List");
  std::vector<std::string> items;
  for (const auto& e : list["entry"].GetArray())
    items.push_back(field(e["flag"]["coding"][0], "code") + " " + field(e["item"], "reference"));
  EXPECT_EQ(items, (std::vector<std::string>{"out Task/r1", "out Task/r2", "in Task/r3"}));
  EXPECT_EQ(field(d["entry"][3]["resource"], "id"), "r3");
  // The tertiary hospital's register for December holds r4 only, as received.
  auto december = parsed(httpRequest(p.gateway().httpPort(), "GET",
                                     "/fhir/Task/$referral-register?organization=Organization/"
                                     "tertiary&start=2026-12-01&end=2026-12-31",
                                     "", kFhirJson)
                             .body);
  ASSERT_EQ(december["entry"].Size(), 2u);
  EXPECT_EQ(field(december["entry"][0]["resource"]["entry"][0]["flag"]["coding"][0], "code"), "in");
  EXPECT_EQ(field(december["entry"][1]["resource"], "id"), "r4");
  auto bad = httpRequest(p.gateway().httpPort(), "GET",
                         "/fhir/Task/$referral-register?organization=Organization/county");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(firstIssue(bad.body),
            "$referral-register needs start and end dates (YYYY-MM-DD, start <= end)");
  EXPECT_EQ(p.received().schemaProblems(), "");
}

// The referral form: stored on submit as a DocumentReference queued for both institutions, and
// rendered on demand; a real HTML parser (libxml2's xmllint) reads the patient, the
// institutions, the reason and the signatures block from it.
TEST(ReferralWorkflow, TheReferralFormIsAPrintableChinesePage) {
  ReferralPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  ASSERT_EQ(
      p.put(
           "Patient/p1",
           R"({"resourceType":"Patient","id":"p1","name":[{"family":"张","given":["三"]}],"gender":"male","birthDate":"1949-12-31","identifier":[{"system":"urn:oid:2.16.156.10011.1.3","value":"11010519491231002X"}]})")
          .status,
      200);
  ASSERT_EQ(p.put("ServiceRequest/up1",
                  referralRequest("up1", "upward", "severe-trauma-poisoning-critical", "tertiary",
                                  R"(,"note":[{"text":"车祸伤 <多发骨折> & 休克"}])" + kConsent))
                .status,
            201);
  ASSERT_EQ(p.put("Task/r1", referralTask("r1", "up1", "tertiary", R"(,"priority":"stat")")).status,
            201);
  auto document = p.read("DocumentReference/referral-form-r1");
  EXPECT_EQ(field(document["context"]["related"][0], "reference"), "Task/r1");
  const auto& attachment = document["content"][0]["attachment"];
  EXPECT_EQ(field(attachment, "contentType"), "text/html; charset=utf-8");
  std::string html = core::unbase64(field(attachment, "data"));
  EXPECT_EQ(integer(attachment["size"]), static_cast<std::int64_t>(html.size()));
  TempDir dir;
  writeFile(dir.file("form.html"), html);
  auto xpath = [&](const std::string& expression) {
    auto r = runCommand({"xmllint", "--html", "--xpath", expression, dir.file("form.html")});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return r.out.substr(0, r.out.find_last_not_of('\n') + 1);
  };
  auto parsedPage = runCommand({"xmllint", "--html", "--noout", dir.file("form.html")});
  EXPECT_EQ(parsedPage.exitCode, 0);
  EXPECT_EQ(parsedPage.err, "");  // well-formed: no parser complaints
  EXPECT_EQ(xpath("string(//h1)"), "双向转诊单（上转）");
  auto cell = [&](const std::string& heading) {
    return xpath("normalize-space(//table[@class='referral']//th[.='" + heading +
                 "']/following-sibling::td[1])");
  };
  EXPECT_EQ(cell("患者姓名"), "张三");
  EXPECT_EQ(cell("性别"), "男");
  EXPECT_EQ(cell("身份证号"), "11010519491231002X");
  EXPECT_EQ(cell("转出机构"), "county hospital（三级甲等）");
  EXPECT_EQ(cell("转入机构"), "tertiary hospital（三级甲等）");
  EXPECT_EQ(cell("转诊类型"), "上转");
  EXPECT_EQ(cell("紧急程度"), "急诊");
  EXPECT_EQ(cell("转诊原因"), "严重创伤、中毒或危重病人本机构无法救治车祸伤 <多发骨折> & 休克");
  EXPECT_EQ(cell("随转资料"), "Consent/consent1");
  EXPECT_EQ(xpath("count(//div[@class='signatures']//th)"), "6");
  EXPECT_EQ(xpath("string(//div[@class='signatures']//tr[1]/th[1])"), "转出医师签名");
  // Queued for both institutions' gateways (which are not running here).
  auto queued = sqliteQuery(p.gateway().dbPath(),
                            "SELECT destination FROM deliveries WHERE resource_type = "
                            "'DocumentReference' AND resource_id = 'referral-form-r1' ORDER BY "
                            "destination");
  EXPECT_EQ(queued, (std::vector<std::vector<std::string>>{{"county"}, {"tertiary"}}));
  // Rendered on demand, as the Task and its parts read now.
  auto page = httpRequest(p.gateway().httpPort(), "GET", "/fhir/Task/r1/$referral-form");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body, html);
  EXPECT_EQ(httpRequest(p.gateway().httpPort(), "GET", "/fhir/Task/nope/$referral-form").status,
            404);
  EXPECT_EQ(p.received().schemaProblems(), "");
}

// The results a referral shares: marked recognised when the receiving institution is of the
// performing one's tier (by default), stored as a List queued for both institutions and listed
// by $shared-results.
TEST(ReferralWorkflow, SharedResultsAreRecognisedAtTheSameLevelAndListed) {
  ReferralPlatform p;
  p.setClock("2026-11-24T01:00:00Z");
  // The county hospital is secondary grade A; another secondary hospital made one result.
  ASSERT_EQ(p.put("Organization/county", organization("county", "330521", "2A")).status, 200);
  ASSERT_EQ(p.put("Organization/district", organization("district", "330106", "2B")).status, 201);
  ASSERT_EQ(
      p.put(
           "DiagnosticReport/ct",
           R"({"resourceType":"DiagnosticReport","id":"ct","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"24627-2"}]},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2026-11-20","performer":[{"reference":"Organization/district"}]})")
          .status,
      201);
  ASSERT_EQ(
      p.put(
           "CarePlan/plan1",
           R"({"resourceType":"CarePlan","id":"plan1","status":"active","intent":"plan","subject":{"reference":"Patient/p1"}})")
          .status,
      201);
  // r1: made at the tertiary hospital (no performer: the sender).
  ASSERT_EQ(
      p.put(
           "ServiceRequest/down1",
           referralRequest(
               "down1", "downward", "rehabilitation-follow-up", "county",
               R"(,"supportingInfo":[{"reference":"Consent/consent1"},{"reference":"CarePlan/plan1"},{"reference":"DiagnosticReport/r1"},{"reference":"DiagnosticReport/ct"}])"))
          .status,
      201);
  auto before = httpRequest(p.gateway().httpPort(), "GET", "/fhir/Task/d1/$shared-results");
  EXPECT_EQ(before.status, 404);
  ASSERT_EQ(p.put("Task/d1",
                  referralTask("d1", "down1", "county", "", "tertiary", "PractitionerRole/expert"))
                .status,
            201);
  auto list = p.read("List/shared-results-d1");
  EXPECT_EQ(field(list["subject"], "reference"), "Patient/p1");
  std::vector<std::string> flags;
  for (const auto& e : list["entry"].GetArray())
    flags.push_back(field(e["item"], "reference") + " " + field(e["flag"]["coding"][0], "code"));
  EXPECT_EQ(flags, (std::vector<std::string>{"DiagnosticReport/r1 not-recognised",
                                             "DiagnosticReport/ct recognised"}));
  auto queued = sqliteQuery(p.gateway().dbPath(),
                            "SELECT destination FROM deliveries WHERE resource_type = 'List' AND "
                            "resource_id = 'shared-results-d1' ORDER BY destination");
  EXPECT_EQ(queued, (std::vector<std::vector<std::string>>{{"county"}, {"tertiary"}}));
  auto listed =
      httpRequest(p.gateway().httpPort(), "GET", "/fhir/Task/d1/$shared-results", "", kFhirJson);
  ASSERT_EQ(listed.status, 200) << listed.body;
  p.received().add(listed.body);
  auto bundle = parsed(listed.body);
  std::vector<std::string> entries;
  for (const auto& e : bundle["entry"].GetArray())
    entries.push_back(field(e["resource"], "resourceType") + "/" + field(e["resource"], "id"));
  EXPECT_EQ(entries, (std::vector<std::string>{"List/shared-results-d1", "DiagnosticReport/r1",
                                               "DiagnosticReport/ct"}));
  EXPECT_EQ(p.received().schemaProblems(), "");
}

}  // namespace
}  // namespace medbridge::testing
