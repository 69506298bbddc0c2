#include "mappings/hl7v2/Mapping.h"

#include <algorithm>
#include <map>
#include <set>

#include "gateway/core/Hash.h"
#include "mappings/hl7v2/MapState.h"
#include "mappings/tables/Tables.h"

namespace medbridge::mappings::hl7v2 {
namespace {

void mapAdt(MapState& s) {
  mapPatient(s);
  mapEncounter(s);
}
void mapOru(MapState& s) {
  mapPatient(s);
  mapEncounter(s);
  mapResults(s);
}
void mapOrder(MapState& s) {
  mapPatient(s);
  mapEncounter(s);
  mapOrders(s);
}
void mapMdm(MapState& s) {
  mapPatient(s);
  mapEncounter(s);
  mapDocument(s);
}
void mapRef(MapState& s) {
  mapPatient(s);
  mapReferral(s);
}

// One entry per trigger event (HL7 v2-to-FHIR IG message maps).
const std::map<std::string, TriggerMapper, std::less<>>& registry() {
  static const std::map<std::string, TriggerMapper, std::less<>> kMappers = {
      {"ADT_A01", mapAdt},          {"ADT_A02", mapAdt},
      {"ADT_A03", mapAdt},          {"ADT_A04", mapAdt},
      {"ADT_A05", mapAdt},          {"ADT_A06", mapAdt},
      {"ADT_A07", mapAdt},          {"ADT_A08", mapAdt},
      {"ADT_A11", mapAdt},          {"ADT_A13", mapAdt},
      {"ADT_A28", mapAdt},          {"ADT_A31", mapAdt},
      {"ADT_A40", mapPatientMerge}, {"ADT_A47", mapIdentifierChange},
      {"ORU_R01", mapOru},          {"ORM_O01", mapOrder},
      {"OMG_O19", mapOrder},        {"MDM_T02", mapMdm},
      {"REF_I12", mapRef},
  };
  return kMappers;
}

void addProvenance(MapState& s, const MappingContext& ctx) {
  auto& a = s.a();
  Value p = s.bundle.resource("Provenance", s.id("Provenance"));
  std::string msh7 = s.msg.get("MSH-7");
  std::string recorded = s.dt.instant(msh7, "MSH-7");
  if (recorded.empty()) recorded = ctx.receivedAt;
  // Targets are every resource mapped from this message.
  Value targets(rapidjson::kArrayType);
  for (const auto& url : s.bundle.fullUrls()) targets.PushBack(fhir::reference(url, a), a);
  p.AddMember("target", targets, a);
  fhir::setString(p, "recorded", recorded, a);
  Value activity(rapidjson::kObjectType);
  fhir::push(
      activity, "coding",
      s.dt.coding(s.result.trigger.substr(4), "", "http://terminology.hl7.org/CodeSystem/v2-0003"),
      a);
  p.AddMember("activity", activity, a);
  Value agent(rapidjson::kObjectType);
  Value who(rapidjson::kObjectType);
  std::string app = s.msg.get("MSH-3"), facility = s.msg.get("MSH-4");
  fhir::setString(who, "display", app + (facility.empty() ? "" : " @ " + facility), a);
  if (who.ObjectEmpty()) fhir::setString(who, "display", "unknown sender", a);
  agent.AddMember("who", who, a);
  fhir::push(p, "agent", std::move(agent), a);
  Value entity(rapidjson::kObjectType);
  entity.AddMember("role", "source", a);
  Value what(rapidjson::kObjectType);
  Value ident(rapidjson::kObjectType);
  ident.AddMember("system", "urn:medbridge:hl7v2-message", a);
  fhir::setString(ident, "value", s.messageKey, a);
  what.AddMember("identifier", ident, a);
  fhir::setString(what, "display", s.result.trigger + " " + s.msg.get("MSH-10"), a);
  entity.AddMember("what", what, a);
  fhir::push(p, "entity", std::move(entity), a);
  s.bundle.add(std::move(p));
}

// Segments each message type's mappers read (mappings/tables/segment-support.json).
const std::map<std::string, std::set<std::string, std::less<>>, std::less<>>& supportedSegments() {
  static const auto kSupported = [] {
    std::map<std::string, std::set<std::string, std::less<>>, std::less<>> out;
    rapidjson::Document doc;
    doc.Parse(embeddedTables().at("segment-support").c_str());
    for (const auto& m : doc.GetObject())
      if (m.value.IsArray())
        for (const auto& v : m.value.GetArray()) out[m.name.GetString()].insert(v.GetString());
    return out;
  }();
  return kSupported;
}

void reportUnmappedSegments(const Message& msg, const std::string& trigger, MappingResult& r) {
  static const std::set<std::string, std::less<>> kNone;
  auto it = supportedSegments().find(std::string_view(trigger).substr(0, 3));
  const auto& known = it == supportedSegments().end() ? kNone : it->second;
  for (const auto& seg : msg.segments()) {
    std::string name(seg.name());
    if (known.count(name) == 0 && std::find(r.unmappedSegments.begin(), r.unmappedSegments.end(),
                                            name) == r.unmappedSegments.end())
      r.unmappedSegments.push_back(name);
  }
}

}  // namespace

bool MappingResult::hasErrors() const {
  return std::any_of(issues.begin(), issues.end(),
                     [](const Issue& i) { return i.severity != Issue::Severity::Warning; });
}

std::string MapState::id(const std::string& name) const {
  return core::nameUuid(messageKey + "|" + name);
}

std::string triggerKey(const Message& msg) {
  const Segment* msh = msg.first("MSH");
  if (!msh) return "";
  std::string code = msg.value(*msh, 9, 1), event = msg.value(*msh, 9, 2);
  if (code.empty()) return "";
  return code + "_" + event;
}

bool hasMapping(std::string_view trigger) {
  return registry().count(trigger) > 0;
}

MappingResult mapMessage(const Message& msg, const MappingContext& ctx) {
  MappingResult result;
  result.trigger = triggerKey(msg);
  auto it = registry().find(result.trigger);
  if (it == registry().end()) return result;
  result.mapped = true;
  std::string key = msg.get("MSH-3") + "|" + msg.get("MSH-4") + "|" + msg.get("MSH-10");
  // The Bundle id depends on the content: the same key with other content is another Bundle.
  fhir::BundleBuilder bundle(core::nameUuid("Bundle|" + key + "|" + ctx.contentHash));
  Datatypes dt(msg, bundle.alloc(), result.issues, ctx);
  MapState state{msg, bundle, dt, result, key, "", ""};
  it->second(state);
  addProvenance(state, ctx);
  reportUnmappedSegments(msg, result.trigger, result);
  result.bundleJson = bundle.toJson();
  result.resources = bundle.resourcesForStore();
  return result;
}

}  // namespace medbridge::mappings::hl7v2
