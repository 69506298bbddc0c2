// REF^I12: RF1 + PRD + DG1 -> referral ServiceRequest + Task (v2-to-FHIR IG segment map RF1),
// or a workflow application (WorkflowApplication.h) when RF1-3 is a consultation service type
// (MBCST) or a two-way referral direction (MBREFDIR).
#include "gateway/core/Hash.h"
#include "mappings/hl7v2/WorkflowApplication.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using fhir::push;
using fhir::reference;
using fhir::setString;
using fhir::setValue;

// RF1-1 referral status (table 0283) -> Task.status
const char* taskStatus(std::string_view code) {
  if (code == "A") return "accepted";
  if (code == "R") return "rejected";
  if (code == "E") return "cancelled";
  return "requested";
}

// PRD-7 "<id>^PractitionerRole" / "<id>^Organization": a reference to that resource on the
// platform (the region's reference data); "" otherwise.
std::string referenceDataId(MapState& s, const Segment& prd) {
  for (auto rep : s.msg.repetitions(prd.field(7))) {
    std::string type = s.dt.u(s.dt.comp(rep, 2));
    if (type == "PractitionerRole" || type == "Organization")
      return type + "/" + s.dt.u(s.dt.comp(rep, 1));
  }
  return "";
}

// A workflow application's parties: PRD-1 role, PRD-7 reference-data id, the referred-to PRD-4.1
// department; the suggested time from RF1-9; a referral's prior consultation from RF1-11.
void applicationDetails(MapState& s, Value& sr, const std::string& kind) {
  std::vector<ApplicationParty> parties;
  for (const Segment* prd : s.msg.all("PRD"))
    parties.push_back(
        {s.msg.value(*prd, 1, 1), referenceDataId(s, *prd), s.dt.u(s.dt.comp(prd->field(4), 1))});
  const Segment* rf1 = s.msg.first("RF1");
  std::string suggested = s.dt.dateTime(s.dt.comp(rf1->field(9), 1), "RF1-9");
  workflowApplication(s, sr, kind, suggested, parties);
  // A referral's originating referral (RF1-11): the consultation it follows, by the HIS's order
  // number of that consultation's application.
  std::string origin = s.dt.u(s.dt.comp(rf1->field(11), 1));
  if (kind == "referral" && !origin.empty()) {
    auto& a = s.a();
    Value ident(rapidjson::kObjectType), ref(rapidjson::kObjectType);
    setString(ident, "system", s.dt.identifierSystem(s.dt.comp(rf1->field(11), 2)), a);
    setString(ident, "value", origin, a);
    ref.AddMember("identifier", ident, a);
    push(sr, "basedOn", std::move(ref), a);
  }
}

}  // namespace

void mapReferral(MapState& s) {
  auto& a = s.a();
  auto& dt = s.dt;
  if (s.patientRef.empty()) return;
  const Segment* rf1 = s.msg.first("RF1");
  if (!rf1) {
    dt.error("RF1", "ServiceRequest", "the message has no RF1 segment");
    return;
  }
  std::string referralId = dt.u(dt.comp(rf1->field(6), 1));
  std::string base = referralId.empty()
                         ? s.messageKey
                         : dt.identifierSystem(dt.comp(rf1->field(6), 2)) + "|" + referralId;
  Value sr = s.bundle.resource("ServiceRequest", core::nameUuid("ServiceRequest|referral|" + base));
  if (!referralId.empty()) {
    Value ident(rapidjson::kObjectType);
    setString(ident, "system", dt.identifierSystem(dt.comp(rf1->field(6), 2)), a);
    setString(ident, "value", referralId, a);
    push(sr, "identifier", std::move(ident), a);
  }
  std::string status = s.msg.value(*rf1, 1);
  setString(sr, "status", status == "R" || status == "E" ? "revoked" : "active", a);
  setString(sr, "intent", "order", a);
  Value category(rapidjson::kObjectType);
  push(category, "coding", dt.coding("3457005", "Patient referral", "http://snomed.info/sct"), a);
  push(sr, "category", std::move(category), a);
  std::string priority = s.msg.value(*rf1, 2, 1);
  setString(sr, "priority", priority == "S" ? "stat" : priority == "A" ? "asap" : "routine", a);
  setValue(sr, "code", dt.codeableConcept(rf1->field(3)), a);
  sr.AddMember("subject", reference(s.patientRef, a), a);
  std::string authored = dt.dateTime(dt.comp(rf1->field(7), 1), "RF1-7");
  setString(sr, "authoredOn", authored, a);
  for (auto rep : s.msg.repetitions(rf1->field(10)))
    push(sr, "reasonCode", dt.codeableConcept(rep), a);
  for (const Segment* dg1 : s.msg.all("DG1"))
    push(sr, "reasonCode", dt.codeableConcept(dg1->field(3)), a);
  Value requester, performer;
  for (const Segment* prd : s.msg.all("PRD")) {
    std::string role = s.msg.value(*prd, 1, 1);
    Value who = dt.practitionerReference(prd->field(7).empty() ? prd->field(2) : prd->field(7));
    if (fhir::isEmpty(who)) who = dt.practitionerReference(prd->field(2));
    if (fhir::isEmpty(who)) continue;
    if (role == "RP" && requester.IsNull())
      requester = std::move(who);
    else if (role == "RT" && performer.IsNull())
      performer = std::move(who);
  }
  if (!requester.IsNull()) sr.AddMember("requester", Value(requester, a), a);
  if (!performer.IsNull()) push(sr, "performer", std::move(performer), a);
  for (const Segment* nte : s.msg.all("NTE")) {
    Value note(rapidjson::kObjectType);
    setString(note, "text", s.msg.value(*nte, 3), a);
    if (note.HasMember("text")) push(sr, "note", std::move(note), a);
  }
  std::string kind = applicationKind(sr);
  if (!kind.empty()) applicationDetails(s, sr, kind);
  std::string srRef = s.bundle.add(std::move(sr));
  if (!kind.empty()) return;

  Value task = s.bundle.resource("Task", core::nameUuid("Task|referral|" + base));
  setString(task, "status", taskStatus(status), a);
  setString(task, "intent", "order", a);
  Value code(rapidjson::kObjectType);
  push(
      code, "coding",
      dt.coding("fulfill", "Fulfill the focal request", "http://hl7.org/fhir/CodeSystem/task-code"),
      a);
  task.AddMember("code", code, a);
  task.AddMember("focus", reference(srRef, a), a);
  task.AddMember("for", reference(s.patientRef, a), a);
  setString(task, "authoredOn", authored, a);
  if (!requester.IsNull()) task.AddMember("requester", requester, a);
  s.bundle.add(std::move(task));
}

}  // namespace medbridge::mappings::hl7v2
