#include "gateway/workflow/TransitionTable.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "mappings/tables/Tables.h"

#include "mappings/fhir/Json.h"

namespace medbridge::workflow {
namespace {

std::set<std::string> strings(const rapidjson::Value& obj, const char* name) {
  std::set<std::string> out;
  if (auto it = obj.FindMember(name); it != obj.MemberEnd() && it->value.IsArray())
    for (const auto& v : it->value.GetArray()) out.insert(v.GetString());
  return out;
}

constexpr auto text = mappings::fhir::stringMember;

bool matches(const std::string& pattern, const std::string& state) {
  if (pattern == "open/*") return state != "-" && !TransitionTable::terminal(state);
  if (pattern.size() > 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0)
    return state.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0;
  return pattern == state;
}

}  // namespace

bool TransitionTable::terminal(const std::string& state) {
  for (const char* end : {"completed/", "cancelled/", "rejected/", "failed/"})
    if (state.rfind(end, 0) == 0) return true;
  return false;
}

TransitionTable TransitionTable::consultation(const std::vector<std::string>& steps) {
  rapidjson::Document doc;
  doc.Parse(mappings::embeddedTables().at("consultation-transitions").c_str());
  std::map<std::string, std::set<std::string>> stepActors;
  for (const auto& m : doc["submitSteps"].GetObject())
    for (const auto& a : m.value.GetArray()) stepActors[m.name.GetString()].insert(a.GetString());
  std::vector<Transition> patterns;
  std::string previous = "draft/drafted";
  for (const auto& step : steps) {
    if (!stepActors.count(step))
      throw std::invalid_argument("workflow.submitSteps: unknown step '" + step + "'");
    patterns.push_back({previous, "draft/" + step, stepActors[step], {}, "", ""});
    previous = "draft/" + step;
  }
  for (const auto& r : doc["transitions"].GetArray()) {
    Transition t{text(r, "from"),        text(r, "to"),   strings(r, "actors"),
                 strings(r, "requires"), text(r, "when"), text(r, "check")};
    if (t.from == "draft/<last-step>") t.from = previous;
    patterns.push_back(std::move(t));
  }
  if (steps.empty())  // no internal steps: an application may be created submitted
    patterns.push_back({"-",
                        "requested/submitted",
                        {"inviting-physician", "inviting-medical-affairs"},
                        {},
                        "",
                        ""});
  else
    patterns.push_back({"-",
                        "requested/submitted",
                        {"inviting-physician", "inviting-medical-affairs"},
                        {},
                        "emergency",
                        ""});

  return expand(patterns);
}

TransitionTable TransitionTable::referral() {
  rapidjson::Document doc;
  doc.Parse(mappings::embeddedTables().at("referral-transitions").c_str());
  std::vector<Transition> patterns;
  for (const auto& r : doc["transitions"].GetArray())
    patterns.push_back({text(r, "from"), text(r, "to"), strings(r, "actors"),
                        strings(r, "requires"), text(r, "when"), text(r, "check")});
  return expand(patterns);
}

TransitionTable TransitionTable::expand(const std::vector<Transition>& patterns) {
  TransitionTable table;
  table.states_.push_back("-");
  auto addState = [&](const std::string& s) {
    if (s.find('*') == std::string::npos &&
        std::find(table.states_.begin(), table.states_.end(), s) == table.states_.end())
      table.states_.push_back(s);
  };
  for (const auto& t : patterns) {
    addState(t.from);
    addState(t.to);
  }
  for (const auto& t : patterns) {
    bool same = t.from == t.to;
    for (const auto& from : table.states_) {
      if (!matches(t.from, from)) continue;
      for (const auto& to : table.states_) {
        if (to == "-" || !matches(t.to, to) || (same && from != to)) continue;
        Transition row = t;
        row.from = from;
        row.to = to;
        table.rows_.push_back(std::move(row));
      }
    }
  }
  return table;
}

const Transition* TransitionTable::find(const std::string& from, const std::string& to,
                                        const std::set<std::string>& actors, bool emergency) const {
  for (const auto& t : rows_) {
    if (t.from != from || t.to != to || (t.when == "emergency" && !emergency)) continue;
    for (const auto& a : actors)
      if (t.actors.count(a)) return &t;
  }
  return nullptr;
}

bool TransitionTable::leads(const std::string& from, const std::string& to) const {
  return std::any_of(rows_.begin(), rows_.end(),
                     [&](const Transition& t) { return t.from == from && t.to == to; });
}

}  // namespace medbridge::workflow
