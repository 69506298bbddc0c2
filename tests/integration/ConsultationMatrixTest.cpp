// The full transition matrix over real HTTP: for a Task in every reachable state, every
// (target state, acting party) that the transition table (mappings/tables/
// consultation-transitions.json) does not allow is refused with 409 and an OperationOutcome, and
// leaves the Task as it was.
#include <gtest/gtest.h>

#include "gateway/workflow/ActorRoles.h"
#include "gateway/workflow/TransitionTable.h"
#include "tests/integration/ConsultationSupport.h"

namespace medbridge::testing {
namespace {

struct Party {
  std::string reference, organization, function;
};

const std::vector<Party> kParties = {
    {"PractitionerRole/doc", "Organization/county", "physician"},
    {"PractitionerRole/head", "Organization/county", "department-head"},
    {"PractitionerRole/office", "Organization/county", "medical-affairs"},
    {"PractitionerRole/desk", "Organization/tertiary", "medical-affairs"},
    {"PractitionerRole/expert", "Organization/tertiary", "physician"},
    {"PractitionerRole/stranger", "Organization/faraway", "physician"}};

// The moves that bring a new Task to each state: (status, businessStatus, actor, operation
// parameters or "" for a plain PUT).
struct Step {
  std::string status, business, actor;
};
const std::vector<Step> kMainLine = {
    {"draft", "department-head-signed", "PractitionerRole/head"},
    {"draft", "medical-affairs-approved", "PractitionerRole/office"},
    {"draft", "fee-paid", "PractitionerRole/office"},
    {"requested", "submitted", "PractitionerRole/doc"},
    {"received", "received", "PractitionerRole/desk"},
    {"on-hold", "material-requested", "PractitionerRole/desk"},
    {"received", "material-supplied", "PractitionerRole/doc"},
    {"accepted", "accepted", "PractitionerRole/desk"},
    {"accepted", "expert-assigned", "PractitionerRole/desk"},
    {"ready", "scheduled", "PractitionerRole/expert"},
    {"in-progress", "in-session", "PractitionerRole/expert"},
    {"in-progress", "session-ended", "PractitionerRole/expert"},
    {"completed", "reported", "PractitionerRole/expert"}};

void addReason(rapidjson::Document& t, const std::string& code) {
  rapidjson::Document reason;
  reason.Parse((R"({"coding":[{"system":"urn:medbridge:codesystem:workflow-reason","code":")" +
                code + "\"}]}")
                   .c_str());
  t.RemoveMember("statusReason");
  t.AddMember("statusReason", rapidjson::Value().CopyFrom(reason, t.GetAllocator()),
              t.GetAllocator());
}

// What each step needs besides the state.
void complete(rapidjson::Document& t, const std::string& business) {
  auto& a = t.GetAllocator();
  auto typed = [&](const char* list, const char* type, const char* reference) {
    rapidjson::Document e;
    e.Parse(
        (std::string(
             R"({"type":{"coding":[{"system":"urn:medbridge:codesystem:workflow-task-input","code":")") +
         type + R"("}]},"valueReference":{"reference":")" + reference + "\"}}")
            .c_str());
    if (!t.HasMember(list))
      t.AddMember(rapidjson::StringRef(list), rapidjson::Value(rapidjson::kArrayType), a);
    t[list].PushBack(rapidjson::Value().CopyFrom(e, a), a);
  };
  if (business == "material-requested") addReason(t, "incomplete-records");
  if (business == "refused") addReason(t, "not-indicated");
  if (business == "cancelled") addReason(t, "patient-withdrew");
  if (business == "expert-assigned") t["owner"]["reference"] = "PractitionerRole/expert";
  if (business == "scheduled") typed("input", "appointment", "Appointment/a1");
  if (business == "reported") typed("output", "report", "DiagnosticReport/r1");
}

TEST(ConsultationMatrix, EveryMoveOutsideTheTableIsAConflict) {
  WorkflowPlatform p;
  ASSERT_EQ(p.put("Appointment/a1", appointment("a1", "2026-11-30T02:00:00Z")).status, 201);
  p.setClock("2026-11-24T01:00:00Z");
  auto table = workflow::TransitionTable::consultation(
      {"department-head-signed", "medical-affairs-approved", "fee-paid"});

  // One Task per reachable state ("failed" is the platform's own move, out of reach here).
  std::map<std::string, std::string> taskIn;  // state -> Task id
  auto reach = [&](const std::string& id, const std::vector<Step>& steps) {
    ASSERT_EQ(p.put("Task/" + id, newTask(id, "regular")).status, 201);
    for (const auto& s : steps) {
      auto r = p.move(id, s.status, s.business, s.actor,
                      [&](rapidjson::Document& t) { complete(t, s.business); });
      ASSERT_EQ(r.status, 200) << id << " -> " << s.business << ": " << r.body;
    }
    taskIn[p.state(id)] = id;
  };
  for (std::size_t n = 0; n <= kMainLine.size(); ++n)
    reach("m" + std::to_string(n), std::vector<Step>(kMainLine.begin(), kMainLine.begin() + n));
  reach("refused", {kMainLine[0],
                    kMainLine[1],
                    kMainLine[2],
                    kMainLine[3],
                    kMainLine[4],
                    {"rejected", "refused", "PractitionerRole/desk"}});
  reach("cancelled", {kMainLine[0],
                      kMainLine[1],
                      kMainLine[2],
                      kMainLine[3],
                      {"cancelled", "cancelled", "PractitionerRole/doc"}});
  for (const auto& state : table.states()) {
    if (state != "-" && state != "failed/failed") {
      EXPECT_TRUE(taskIn.count(state)) << state;
    }
  }

  int refused = 0, allowed = 0, replays = 0;
  for (const auto& from : table.states()) {
    if (from == "failed/failed") continue;
    std::string id = from == "-" ? "fresh" : taskIn[from];
    std::string before = from == "-" ? "" : mappings::fhir::toJson(p.read("Task/" + id));
    std::string version = from == "-" ? "" : field(parsed(before)["meta"], "versionId");
    std::string owner = from == "-" ? "" : field(parsed(before)["owner"], "reference");
    std::string lastActor;
    if (from != "-") {
      auto stored = parsed(before);  // kept alive while its extensions are read
      for (const auto& e : stored["extension"].GetArray())
        if (field(e, "url") == "urn:medbridge:extension:workflow-actor")
          lastActor = field(e["valueReference"], "reference");
    }
    for (const auto& to : table.states()) {
      if (to == "-") continue;
      for (const auto& party : kParties) {
        workflow::Actor actor{party.reference, party.organization, {party.function}};
        auto roles =
            workflow::actorRoles(actor, "Organization/county", "Organization/tertiary", owner);
        if (table.find(from, to, roles, /*emergency=*/false)) {
          ++allowed;
          continue;
        }
        auto slash = to.find('/');
        rapidjson::Document t;
        if (from == "-") {
          t.Parse(newTask(id, "regular", "tertiary", to.substr(0, slash), to.substr(slash + 1),
                          party.reference)
                      .c_str());
        } else {
          t = parsed(before);
          t["status"].SetString(to.substr(0, slash).c_str(), t.GetAllocator());
          t["businessStatus"]["coding"][0]["code"].SetString(to.substr(slash + 1).c_str(),
                                                             t.GetAllocator());
          for (auto& e : t["extension"].GetArray())
            if (field(e, "url") == "urn:medbridge:extension:workflow-actor")
              e["valueReference"]["reference"].SetString(party.reference.c_str(), t.GetAllocator());
          complete(t, to.substr(slash + 1));
        }
        auto r = p.put("Task/" + id, mappings::fhir::toJson(t),
                       version.empty() ? "" : "W/\"" + version + "\"");
        if (r.status == 200 && from == to && party.reference == lastActor) {
          // The last move's proposal again, from its party (a replayed delivery): no new version.
          EXPECT_EQ(field(parsed(r.body)["meta"], "versionId"), version) << from;
          ++replays;
          continue;
        }
        EXPECT_EQ(r.status, 409) << from << " -> " << to << " by " << party.reference << ": "
                                 << r.body;
        EXPECT_EQ(field(parsed(r.body), "resourceType"), "OperationOutcome");
        ++refused;
      }
    }
    if (from == "-") {
      EXPECT_EQ(httpRequest(p.gateway().httpPort(), "GET", "/fhir/Task/fresh").status, 404);
    } else {
      EXPECT_EQ(mappings::fhir::toJson(p.read("Task/" + id)), before) << from;
    }
  }
  // The table's size, as a check that the matrix ran: 17 starting points x 17 targets x 6 parties.
  EXPECT_EQ(refused + allowed + replays, 17 * 17 * 6);
  EXPECT_LE(replays, 16);
  EXPECT_GT(refused, 1600);
}

}  // namespace
}  // namespace medbridge::testing
