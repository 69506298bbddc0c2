#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mappings/fhir/Json.h"
#include "mappings/hl7v2/Mapping.h"
#include "mappings/hl7v2/Message.h"

namespace medbridge::mappings::hl7v2 {

using fhir::Allocator;
using fhir::Value;

// Converts HL7 v2 data types to FHIR data types for one message (v2-to-FHIR IG data type maps:
// CX -> Identifier, XPN -> HumanName, XAD -> Address, XTN -> ContactPoint, CWE -> CodeableConcept,
// DTM -> dateTime/instant, XCN -> Reference with display). Problems go to the issue list.
class Datatypes {
 public:
  Datatypes(const Message& msg, Allocator& a, std::vector<Issue>& issues, const MappingContext& ctx)
      : msg_(msg), a_(a), issues_(issues), ctx_(ctx) {}

  Value identifier(std::string_view cx, const std::string& where);
  std::string identifierSystem(std::string_view hd);
  // A CX as the patient index sees it: canonical system, value, ID type and trust.
  identity::IdentifierFact identifierFact(std::string_view cx);
  Value humanName(std::string_view xpn);
  Value address(std::string_view xad);
  Value contactPoint(std::string_view xtn, const char* defaultUse);
  Value codeableConcept(std::string_view cwe);
  Value coding(std::string_view code, std::string_view display, std::string_view system);
  static std::string codeSystem(std::string_view hl7Name);
  // XCN/CNN as a Reference carrying display (+ identifier when the id is present).
  Value practitionerReference(std::string_view xcn);
  // DTM -> FHIR dateTime ("" when invalid: an issue is recorded with `where`).
  std::string dateTime(std::string_view dtm, const std::string& where);
  std::string date(std::string_view dtm, const std::string& where);
  // An instant needs seconds and an offset; HL7 precision is filled with zeros.
  std::string instant(std::string_view dtm, const std::string& where);
  Value quantity(std::string_view value, std::string_view ce);

  void warn(const std::string& where, const std::string& path, const std::string& text);
  void error(const std::string& where, const std::string& path, const std::string& text);
  std::string u(std::string_view raw) const { return msg_.unescape(raw); }
  std::string_view comp(std::string_view rep, int c, int s = 0) const {
    return msg_.component(rep, c, s);
  }
  const Message& msg() const { return msg_; }
  Allocator& alloc() { return a_; }

 private:
  const Message& msg_;
  Allocator& a_;
  std::vector<Issue>& issues_;
  const MappingContext& ctx_;
};

bool hasCjk(std::string_view utf8);

}  // namespace medbridge::mappings::hl7v2
