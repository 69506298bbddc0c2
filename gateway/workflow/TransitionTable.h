#pragma once

#include <set>
#include <string>
#include <vector>

namespace medbridge::workflow {

// One allowed transition: states are "status/businessStatus", "-" = no Task yet.
struct Transition {
  std::string from, to;
  std::set<std::string> actors;  // inviting-physician, invited-department, expert, system, ...
  std::set<std::string> needs;   // statusReason, expert, appointment, report
  std::string when;              // "" or "emergency" (Task.priority stat)
  std::string check;             // "" or "notice" (a schedule change needs notice)
};

// A workflow's transition table (mappings/tables/<workflow>-transitions.json) with its patterns
// expanded into concrete rows.
class TransitionTable {
 public:
  // submitSteps: the hospital-internal steps between drafted and submitted, in order (none: an
  // application may be created submitted). Throws std::invalid_argument on an unknown step.
  static TransitionTable consultation(const std::vector<std::string>& submitSteps);
  // The referral transition table (mappings/tables/referral-transitions.json).
  static TransitionTable referral();
  // The row letting any of `actors` move from → to, or null.
  const Transition* find(const std::string& from, const std::string& to,
                         const std::set<std::string>& actors, bool emergency) const;
  // Whether any row leads from → to (whoever the actor).
  bool leads(const std::string& from, const std::string& to) const;
  // Every concrete state, "-" first.
  const std::vector<std::string>& states() const { return states_; }
  static bool terminal(const std::string& state);

 private:
  // Every concrete row the patterns ("draft/*", "open/*") stand for.
  static TransitionTable expand(const std::vector<Transition>& patterns);
  std::vector<Transition> rows_;
  std::vector<std::string> states_;
};

}  // namespace medbridge::workflow
