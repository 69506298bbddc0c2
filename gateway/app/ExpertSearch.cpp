#include "gateway/app/ExpertSearch.h"

#include <algorithm>
#include <map>

#include "gateway/fhir/ResourceJson.h"
#include "gateway/workflow/ExpertPool.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"

namespace medbridge::app {
namespace {

using mappings::fhir::Value;

constexpr auto text = mappings::fhir::stringMember;

std::string parameter(const fhir::OperationRequest& o, const std::string& name) {
  for (const auto& [k, v] : o.parameters)
    if (k == name) return v;
  rapidjson::Document body;
  if (o.request.method == "POST" && !mappings::fhir::parseJson(o.request.body, body) &&
      body.IsObject() && body.HasMember("parameter") && body["parameter"].IsArray())
    for (const auto& p : body["parameter"].GetArray())
      if (text(p, "name") == name)
        for (const char* kind : {"valueString", "valueCode", "valueDateTime", "valueBoolean"})
          if (p.HasMember(kind))
            return p[kind].IsBool() ? (p[kind].GetBool() ? "true" : "false") : text(p, kind);
  return "";
}

std::vector<store::ResourceVersion> all(store::IStore& store, const std::string& type,
                                        std::vector<std::pair<std::string, std::string>> params) {
  auto ids = store.search(mappings::fhir::parseSearch(type, params, true));
  return store.readResources(type, ids);
}

// The seniority a title code stands for (professional-titles.json), -1 when unknown.
int seniorityOf(const std::string& title) {
  rapidjson::Document role;
  role.Parse((R"({"code":[{"coding":[{"system":")" + std::string(workflow::kTitleSystem) +
              R"(","code":")" + title + R"("}]}]})")
                 .c_str());
  return workflow::titleSeniority(role);
}

fhir::FhirResponse findExperts(store::IStore& store, const fhir::OperationRequest& o) {
  std::string department = parameter(o, "department"), organization = parameter(o, "organization"),
              title = parameter(o, "title"), name = parameter(o, "name"),
              start = parameter(o, "start"), end = parameter(o, "end");
  bool poolOnly = parameter(o, "pool") != "false";
  int minimum = -1;
  if (!title.empty() && (minimum = seniorityOf(title)) < 0)
    throw fhir::FhirError(400, "code-invalid",
                          "title '" + title + "' is not in " + workflow::kTitleSystem);
  if (start.empty() != end.empty())
    throw fhir::FhirError(400, "required",
                          "free slots are searched between start and end: give both");
  // Free slots in the window, by the role their schedule is for.
  std::map<std::string, std::vector<store::ResourceVersion>> freeSlots;
  if (!start.empty()) {
    std::map<std::string, std::vector<std::string>> actors;  // Schedule id -> roles
    for (const auto& s : all(store, "Schedule", {})) {
      rapidjson::Document d;
      mappings::fhir::parseJson(s.json, d);
      if (d.HasMember("actor") && d["actor"].IsArray())
        for (const auto& a : d["actor"].GetArray()) actors[s.id].push_back(text(a, "reference"));
    }
    for (const auto& slot :
         all(store, "Slot", {{"status", "free"}, {"start", "ge" + start}, {"start", "lt" + end}})) {
      rapidjson::Document d;
      mappings::fhir::parseJson(slot.json, d);
      std::string schedule = d.HasMember("schedule") ? text(d["schedule"], "reference") : "";
      if (schedule.rfind("Schedule/", 0) == 0)
        for (const auto& role : actors[schedule.substr(9)]) freeSlots[role].push_back(slot);
    }
  }
  struct Match {
    store::ResourceVersion role;
    int seniority;
    std::size_t slots;
  };
  std::vector<Match> matches;
  for (const auto& r : all(store, "PractitionerRole", {})) {
    rapidjson::Document d;
    mappings::fhir::parseJson(r.json, d);
    std::string display = d.HasMember("practitioner") ? text(d["practitioner"], "display") : "";
    std::string org = d.HasMember("organization") ? text(d["organization"], "reference") : "";
    int seniority = workflow::titleSeniority(d);
    std::size_t slots = freeSlots["PractitionerRole/" + r.id].size();
    if ((poolOnly && !workflow::inPool(d)) ||
        (!department.empty() && !workflow::practisesIn(d, department)) ||
        (!organization.empty() && org != organization) || seniority < minimum ||
        (!name.empty() && display.find(name) == std::string::npos) ||
        (!start.empty() && slots == 0))
      continue;
    matches.push_back({r, seniority, slots});
  }
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    if (a.seniority != b.seniority) return a.seniority > b.seniority;
    if (a.slots != b.slots) return a.slots > b.slots;
    return a.role.id < b.role.id;
  });
  std::string entries;
  auto entry = [&](const store::ResourceVersion& v, const char* mode) {
    entries += (entries.empty() ? "" : ",") + std::string(R"({"fullUrl":")") + o.request.base +
               "/" + v.type + "/" + v.id + R"(","resource":)" + fhir::served(v) +
               R"(,"search":{"mode":")" + mode + "\"}}";
  };
  for (const auto& m : matches) entry(m.role, "match");
  for (const auto& m : matches)
    for (const auto& slot : freeSlots["PractitionerRole/" + m.role.id]) entry(slot, "include");
  return {200,
          R"({"resourceType":"Bundle","type":"searchset","total":)" +
              std::to_string(matches.size()) + R"(,"entry":[)" + entries + "]}",
          {}};
}

}  // namespace

void registerExpertSearch(fhir::FhirServer& fhir, store::IStore& store) {
  fhir.registerOperation(
      "PractitionerRole", "find-experts", true, false,
      [&store](const fhir::OperationRequest& o) { return findExperts(store, o); });
}

}  // namespace medbridge::app
