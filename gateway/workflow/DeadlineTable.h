#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace medbridge::workflow {

// One deadline rule: it starts at one of `start` and stops at one of `stop` (events are
// businessStatus codes, or paperwork-missing / paperwork-complete).
struct DeadlineRule {
  std::string rule;
  std::set<std::string> start, stop;
  int minutes = 0;        // due this long after the start ...
  int cutoffMinute = -1;  // ... or, when >= 0, by the end of the day (before this minute of the
                          // local day) or of the next day (at or after it)
  std::set<std::string> appliesTo;  // service types; "*" = all
  std::string region;               // "" any, "in", "out"
  std::string responsible;          // invited-organization, owner, requester
  bool appliesToCase(const std::string& serviceType, bool inRegion) const;
  // When a deadline started at `startMs` is due; offsetMinutes = the zone's offset from UTC.
  std::int64_t dueAt(std::int64_t startMs, int offsetMinutes) const;
};

class DeadlineTable {
 public:
  // From JSON text in the format of mappings/tables/consultation-deadlines.json; throws
  // std::invalid_argument naming what is wrong.
  static DeadlineTable parse(const std::string& json);
  static DeadlineTable consultationDefaults();
  const std::vector<DeadlineRule>& rules() const { return rules_; }

 private:
  std::vector<DeadlineRule> rules_;
};

}  // namespace medbridge::workflow
