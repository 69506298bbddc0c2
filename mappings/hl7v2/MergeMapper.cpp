// ADT A40 (merge patient) and A47 (change patient identifier): the surviving Patient, the merged
// one linked to it (v2-to-FHIR IG segment map MRG[Patient]), and an instruction for the patient
// index, which applies merges itself (identity issue).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/core/Hash.h"
#include "mappings/hl7v2/MapState.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using fhir::push;
using fhir::setString;

Value priorIdentifiers(MapState& s, const Segment& mrg) {
  Value list(rapidjson::kArrayType);
  int n = 0;
  for (auto rep : s.msg.repetitions(mrg.field(1))) {
    Value id = s.dt.identifier(rep, "MRG-1[" + std::to_string(++n) + "]");
    if (!fhir::isEmpty(id)) list.PushBack(id, s.a());
  }
  return list;
}

void addChange(MapState& s, const char* kind, const Segment& mrg) {
  identity::IdentityChange change{kind, {}};
  for (auto rep : s.msg.repetitions(mrg.field(1))) {
    identity::IdentifierFact fact = s.dt.identifierFact(rep);
    if (!fact.value.empty() && !fact.system.empty()) change.prior.push_back(std::move(fact));
  }
  s.result.identityChanges.push_back(std::move(change));
}

void writeInstruction(MapState& s, const char* action, const Value& prior) {
  rapidjson::Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  doc.AddMember("action", Value(action, a), a);
  doc.AddMember("survivor", fhir::str(s.patientRef.substr(9), a), a);
  doc.AddMember("prior", Value(prior, a), a);
  s.result.identityInstruction = fhir::toJson(doc);
}

}  // namespace

void mapPatientMerge(MapState& s) {
  mapPatient(s);
  const Segment* mrg = s.msg.first("MRG");
  if (!mrg) {
    s.dt.error("MRG", "Patient.link", "ADT^A40 needs an MRG segment");
    return;
  }
  if (s.patientRef.empty()) return;
  auto& a = s.a();
  Value prior = priorIdentifiers(s, *mrg);
  if (prior.Empty()) {
    s.dt.error("MRG-1", "Patient.link", "MRG-1 prior patient identifier is required");
    return;
  }
  const auto& first = prior[0];
  std::string key = std::string(first.HasMember("system") ? first["system"].GetString() : "") +
                    "|" + first["value"].GetString();
  std::string mergedId = core::nameUuid("Patient|" + key);
  if (mergedId == s.patientRef.substr(9)) {
    s.dt.error("MRG-1", "Patient.link", "a patient cannot be merged into itself");
    return;
  }
  Value merged = s.bundle.resource("Patient", mergedId);
  merged.AddMember("identifier", Value(prior, a), a);
  merged.AddMember("active", false, a);
  Value link(rapidjson::kObjectType);
  link.AddMember("other", fhir::reference(s.patientRef, a), a);
  link.AddMember("type", "replaced-by", a);
  push(merged, "link", std::move(link), a);
  s.bundle.add(std::move(merged));
  writeInstruction(s, "merge", prior);
  addChange(s, "merge", *mrg);
}

void mapIdentifierChange(MapState& s) {
  mapPatient(s);
  const Segment* mrg = s.msg.first("MRG");
  if (!mrg) {
    s.dt.error("MRG", "Patient.identifier", "ADT^A47 needs an MRG segment");
    return;
  }
  if (s.patientRef.empty()) return;
  Value prior = priorIdentifiers(s, *mrg);
  if (prior.Empty()) {
    s.dt.error("MRG-1", "Patient.identifier", "MRG-1 prior identifier is required");
    return;
  }
  writeInstruction(s, "change-identifier", prior);
  addChange(s, "change-identifier", *mrg);
}

}  // namespace medbridge::mappings::hl7v2
