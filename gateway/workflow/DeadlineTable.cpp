#include "gateway/workflow/DeadlineTable.h"

#include <rapidjson/document.h>

#include <stdexcept>

#include "mappings/tables/Tables.h"

#include "mappings/fhir/Json.h"

namespace medbridge::workflow {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kDay = 24 * 60 * kMinute;

std::set<std::string> strings(const rapidjson::Value& obj, const char* name,
                              const std::string& where) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsArray())
    throw std::invalid_argument(where + ": '" + name + "' must be a list of strings");
  std::set<std::string> out;
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString()) throw std::invalid_argument(where + ": '" + name + "' holds a non-string");
    out.insert(v.GetString());
  }
  return out;
}

constexpr auto text = mappings::fhir::stringMember;

// "15:00" -> 900
int minuteOfDay(const std::string& hhmm, const std::string& where) {
  if (hhmm.size() != 5 || hhmm[2] != ':')
    throw std::invalid_argument(where + ": cutoff must be HH:MM, not '" + hhmm + "'");
  int h = std::stoi(hhmm.substr(0, 2)), m = std::stoi(hhmm.substr(3, 2));
  if (h > 23 || m > 59) throw std::invalid_argument(where + ": cutoff '" + hhmm + "' is no time");
  return h * 60 + m;
}

}  // namespace

bool DeadlineRule::appliesToCase(const std::string& serviceType, bool inRegion) const {
  if (!appliesTo.count("*") && !appliesTo.count(serviceType)) return false;
  if (region == "in") return inRegion;
  if (region == "out") return !inRegion;
  return true;
}

std::int64_t DeadlineRule::dueAt(std::int64_t startMs, int offsetMinutes) const {
  if (cutoffMinute < 0) return startMs + minutes * kMinute;
  std::int64_t local = startMs + offsetMinutes * kMinute;
  std::int64_t dayStart = local - ((local % kDay) + kDay) % kDay;
  std::int64_t days = (local - dayStart) < cutoffMinute * kMinute ? 1 : 2;
  // By 23:59 of that day: the last second before the next local midnight.
  return dayStart + days * kDay - 1000 - offsetMinutes * kMinute;
}

DeadlineTable DeadlineTable::parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("deadlines") ||
      !doc["deadlines"].IsArray())
    throw std::invalid_argument("a deadline table is a JSON object with a 'deadlines' list");
  DeadlineTable table;
  int n = 0;
  for (const auto& r : doc["deadlines"].GetArray()) {
    std::string where = "deadlines[" + std::to_string(n++) + "]";
    if (!r.IsObject()) throw std::invalid_argument(where + " is not an object");
    DeadlineRule rule;
    rule.rule = text(r, "rule");
    if (rule.rule.empty()) throw std::invalid_argument(where + " has no 'rule'");
    rule.start = strings(r, "start", where);
    rule.stop = strings(r, "stop", where);
    rule.appliesTo = strings(r, "appliesTo", where);
    rule.region = text(r, "region");
    if (!rule.region.empty() && rule.region != "in" && rule.region != "out")
      throw std::invalid_argument(where + ": region is 'in' or 'out'");
    rule.responsible = text(r, "responsible");
    if (rule.responsible != "invited-organization" && rule.responsible != "owner" &&
        rule.responsible != "requester")
      throw std::invalid_argument(where +
                                  ": responsible is invited-organization, owner or requester");
    std::string cutoff = text(r, "cutoff");
    if (!cutoff.empty()) {
      rule.cutoffMinute = minuteOfDay(cutoff, where);
    } else if (auto it = r.FindMember("minutes");
               it != r.MemberEnd() && it->value.IsInt() && it->value.GetInt() > 0) {
      rule.minutes = it->value.GetInt();
    } else {
      throw std::invalid_argument(where + " needs 'minutes' (> 0) or 'cutoff'");
    }
    table.rules_.push_back(std::move(rule));
  }
  return table;
}

DeadlineTable DeadlineTable::consultationDefaults() {
  return parse(mappings::embeddedTables().at("consultation-deadlines"));
}

}  // namespace medbridge::workflow
