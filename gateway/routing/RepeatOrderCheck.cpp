#include "gateway/routing/RepeatOrderCheck.h"

#include <rapidjson/document.h>

#include <set>
#include <utility>

#include "gateway/store/ResourceReads.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchQuery.h"
#include "mappings/fhir/SearchValues.h"
#include "mappings/hl7v2/Datatypes.h"

namespace medbridge::routing {
namespace {

using mappings::hl7v2::Message;
using mappings::hl7v2::Segment;
using Code = OrderedCode;

constexpr auto text = mappings::fhir::stringMember;

bool same(const Code& a, const Code& b) {
  return a.second == b.second && (a.first.empty() || b.first.empty() || a.first == b.first);
}

// The codes of an OBR-4 CWE: identifier and alternate identifier with their coding systems.
std::vector<Code> ordered(const Message& msg, std::string_view cwe) {
  std::vector<Code> out;
  for (int at : {1, 4}) {
    std::string code = msg.unescape(msg.component(cwe, at));
    std::string name = msg.unescape(msg.component(cwe, at + 2));
    if (code.empty()) continue;
    out.push_back({mappings::hl7v2::Datatypes::codeSystem(name), code});
  }
  return out;
}

// The result's codes and when it was made.
std::pair<std::vector<Code>, std::string> describe(const rapidjson::Value& result) {
  std::vector<Code> codes;
  auto collect = [&](const rapidjson::Value& concept_) {
    if (concept_.IsObject() && concept_.HasMember("coding") && concept_["coding"].IsArray())
      for (const auto& c : concept_["coding"].GetArray())
        codes.push_back({text(c, "system"), text(c, "code")});
  };
  std::string when;
  if (text(result, "resourceType") == "ImagingStudy") {
    if (auto it = result.FindMember("procedureCode");
        it != result.MemberEnd() && it->value.IsArray())
      for (const auto& c : it->value.GetArray()) collect(c);
    when = text(result, "started");
  } else {
    if (result.HasMember("code")) collect(result["code"]);
    when = text(result, "effectiveDateTime");
    if (when.empty() && result.HasMember("effectivePeriod"))
      when = text(result["effectivePeriod"], "start");
    if (when.empty()) when = text(result, "issued");
  }
  return {codes, when};
}

}  // namespace

std::string RecognisedResult::describe() const {
  return "'" + code + "' was done on " + when.substr(0, 10) + " (" + item + ", shared with List/" +
         list + ")";
}

std::optional<RecognisedResult> findRecognisedResult(store::IStore& store,
                                                     const std::set<std::string>& patients,
                                                     const std::vector<OrderedCode>& codes,
                                                     std::int64_t now, int validityDays) {
  std::int64_t since = now - std::int64_t(validityDays) * 86'400'000;
  for (const auto& patient : patients)
    for (const auto& listId : store.search(mappings::fhir::parseSearch(
             "List",
             {{"subject", patient},
              {"code", std::string(workflow::kRecognitionSystem) + "|shared-results"}},
             true))) {
      rapidjson::Document list;
      if (!store::readStored(store, "List/" + listId, list) || !list.HasMember("entry")) continue;
      for (const auto& entry : list["entry"].GetArray()) {
        if (!entry.HasMember("flag") ||
            mappings::fhir::codeIn(entry["flag"], workflow::kRecognitionSystem) != "recognised" ||
            !entry.HasMember("item"))
          continue;
        std::string item = text(entry["item"], "reference");
        rapidjson::Document result;
        if (!store::readStored(store, item, result)) continue;
        auto [made, when] = describe(result);
        auto range = mappings::fhir::dateRange(when);
        if (!range || range->from < since) continue;
        for (const auto& wanted : codes)
          for (const auto& have : made)
            if (same(wanted, have)) return RecognisedResult{wanted.second, when, item, listId};
      }
    }
  return std::nullopt;
}

std::set<std::string> samePatients(store::IStore& store, const std::string& patient) {
  std::set<std::string> out{patient};
  rapidjson::Document d;
  if (!store::readStored(store, patient, d) || !d.HasMember("identifier") ||
      !d["identifier"].IsArray())
    return out;
  for (const auto& i : d["identifier"].GetArray()) {
    std::string system = text(i, "system"), value = text(i, "value");
    if (system.empty() || value.empty()) continue;
    for (const auto& id : store.search(
             mappings::fhir::parseSearch("Patient", {{"identifier", system + "|" + value}}, true)))
      out.insert("Patient/" + id);
  }
  return out;
}

std::optional<IdentityFinding> checkRepeatOrder(
    const Message& msg, const std::string& trigger, store::IStore& store,
    const mappings::identity::IdentifierSystems& systems, std::int64_t now, int validityDays) {
  if (trigger != "ORM_O01" && trigger != "OMG_O19") return std::nullopt;
  std::vector<const Segment*> obrs = msg.all("OBR");
  const Segment* pid = msg.first("PID");
  if (obrs.empty() || !pid) return std::nullopt;
  // The patient as this gateway knows her: every Patient holding one of her identifiers (her
  // own record and the platform's replica).
  std::set<std::string> patients;
  for (auto rep : msg.repetitions(pid->field(3))) {
    std::string value = msg.unescape(msg.component(rep, 1));
    const auto* system = systems.find(msg.unescape(msg.component(rep, 4, 1)),
                                      msg.unescape(msg.component(rep, 4, 2)));
    if (value.empty() || !system) continue;
    for (const auto& id : store.search(mappings::fhir::parseSearch(
             "Patient", {{"identifier", system->system + "|" + value}}, true)))
      patients.insert("Patient/" + id);
  }
  std::vector<OrderedCode> codes;
  for (const Segment* obr : obrs)
    for (const auto& c : ordered(msg, obr->field(4))) codes.push_back(c);
  if (auto found = findRecognisedResult(store, patients, codes, now, validityDays))
    return IdentityFinding{core::ErrorCode::RecognisedResultExists, found->describe(), "OBR-4"};
  return std::nullopt;
}

}  // namespace medbridge::routing
