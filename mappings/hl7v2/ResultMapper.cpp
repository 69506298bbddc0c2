// ORU: OBR -> DiagnosticReport, OBX -> Observation, NTE -> note
// (v2-to-FHIR IG segment maps OBR[DiagnosticReport], OBX[Observation], NTE[Annotation]).
#include "gateway/core/Hash.h"
#include "mappings/hl7v2/MapState.h"
#include "mappings/tables/Tables.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using fhir::push;
using fhir::reference;
using fhir::setString;
using fhir::setValue;

Value annotation(MapState& s, const Segment& nte) {
  Value note(rapidjson::kObjectType);
  std::string text;
  for (auto rep : s.msg.repetitions(nte.field(3))) text += (text.empty() ? "" : "\n") + s.dt.u(rep);
  setString(note, "text", text, s.a());
  return note;
}

// OBX-7: "3.5-5.0", ">10", "<5" or free text.
Value referenceRange(MapState& s, std::string_view range, std::string_view units) {
  auto& a = s.a();
  Value rr(rapidjson::kObjectType);
  std::string text = s.dt.u(range);
  if (text.empty()) return rr;
  std::size_t dash = text.find('-', 1);
  auto quantityOf = [&](std::string_view v) { return s.dt.quantity(v, units); };
  if (text[0] == '>' || text[0] == '<') {
    std::string v = text.substr(text[1] == '=' ? 2 : 1);
    Value q = quantityOf(v);
    if (!fhir::isEmpty(q))
      rr.AddMember(rapidjson::StringRef(text[0] == '>' ? "low" : "high"), q, a);
  } else if (dash != std::string::npos && fhir::isDecimalText(text.substr(0, dash)) &&
             fhir::isDecimalText(text.substr(dash + 1))) {
    Value lo = quantityOf(text.substr(0, dash)), hi = quantityOf(text.substr(dash + 1));
    rr.AddMember("low", lo, a);
    rr.AddMember("high", hi, a);
  }
  setString(rr, "text", text, a);
  return rr;
}

void setObservationValue(MapState& s, Value& obs, const Segment& obx, const std::string& where) {
  auto& a = s.a();
  auto& dt = s.dt;
  std::string type = s.msg.value(obx, 2);
  auto reps = s.msg.repetitions(obx.field(5));
  if (reps.empty()) return;
  if (type == "NM") {
    Value q = dt.quantity(dt.u(reps[0]), obx.field(6));
    if (fhir::isEmpty(q)) {
      dt.warn(where + "-5", "Observation.valueQuantity",
              "'" + dt.u(reps[0]) + "' is not a number; kept as text");
      setString(obs, "valueString", dt.u(reps[0]), a);
    } else {
      obs.AddMember("valueQuantity", q, a);
    }
  } else if (type == "SN") {
    std::string comparator = dt.u(dt.comp(reps[0], 1)), num1 = dt.u(dt.comp(reps[0], 2));
    std::string sep = dt.u(dt.comp(reps[0], 3));
    Value q = dt.quantity(num1, obx.field(6));
    bool comparatorOk = comparator.empty() || comparator == "<" || comparator == ">" ||
                        comparator == "<=" || comparator == ">=";
    if (sep.empty() && comparatorOk && !fhir::isEmpty(q)) {
      setString(q, "comparator", comparator, a);
      obs.AddMember("valueQuantity", q, a);
    } else {
      std::string text;
      for (int c = 1; c <= 4; ++c) text += dt.u(dt.comp(reps[0], c));
      setString(obs, "valueString", text, a);
    }
  } else if (type == "CE" || type == "CWE" || type == "CNE" || type == "CF") {
    setValue(obs, "valueCodeableConcept", dt.codeableConcept(reps[0]), a);
  } else if (type == "DT" || type == "TS" || type == "DTM") {
    setString(obs, "valueDateTime", dt.dateTime(dt.comp(reps[0], 1), where + "-5"), a);
  } else if (type == "TM") {
    std::string t = dt.u(reps[0]);
    if (t.size() >= 4)
      setString(
          obs, "valueTime",
          t.substr(0, 2) + ":" + t.substr(2, 2) + ":" + (t.size() >= 6 ? t.substr(4, 2) : "00"), a);
  } else if (type == "ED" || type == "RP") {
    dt.warn(where + "-5", "Observation.value[x]",
            "an " + type + " value has no Observation form; use MDM for documents");
  } else {  // ST, TX, FT and anything textual
    std::string text;
    for (auto rep : reps) text += (text.empty() ? "" : "\n") + dt.u(rep);
    setString(obs, "valueString", text, a);
  }
}

}  // namespace

void mapResults(MapState& s) {
  auto& a = s.a();
  auto& dt = s.dt;
  if (s.patientRef.empty()) return;
  Value report;
  bool haveReport = false;
  std::string reportId;
  int obrIndex = 0, obxIndex = 0;
  std::vector<Value> observations;

  auto flushReport = [&]() {
    if (!haveReport) {  // observations outside any OBR stand alone
      for (auto& o : observations) s.bundle.add(std::move(o));
      observations.clear();
      return;
    }
    for (auto& o : observations) {
      std::string ref = s.bundle.add(std::move(o));
      push(report, "result", reference(ref, a), a);
    }
    observations.clear();
    s.bundle.add(std::move(report));
    report = Value();
    haveReport = false;
  };

  for (const auto& seg : s.msg.segments()) {
    if (seg.name() == "OBR") {
      flushReport();
      ++obrIndex;
      obxIndex = 0;
      std::string filler = dt.u(dt.comp(seg.field(3), 1)), placer = dt.u(dt.comp(seg.field(2), 1));
      std::string idBase =
          !filler.empty()   ? "FILL|" + dt.identifierSystem(dt.comp(seg.field(3), 2)) + "|" + filler
          : !placer.empty() ? "PLAC|" + dt.identifierSystem(dt.comp(seg.field(2), 2)) + "|" + placer
                            : "";
      reportId = idBase.empty() ? s.id("DiagnosticReport|" + std::to_string(obrIndex))
                                : core::nameUuid("DiagnosticReport|" + idBase);
      report = s.bundle.resource("DiagnosticReport", reportId);
      haveReport = true;
      for (auto [field, type] : {std::pair{2, "PLAC"}, std::pair{3, "FILL"}}) {
        std::string value = dt.u(dt.comp(seg.field(field), 1));
        if (value.empty()) continue;
        Value ident(rapidjson::kObjectType);
        Value t(rapidjson::kObjectType);
        push(t, "coding", dt.coding(type, "", "http://terminology.hl7.org/CodeSystem/v2-0203"), a);
        ident.AddMember("type", t, a);
        setString(ident, "system", dt.identifierSystem(dt.comp(seg.field(field), 2)), a);
        setString(ident, "value", value, a);
        push(report, "identifier", std::move(ident), a);
      }
      std::string statusCode = s.msg.value(seg, 25);
      std::string status = CodeTable::get("report-status").lookup(statusCode);
      if (status.empty()) status = statusCode.empty() ? "final" : "unknown";
      setString(report, "status", status, a);
      Value code = dt.codeableConcept(seg.field(4));
      if (fhir::isEmpty(code)) {
        dt.error("OBR-4", "DiagnosticReport.code",
                 "OBR-4 universal service identifier is required");
        setString(code, "text", "unknown", a);
      }
      report.AddMember("code", code, a);
      report.AddMember("subject", reference(s.patientRef, a), a);
      if (!s.encounterRef.empty()) report.AddMember("encounter", reference(s.encounterRef, a), a);
      setString(report, "effectiveDateTime", dt.dateTime(dt.comp(seg.field(7), 1), "OBR-7"), a);
      setString(report, "issued", dt.instant(dt.comp(seg.field(22), 1), "OBR-22"), a);
    } else if (seg.name() == "OBX") {
      if (!haveReport && reportId.empty()) {
        dt.warn("OBX", "Observation",
                "OBX before any OBR: mapped as an Observation without a report");
        reportId = s.id("Observations");
      }
      ++obxIndex;
      std::string where = "OBX[" + std::to_string(obxIndex) + "]";
      Value obs = s.bundle.resource("Observation",
                                    core::nameUuid(reportId + "|OBX|" + std::to_string(obxIndex)));
      std::string statusCode = s.msg.value(seg, 11);
      std::string status = CodeTable::get("observation-status").lookup(statusCode);
      if (status.empty()) {
        dt.warn(where + "-11", "Observation.status",
                "result status '" + statusCode + "' is not in table 0085");
        status = "unknown";
      }
      setString(obs, "status", status, a);
      Value code = dt.codeableConcept(seg.field(3));
      if (fhir::isEmpty(code)) {
        dt.warn(where + "-3", "Observation.code",
                "OBX-3 observation identifier is missing; the OBX is left out");
        continue;
      }
      obs.AddMember("code", code, a);
      obs.AddMember("subject", reference(s.patientRef, a), a);
      if (!s.encounterRef.empty()) obs.AddMember("encounter", reference(s.encounterRef, a), a);
      std::string effective = dt.dateTime(dt.comp(seg.field(14), 1), where + "-14");
      if (effective.empty() && haveReport)
        effective =
            report.HasMember("effectiveDateTime") ? report["effectiveDateTime"].GetString() : "";
      setString(obs, "effectiveDateTime", effective, a);
      setObservationValue(s, obs, seg, where);
      push(obs, "referenceRange", referenceRange(s, seg.field(7), seg.field(6)), a);
      for (auto rep : s.msg.repetitions(seg.field(8))) {
        std::string flag = dt.u(dt.comp(rep, 1));
        const std::string& code8 = CodeTable::get("abnormal-flags").lookup(flag);
        if (code8.empty()) continue;
        Value cc(rapidjson::kObjectType);
        push(cc, "coding",
             dt.coding(code8, "",
                       "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"),
             a);
        push(obs, "interpretation", std::move(cc), a);
      }
      observations.push_back(std::move(obs));  // an NTE after it annotates it
    } else if (seg.name() == "NTE" && (haveReport || !observations.empty())) {
      Value note = annotation(s, seg);
      if (!observations.empty()) {
        push(observations.back(), "note", std::move(note), a);
      } else if (note.HasMember("text")) {  // NTE right after OBR: the report's comments
        std::string text = note["text"].GetString();
        if (report.HasMember("conclusion")) {
          text = std::string(report["conclusion"].GetString()) + "\n" + text;
          report.RemoveMember("conclusion");
        }
        setString(report, "conclusion", text, a);
      }
    }
  }
  flushReport();
  if (obrIndex == 0 && obxIndex == 0)
    dt.error("OBR", "DiagnosticReport", "the message has no OBR segment");
}

}  // namespace medbridge::mappings::hl7v2
