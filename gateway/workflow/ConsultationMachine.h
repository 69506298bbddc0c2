#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gateway/workflow/DeadlineTable.h"
#include "gateway/workflow/TransitionTable.h"

namespace medbridge::workflow {

// What the engine needs to know beyond the two Task versions; gathered from the store by the
// caller.
struct TransitionFacts {
  std::set<std::string> roles;  // the actor's roles on this Task (ActorRoles.h)
  std::string actor;            // reference of the actor, written into the new version
  std::string serviceType;      // the ServiceRequest's code ("" when unknown)
  bool inRegion = true;         // both institutions in the platform's region
  std::int64_t now = 0;
  std::optional<std::int64_t> sessionStart;         // the proposed Task's appointment start
  std::optional<std::int64_t> currentSessionStart;  // the current Task's appointment start
  bool ownerIsInvitedExpert = false;  // the proposed owner: a PractitionerRole of the invited side
};

struct Problem {
  std::string message, expression;
};

struct TransitionOutcome {
  int status = 200;  // 409 transition not allowed, 422 required content missing
  std::vector<Problem> problems;
  std::string from, to;
  std::vector<std::string> started, stopped;  // deadline rules
};

// A workflow Task's state machine (a consultation's, or with the referral table a referral's):
// checks a proposed version against the transition table and fills in what the engine owns
// (deadlines, restriction.period.end, executionPeriod, the acting party, the invited
// organisation, a referral's priority and fee-waiver markers; requester, focus and subject cannot
// change).
class ConsultationMachine {
 public:
  // kind: "consultation" or "referral" (Task.code), as messages name it.
  ConsultationMachine(TransitionTable table, DeadlineTable deadlines, int offsetMinutes,
                      int noticeMinutes, std::string kind = "consultation");
  // current: the stored Task (null when new). On success `proposed` is the version to store.
  TransitionOutcome apply(const rapidjson::Value* current, rapidjson::Document& proposed,
                          const TransitionFacts& facts) const;
  // Marks the open deadlines past due (due < now) as breached (and the Task's breach tag);
  // returns their rules with who is responsible ("rule responsible").
  std::vector<std::pair<std::string, std::string>> flagBreaches(rapidjson::Document& task,
                                                                std::int64_t now) const;

  // Whether `proposed` is the proposal `current` came from, made again by the same party (a
  // replayed delivery): equal once the engine's fields are left out of both.
  static bool sameProposal(const rapidjson::Value& current, const rapidjson::Value& proposed);
  // The version the platform itself writes when deadlines pass (after flagBreaches).
  static void markSystemVersion(rapidjson::Document& task, std::int64_t now);
  static std::string state(const rapidjson::Value& task);  // "status/businessStatus"
  static bool isConsultation(const rapidjson::Value& task);
  static bool isReferral(const rapidjson::Value& task);
  static bool isWorkflowTask(const rapidjson::Value& task);  // a consultation or a referral
  static std::string reference(const rapidjson::Value& obj, const char* member);
  static std::string invitedOrganization(const rapidjson::Value& task);
  // The reference of the Task's input or output of this type (urn:medbridge:…:workflow-task-input).
  static std::string inputReference(const rapidjson::Value& task, const char* list,
                                    const char* type);

 private:
  TransitionTable table_;
  DeadlineTable deadlines_;
  int offsetMinutes_, noticeMinutes_;
  std::string kind_;
};

}  // namespace medbridge::workflow
