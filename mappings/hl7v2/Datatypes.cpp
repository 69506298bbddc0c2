#include "mappings/hl7v2/Datatypes.h"

#include <cctype>

#include "mappings/tables/Tables.h"

namespace medbridge::mappings::hl7v2 {
namespace {

using fhir::push;
using fhir::setString;
using fhir::setValue;

bool allDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

int daysIn(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Parsed DTM: YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]
struct Dtm {
  std::string date;    // YYYY, YYYY-MM or YYYY-MM-DD
  std::string time;    // hh:mm:ss[.fff] ("" when absent)
  std::string offset;  // +hh:mm ("" when absent)
  bool ok = false;
};

Dtm parseDtm(std::string_view s) {
  Dtm d;
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  std::string_view off;
  std::size_t sign = s.find_first_of("+-");
  if (sign != std::string_view::npos) {
    off = s.substr(sign);
    s = s.substr(0, sign);
    if (off.size() != 5 || !allDigits(off.substr(1))) return d;
    int oh = num(off.substr(1, 2)), om = num(off.substr(3, 2));
    if (oh > 14 || om > 59) return d;
    d.offset = std::string(off.substr(0, 3)) + ":" + std::string(off.substr(3, 2));
  }
  std::string_view frac;
  std::size_t dot = s.find('.');
  if (dot != std::string_view::npos) {
    frac = s.substr(dot + 1);
    s = s.substr(0, dot);
    if (!allDigits(frac) || s.size() != 14) return d;
  }
  if (!allDigits(s) || (s.size() != 4 && s.size() != 6 && s.size() != 8 && s.size() != 10 &&
                        s.size() != 12 && s.size() != 14))
    return d;
  int y = num(s.substr(0, 4));
  if (y < 1) return d;
  d.date = std::string(s.substr(0, 4));
  if (s.size() >= 6) {
    int m = num(s.substr(4, 2));
    if (m < 1 || m > 12) return d;
    d.date += "-" + std::string(s.substr(4, 2));
    if (s.size() >= 8) {
      int day = num(s.substr(6, 2));
      if (day < 1 || day > daysIn(y, m)) return d;
      d.date += "-" + std::string(s.substr(6, 2));
    }
  }
  if (s.size() >= 10) {
    int h = num(s.substr(8, 2));
    int mi = s.size() >= 12 ? num(s.substr(10, 2)) : 0;
    int se = s.size() >= 14 ? num(s.substr(12, 2)) : 0;
    if (h > 23 || mi > 59 || se > 59) return d;
    d.time = std::string(s.substr(8, 2)) + ":" +
             (s.size() >= 12 ? std::string(s.substr(10, 2)) : "00") + ":" +
             (s.size() >= 14 ? std::string(s.substr(12, 2)) : "00");
    if (!frac.empty()) d.time += "." + std::string(frac);
  }
  d.ok = true;
  return d;
}

}  // namespace

bool hasCjk(std::string_view s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xE3 && c <= 0xE9) return true;  // U+3000..U+9FFF (CJK punctuation, kana, ideographs)
    if (c == 0xF0 && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return true;  // extension B+
  }
  return false;
}

void Datatypes::warn(const std::string& where, const std::string& path, const std::string& text) {
  issues_.push_back({Issue::Severity::Warning, where, path, text});
}

void Datatypes::error(const std::string& where, const std::string& path, const std::string& text) {
  issues_.push_back({Issue::Severity::Error, where, path, text});
}

std::string Datatypes::dateTime(std::string_view dtm, const std::string& where) {
  if (dtm.empty()) return "";
  Dtm d = parseDtm(dtm);
  if (!d.ok) {
    warn(where, "", "'" + std::string(dtm) + "' is not a valid HL7 date/time; left out");
    return "";
  }
  if (d.time.empty()) return d.date;
  if (d.date.size() != 10) return d.date;
  return d.date + "T" + d.time + (d.offset.empty() ? ctx_.defaultOffset : d.offset);
}

std::string Datatypes::date(std::string_view dtm, const std::string& where) {
  if (dtm.empty()) return "";
  Dtm d = parseDtm(dtm);
  if (!d.ok) {
    warn(where, "", "'" + std::string(dtm) + "' is not a valid HL7 date; left out");
    return "";
  }
  return d.date;
}

std::string Datatypes::instant(std::string_view dtm, const std::string& where) {
  if (dtm.empty()) return "";
  Dtm d = parseDtm(dtm);
  if (!d.ok || d.date.size() != 10) {
    warn(where, "", "'" + std::string(dtm) + "' is not precise enough for an instant; left out");
    return "";
  }
  return d.date + "T" + (d.time.empty() ? "00:00:00" : d.time) +
         (d.offset.empty() ? ctx_.defaultOffset : d.offset);
}

std::string Datatypes::identifierSystem(std::string_view hd) {
  // An HD inside a CX or XCN has its parts as sub-components: namespace&uid&uidType
  std::string ns = u(msg_.component(hd, 0, 1));
  std::string uid = u(msg_.component(hd, 0, 2));
  std::string type = u(msg_.component(hd, 0, 3));
  return ctx_.systems->systemFor(ns, uid, type);
}

identity::IdentifierFact Datatypes::identifierFact(std::string_view cx) {
  std::string_view hd = comp(cx, 4);
  std::string ns = u(msg_.component(hd, 0, 1)), uid = u(msg_.component(hd, 0, 2));
  identity::IdentifierFact fact;
  fact.value = u(comp(cx, 1));
  fact.system = ctx_.systems->systemFor(ns, uid, u(msg_.component(hd, 0, 3)));
  if (const auto* known = ctx_.systems->find(ns, uid)) {
    fact.type = known->type;
    fact.trusted = known->trusted;
  }
  fact.guardian = ctx_.systems->isGuardianType(u(comp(cx, 5)));
  return fact;
}

Value Datatypes::identifier(std::string_view cx, const std::string& where) {
  Value id(rapidjson::kObjectType);
  std::string value = u(comp(cx, 1));
  if (value.empty()) return id;
  std::string_view aa = comp(cx, 4);
  std::string typeCode = u(comp(cx, 5));
  if (!typeCode.empty()) {
    Value type(rapidjson::kObjectType);
    push(type, "coding", coding(typeCode, "", "http://terminology.hl7.org/CodeSystem/v2-0203"), a_);
    setValue(id, "type", std::move(type), a_);
  }
  std::string system = identifierSystem(aa);
  if (system.empty()) warn(where, "", "identifier '" + value + "' has no assigning authority");
  setString(id, "system", system, a_);
  setString(id, "value", value, a_);
  Value period(rapidjson::kObjectType);
  setString(period, "start", dateTime(comp(cx, 7), where + ".7"), a_);
  setString(period, "end", dateTime(comp(cx, 8), where + ".8"), a_);
  setValue(id, "period", std::move(period), a_);
  return id;
}

Value Datatypes::humanName(std::string_view xpn) {
  Value name(rapidjson::kObjectType);
  std::string family = u(msg_.component(xpn, 1, 1));
  std::string given = u(comp(xpn, 2));
  std::string middle = u(comp(xpn, 3));
  if (family.empty() && given.empty()) return name;
  const std::string& use = CodeTable::get("name-use").lookup(u(comp(xpn, 7)));
  setString(name, "use", use, a_);
  std::string representation =
      u(comp(xpn, 8));  // table 4000: A alphabetic, I ideographic, P phonetic
  bool ideographic = representation == "I" || (representation.empty() && hasCjk(family + given));
  if (ideographic) {
    // Chinese names are written family then given without a space.
    setString(name, "text", family + given + middle, a_);
  }
  setString(name, "family", family, a_);
  if (!given.empty()) push(name, "given", fhir::str(given, a_), a_);
  if (!middle.empty()) push(name, "given", fhir::str(middle, a_), a_);
  if (!u(comp(xpn, 4)).empty()) push(name, "suffix", fhir::str(u(comp(xpn, 4)), a_), a_);
  if (!u(comp(xpn, 5)).empty()) push(name, "prefix", fhir::str(u(comp(xpn, 5)), a_), a_);
  const char* code = ideographic             ? "IDE"
                     : representation == "P" ? "SYL"
                     : representation == "A" ? "ABC"
                                             : nullptr;
  if (code) {
    Value ext(rapidjson::kObjectType);
    ext.AddMember("url", "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation", a_);
    ext.AddMember("valueCode", Value(code, a_), a_);
    push(name, "extension", std::move(ext), a_);
  }
  return name;
}

Value Datatypes::address(std::string_view xad) {
  Value addr(rapidjson::kObjectType);
  std::string street = u(msg_.component(xad, 1, 1));
  std::string other = u(comp(xad, 2));
  std::string city = u(comp(xad, 3));
  std::string state = u(comp(xad, 4));
  std::string zip = u(comp(xad, 5));
  std::string country = u(comp(xad, 6));
  std::string district = u(comp(xad, 9));
  const std::string& use = CodeTable::get("address-use/use").lookup(u(comp(xad, 7)));
  const std::string& type = CodeTable::get("address-use/type").lookup(u(comp(xad, 7)));
  setString(addr, "use", use, a_);
  setString(addr, "type", type, a_);
  if (hasCjk(state + city + district + street + other))
    setString(addr, "text", state + city + district + street + other,
              a_);  // Chinese order: large to small
  if (!street.empty()) push(addr, "line", fhir::str(street, a_), a_);
  if (!other.empty()) push(addr, "line", fhir::str(other, a_), a_);
  setString(addr, "city", city, a_);
  setString(addr, "district", district, a_);
  setString(addr, "state", state, a_);
  setString(addr, "postalCode", zip, a_);
  setString(addr, "country", country, a_);
  return addr;
}

Value Datatypes::contactPoint(std::string_view xtn, const char* defaultUse) {
  Value cp(rapidjson::kObjectType);
  std::string equipment = u(comp(xtn, 3));
  std::string email = u(comp(xtn, 4));
  std::string value;
  if (!email.empty()) {
    value = email;
  } else if (!u(comp(xtn, 12)).empty()) {
    value = u(comp(xtn, 12));
  } else if (!u(comp(xtn, 7)).empty()) {
    std::string cc = u(comp(xtn, 5)), area = u(comp(xtn, 6));
    value = (cc.empty() ? "" : "+" + cc + " ") + (area.empty() ? "" : "(" + area + ") ") +
            u(comp(xtn, 7));
    if (!u(comp(xtn, 8)).empty()) value += " X" + u(comp(xtn, 8));
  } else {
    value = u(comp(xtn, 1));
  }
  if (value.empty()) return cp;
  std::string system = email.empty() ? CodeTable::get("telecom/system").lookup(equipment) : "email";
  if (system.empty()) system = "phone";
  std::string use = CodeTable::get("telecom/use").lookup(u(comp(xtn, 2)));
  if (equipment == "CP") use = "mobile";
  if (use.empty() && defaultUse) use = defaultUse;
  setString(cp, "system", system, a_);
  setString(cp, "value", value, a_);
  setString(cp, "use", use, a_);
  return cp;
}

std::string Datatypes::codeSystem(std::string_view name) {
  if (name.empty()) return "";
  if (name.size() == 7 && name.substr(0, 3) == "HL7" && allDigits(name.substr(3)))
    return "http://terminology.hl7.org/CodeSystem/v2-" + std::string(name.substr(3));
  const std::string& known = CodeTable::get("code-systems").lookup(name);
  if (!known.empty()) return known;
  std::string system = "urn:medbridge:cs:";
  for (unsigned char c : name)
    system += std::isalnum(c) || c == '.' || c == '-' ? static_cast<char>(c) : '_';
  return system;
}

Value Datatypes::coding(std::string_view code, std::string_view display, std::string_view system) {
  Value c(rapidjson::kObjectType);
  setString(c, "system", system, a_);
  setString(c, "code", code, a_);
  setString(c, "display", display, a_);
  return c;
}

Value Datatypes::codeableConcept(std::string_view cwe) {
  Value cc(rapidjson::kObjectType);
  std::string code = u(comp(cwe, 1)), text = u(comp(cwe, 2));
  if (!code.empty()) push(cc, "coding", coding(code, text, codeSystem(u(comp(cwe, 3)))), a_);
  std::string alt = u(comp(cwe, 4));
  if (!alt.empty())
    push(cc, "coding", coding(alt, u(comp(cwe, 5)), codeSystem(u(comp(cwe, 6)))), a_);
  std::string original = u(comp(cwe, 9));
  setString(cc, "text", !original.empty() ? original : (code.empty() ? text : ""), a_);
  return cc;
}

Value Datatypes::practitionerReference(std::string_view xcn) {
  Value ref(rapidjson::kObjectType);
  std::string id = u(comp(xcn, 1));
  std::string family = u(msg_.component(xcn, 2, 1)), given = u(comp(xcn, 3));
  std::string display = hasCjk(family + given) ? family + given
                        : given.empty()        ? family
                        : family.empty()       ? given
                                               : given + " " + family;
  if (!u(comp(xcn, 6)).empty() && !display.empty()) display = u(comp(xcn, 6)) + " " + display;
  if (!id.empty()) {
    Value ident(rapidjson::kObjectType);
    std::string system = identifierSystem(comp(xcn, 9));
    setString(ident, "system", system, a_);
    setString(ident, "value", id, a_);
    ref.AddMember("identifier", ident, a_);
  }
  setString(ref, "display", display, a_);
  return ref;
}

Value Datatypes::quantity(std::string_view value, std::string_view ce) {
  Value q(rapidjson::kObjectType);
  Value v = fhir::decimal(value, a_);
  if (v.IsNull()) return q;
  q.AddMember("value", v, a_);
  std::string code = u(comp(ce, 1)), text = u(comp(ce, 2)), system = u(comp(ce, 3));
  setString(q, "unit", text.empty() ? code : text, a_);
  if (!code.empty() && (system == "UCUM" || system == "ISO+" || system.empty())) {
    // Without a declared system, a unit is taken as UCUM only when it is written as a code.
    if (system == "UCUM" || system == "ISO+") {
      setString(q, "system", "http://unitsofmeasure.org", a_);
      setString(q, "code", code, a_);
    }
  }
  return q;
}

}  // namespace medbridge::mappings::hl7v2
