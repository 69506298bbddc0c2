// PID -> Patient, PV1 -> Encounter (v2-to-FHIR IG segment maps PID[Patient], PV1[Encounter]).
#include "gateway/core/Hash.h"
#include "mappings/hl7v2/MapState.h"
#include "mappings/tables/Tables.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using fhir::push;
using fhir::setString;
using fhir::setValue;

// The identifier a Patient's id is derived from: the first MR identifier, else the first one.
std::string patientKey(const MapState& s, const Segment& pid) {
  std::string first;
  for (auto rep : s.msg.repetitions(pid.field(3))) {
    std::string value = s.dt.u(s.dt.comp(rep, 1));
    if (value.empty()) continue;
    std::string key = s.dt.identifierSystem(s.dt.comp(rep, 4)) + "|" + value;
    if (s.dt.u(s.dt.comp(rep, 5)) == "MR") return key;
    if (first.empty()) first = key;
  }
  return first;
}

}  // namespace

void mapPatient(MapState& s) {
  const Segment* pid = s.msg.first("PID");
  if (!pid) {
    s.dt.error("PID", "Patient", "the message has no PID segment");
    return;
  }
  auto& a = s.a();
  auto& dt = s.dt;
  std::string key = patientKey(s, *pid);
  if (key.empty())
    dt.warn("PID-3", "Patient.identifier", "no patient identifier; the Patient id is per message");
  std::string id = key.empty() ? s.id("Patient") : core::nameUuid("Patient|" + key);
  Value p = s.bundle.resource("Patient", id);
  int n = 0;
  for (auto rep : s.msg.repetitions(pid->field(3)))
    push(p, "identifier", dt.identifier(rep, "PID-3[" + std::to_string(++n) + "]"), a);
  for (auto rep : s.msg.repetitions(pid->field(5))) push(p, "name", dt.humanName(rep), a);
  for (auto rep : s.msg.repetitions(pid->field(13)))
    push(p, "telecom", dt.contactPoint(rep, "home"), a);
  for (auto rep : s.msg.repetitions(pid->field(14)))
    push(p, "telecom", dt.contactPoint(rep, "work"), a);
  std::string sex = s.msg.value(*pid, 8);
  if (!sex.empty()) {
    const std::string& gender = CodeTable::get("administrative-sex").lookup(sex);
    if (gender.empty())
      dt.warn("PID-8", "Patient.gender", "administrative sex '" + sex + "' is not in table 0001");
    setString(p, "gender", gender, a);
  }
  setString(p, "birthDate", dt.date(s.dt.comp(pid->field(7), 1), "PID-7"), a);
  std::string deathTime = dt.dateTime(s.dt.comp(pid->field(29), 1), "PID-29");
  std::string deathFlag = s.msg.value(*pid, 30);
  if (!deathTime.empty()) {
    setString(p, "deceasedDateTime", deathTime, a);
  } else if (deathFlag == "Y" || deathFlag == "N") {
    p.AddMember("deceasedBoolean", deathFlag == "Y", a);
  }
  for (auto rep : s.msg.repetitions(pid->field(11))) push(p, "address", dt.address(rep), a);
  Value marital = dt.codeableConcept(pid->field(16));
  setValue(p, "maritalStatus", std::move(marital), a);
  std::string multiple = s.msg.value(*pid, 24), order = s.msg.value(*pid, 25);
  if (!order.empty() && order.find_first_not_of("0123456789") == std::string::npos &&
      order.size() < 4) {
    p.AddMember("multipleBirthInteger", std::stoi(order), a);
  } else if (multiple == "Y" || multiple == "N") {
    p.AddMember("multipleBirthBoolean", multiple == "Y", a);
  }
  Value language = dt.codeableConcept(pid->field(15));
  if (!fhir::isEmpty(language)) {
    Value comm(rapidjson::kObjectType);
    comm.AddMember("language", language, a);
    push(p, "communication", std::move(comm), a);
  }
  identity::PatientFacts facts;
  facts.resourceId = id;
  for (auto rep : s.msg.repetitions(pid->field(3))) {
    identity::IdentifierFact fact = dt.identifierFact(rep);
    if (!fact.value.empty() && !fact.system.empty()) facts.identifiers.push_back(std::move(fact));
  }
  if (p.HasMember("birthDate")) facts.birthDate = p["birthDate"].GetString();
  if (p.HasMember("gender")) facts.gender = p["gender"].GetString();
  for (auto rep : s.msg.repetitions(pid->field(5))) {
    std::string key = identity::nameKey(dt.u(s.msg.component(rep, 1, 1)),
                                        dt.u(dt.comp(rep, 2)) + dt.u(dt.comp(rep, 3)));
    if (!key.empty()) facts.nameKeys.push_back(key);
  }
  s.result.patients.push_back(std::move(facts));
  s.patientRef = s.bundle.add(std::move(p));
}

void mapEncounter(MapState& s) {
  const Segment* pv1 = s.msg.first("PV1");
  if (!pv1) return;
  std::string patientClass = s.msg.value(*pv1, 2);
  if (patientClass == "N" || s.patientRef.empty()) return;  // "not applicable": no encounter
  auto& a = s.a();
  auto& dt = s.dt;
  std::string visit = s.dt.u(s.dt.comp(pv1->field(19), 1));
  std::string id =
      visit.empty() ? s.id("Encounter")
                    : core::nameUuid("Encounter|" +
                                     dt.identifierSystem(dt.comp(pv1->field(19), 4)) + "|" + visit);
  Value e = s.bundle.resource("Encounter", id);
  std::string event = s.result.trigger.substr(4);
  std::string status = CodeTable::get("encounter-status").lookup(event);
  std::string end = dt.dateTime(dt.comp(pv1->field(45), 1), "PV1-45");
  if (status.empty() || (event == "A08" && !end.empty()))
    status = end.empty() ? "in-progress" : "finished";
  if (status == "unknown") status = end.empty() ? "unknown" : "finished";
  setString(e, "status", status, a);
  Value cls(rapidjson::kObjectType);
  const std::string& act = CodeTable::get("patient-class").lookup(patientClass);
  if (!act.empty()) {
    cls = dt.coding(act, "", "http://terminology.hl7.org/CodeSystem/v3-ActCode");
  } else {
    if (!patientClass.empty())
      dt.warn("PV1-2", "Encounter.class",
              "patient class '" + patientClass + "' is not in table 0004");
    cls = dt.coding("UNK", "unknown", "http://terminology.hl7.org/CodeSystem/v3-NullFlavor");
  }
  e.AddMember("class", cls, a);
  if (!visit.empty()) push(e, "identifier", dt.identifier(pv1->field(19), "PV1-19"), a);
  Value serviceType = dt.codeableConcept(pv1->field(10));
  setValue(e, "serviceType", std::move(serviceType), a);
  e.AddMember("subject", fhir::reference(s.patientRef, a), a);
  struct Role {
    int field;
    const char* code;
    const char* display;
  };
  for (Role r : {Role{7, "ATND", "attender"}, Role{8, "REF", "referrer"},
                 Role{9, "CON", "consultant"}, Role{17, "ADM", "admitter"}}) {
    for (auto rep : s.msg.repetitions(pv1->field(r.field))) {
      Value who = dt.practitionerReference(rep);
      if (fhir::isEmpty(who)) continue;
      Value part(rapidjson::kObjectType);
      Value type(rapidjson::kObjectType);
      push(type, "coding",
           dt.coding(r.code, r.display,
                     "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"),
           a);
      push(part, "type", std::move(type), a);
      part.AddMember("individual", who, a);
      push(e, "participant", std::move(part), a);
    }
  }
  Value period(rapidjson::kObjectType);
  setString(period, "start", dt.dateTime(dt.comp(pv1->field(44), 1), "PV1-44"), a);
  setString(period, "end", end, a);
  setValue(e, "period", std::move(period), a);
  Value hosp(rapidjson::kObjectType);
  setValue(hosp, "admitSource", dt.codeableConcept(pv1->field(14)), a);
  setValue(hosp, "dischargeDisposition", dt.codeableConcept(pv1->field(36)), a);
  setValue(e, "hospitalization", std::move(hosp), a);
  std::string_view pl = pv1->field(3);
  std::string where;
  for (int c : {4, 1, 2, 3}) {  // facility, point of care, room, bed
    std::string part = dt.u(dt.comp(pl, c, c == 4 ? 1 : 0));
    if (!part.empty()) where += (where.empty() ? "" : " ") + part;
  }
  if (!where.empty()) {
    Value loc(rapidjson::kObjectType), ref(rapidjson::kObjectType);
    setString(ref, "display", where, a);
    loc.AddMember("location", ref, a);
    push(e, "location", std::move(loc), a);
  }
  s.encounterRef = s.bundle.add(std::move(e));
}

}  // namespace medbridge::mappings::hl7v2
