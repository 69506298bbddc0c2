// ORM^O01 / OMG^O19: ORC + OBR (+ TQ1) -> ServiceRequest
// (v2-to-FHIR IG segment maps ORC[ServiceRequest], OBR[ServiceRequest], TQ1[ServiceRequest]);
// an OBR-4 in the consultation service types makes a consultation application whose parties are
// the order's PRT segments.
#include "gateway/core/Hash.h"
#include "mappings/hl7v2/WorkflowApplication.h"
#include "mappings/tables/Tables.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using fhir::push;
using fhir::setString;
using fhir::setValue;

Value orderIdentifier(MapState& s, std::string_view ei, const char* type) {
  auto& a = s.a();
  Value ident(rapidjson::kObjectType);
  std::string value = s.dt.u(s.dt.comp(ei, 1));
  if (value.empty()) return ident;
  Value t(rapidjson::kObjectType);
  push(t, "coding", s.dt.coding(type, "", "http://terminology.hl7.org/CodeSystem/v2-0203"), a);
  ident.AddMember("type", t, a);
  setString(ident, "system", s.dt.identifierSystem(s.dt.comp(ei, 2)), a);
  setString(ident, "value", value, a);
  return ident;
}

const char* priorityOf(std::string_view code) {
  if (code == "S") return "stat";
  if (code == "A") return "asap";
  if (code == "R") return "routine";
  return nullptr;
}

// ORC starts an order; an OBR belongs to the ORC before it (OMG/ORM order groups); TQ1 and PRT
// after the ORC or OBR (and its notes) are the order's timing and participants.
struct Order {
  const Segment* orc = nullptr;
  const Segment* obr = nullptr;
  const Segment* tq1 = nullptr;
  std::vector<const Segment*> notes, participants;
};

// PRT-5 "<id>^…^PractitionerRole" (XCN-1 id, XCN-13 identifier type) or PRT-8
// "<name>^…^Organization^…^<id>" (XON-7 identifier type, XON-10 id): a reference to the platform's
// reference data, as PRD-7 names it in REF^I12.
std::vector<ApplicationParty> applicationParties(MapState& s, const Order& o) {
  std::vector<ApplicationParty> parties;
  auto& dt = s.dt;
  for (const Segment* prt : o.participants) {
    std::string role = s.msg.value(*prt, 4, 1), department = dt.u(dt.comp(prt->field(7), 1));
    for (auto rep : s.msg.repetitions(prt->field(5)))
      if (dt.u(dt.comp(rep, 13)) == "PractitionerRole" && !dt.u(dt.comp(rep, 1)).empty())
        parties.push_back({role, "PractitionerRole/" + dt.u(dt.comp(rep, 1)), department});
    for (auto rep : s.msg.repetitions(prt->field(8)))
      if (dt.u(dt.comp(rep, 7)) == "Organization" && !dt.u(dt.comp(rep, 10)).empty())
        parties.push_back({role, "Organization/" + dt.u(dt.comp(rep, 10)), department});
  }
  return parties;
}

}  // namespace

void mapOrders(MapState& s) {
  auto& a = s.a();
  auto& dt = s.dt;
  if (s.patientRef.empty()) return;
  std::vector<Order> orders;
  bool inOrder = false;  // after ORC / OBR, before the order's observations, specimens…
  for (const auto& seg : s.msg.segments()) {
    std::string_view name = seg.name();
    if (name == "ORC") {
      orders.emplace_back().orc = &seg;
    } else if (name == "OBR") {
      if (orders.empty() || orders.back().obr)
        orders.emplace_back().obr = &seg;
      else
        orders.back().obr = &seg;
    } else if (name == "NTE" && !orders.empty()) {
      orders.back().notes.push_back(&seg);
    } else if (inOrder && name == "TQ1") {
      if (!orders.back().tq1) orders.back().tq1 = &seg;
    } else if (inOrder && name == "PRT") {
      orders.back().participants.push_back(&seg);
    } else if (name != "TQ2") {
      inOrder = false;
      continue;
    }
    inOrder = !orders.empty() && (inOrder || name == "ORC" || name == "OBR");
  }
  if (orders.empty()) dt.error("ORC", "ServiceRequest", "the message has no ORC or OBR segment");
  int index = 0;
  for (const auto& o : orders) {
    ++index;
    std::string_view placer = o.orc && !o.orc->field(2).empty() ? o.orc->field(2)
                              : o.obr                           ? o.obr->field(2)
                                                                : "";
    std::string_view filler = o.orc && !o.orc->field(3).empty() ? o.orc->field(3)
                              : o.obr                           ? o.obr->field(3)
                                                                : "";
    std::string placerValue = dt.u(dt.comp(placer, 1));
    std::string id = placerValue.empty() ? s.id("ServiceRequest|" + std::to_string(index))
                                         : core::nameUuid("ServiceRequest|" +
                                                          dt.identifierSystem(dt.comp(placer, 2)) +
                                                          "|" + placerValue);
    Value sr = s.bundle.resource("ServiceRequest", id);
    push(sr, "identifier", orderIdentifier(s, placer, "PLAC"), a);
    push(sr, "identifier", orderIdentifier(s, filler, "FILL"), a);
    std::string status;
    if (o.orc) {
      status = CodeTable::get("order-status/ORC-5").lookup(s.msg.value(*o.orc, 5));
      if (status.empty())
        status = CodeTable::get("order-status/ORC-1").lookup(s.msg.value(*o.orc, 1));
    }
    setString(sr, "status", status.empty() ? "unknown" : status, a);
    setString(sr, "intent", "order", a);
    std::string priority = o.obr ? s.msg.value(*o.obr, 27, 6) : "";
    if (priority.empty() && o.orc) priority = s.msg.value(*o.orc, 7, 6);
    if (priority.empty() && o.tq1) priority = s.msg.value(*o.tq1, 9, 1);
    if (const char* p = priorityOf(priority)) setString(sr, "priority", p, a);
    if (o.obr) setValue(sr, "code", dt.codeableConcept(o.obr->field(4)), a);
    sr.AddMember("subject", fhir::reference(s.patientRef, a), a);
    if (!s.encounterRef.empty()) sr.AddMember("encounter", fhir::reference(s.encounterRef, a), a);
    if (o.orc) setString(sr, "authoredOn", dt.dateTime(dt.comp(o.orc->field(9), 1), "ORC-9"), a);
    if (o.obr)
      setString(sr, "occurrenceDateTime", dt.dateTime(dt.comp(o.obr->field(7), 1), "OBR-7"), a);
    std::string_view requester = o.orc && !o.orc->field(12).empty() ? o.orc->field(12)
                                 : o.obr                            ? o.obr->field(16)
                                                                    : "";
    for (auto rep : s.msg.repetitions(requester)) {
      Value who = dt.practitionerReference(rep);
      if (!fhir::isEmpty(who)) {
        sr.AddMember("requester", who, a);
        break;
      }
    }
    if (o.obr)
      for (auto rep : s.msg.repetitions(o.obr->field(31)))
        push(sr, "reasonCode", dt.codeableConcept(rep), a);
    for (const Segment* nte : o.notes) {
      Value note(rapidjson::kObjectType);
      std::string text;
      for (auto rep : s.msg.repetitions(nte->field(3)))
        text += (text.empty() ? "" : "\n") + dt.u(rep);
      setString(note, "text", text, a);
      if (note.HasMember("text")) push(sr, "note", std::move(note), a);
    }
    if (applicationKind(sr) == "consultation") {
      std::string suggested =
          o.tq1 ? dt.dateTime(dt.comp(o.tq1->field(7), 1), "TQ1-7") : std::string();
      workflowApplication(s, sr, "consultation", suggested, applicationParties(s, o));
    }
    s.bundle.add(std::move(sr));
  }
}

}  // namespace medbridge::mappings::hl7v2
