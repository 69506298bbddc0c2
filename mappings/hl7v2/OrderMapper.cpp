// ORM^O01 / OMG^O19: ORC + OBR -> ServiceRequest
// (v2-to-FHIR IG segment maps ORC[ServiceRequest], OBR[ServiceRequest]).
#include "gateway/core/Hash.h"
#include "mappings/hl7v2/MapState.h"
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

// ORC starts an order; an OBR belongs to the ORC before it (OMG/ORM order groups).
struct Order {
  const Segment* orc = nullptr;
  const Segment* obr = nullptr;
  std::vector<const Segment*> notes;
};

}  // namespace

void mapOrders(MapState& s) {
  auto& a = s.a();
  auto& dt = s.dt;
  if (s.patientRef.empty()) return;
  std::vector<Order> orders;
  for (const auto& seg : s.msg.segments()) {
    if (seg.name() == "ORC")
      orders.push_back({&seg, nullptr, {}});
    else if (seg.name() == "OBR") {
      if (orders.empty() || orders.back().obr)
        orders.push_back({nullptr, &seg, {}});
      else
        orders.back().obr = &seg;
    } else if (seg.name() == "NTE" && !orders.empty())
      orders.back().notes.push_back(&seg);
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
    s.bundle.add(std::move(sr));
  }
}

}  // namespace medbridge::mappings::hl7v2
