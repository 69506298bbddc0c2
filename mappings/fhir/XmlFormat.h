#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mappings/fhir/Definitions.h"
#include "mappings/fhir/Json.h"

namespace medbridge::mappings::fhir {

// FHIR XML <-> FHIR JSON, driven by the R4 definitions (element order, attributes, primitive
// types): primitive extensions (`_birthDate` <-> <birthDate id=".."><extension/></birthDate>),
// contained and nested resources, the XHTML narrative, decimals as written. Lossless both ways.

// The XML form of a resource (as parseJson keeps it). Throws std::invalid_argument when the JSON
// is not a resource of a known type.
std::string toXml(const Value& resource, const Definitions& defs = Definitions::r4());

struct XmlError {
  int line = 0, column = 0;
  std::string message;
  std::string describe() const;  // "line 3, column 7: ..."
};

// Reads a FHIR XML resource into JSON (numbers marked as parseJson marks them). DTDs and
// external entities are refused.
std::optional<XmlError> fromXml(std::string_view xml, rapidjson::Document& out,
                                const Definitions& defs = Definitions::r4());

// An XHTML fragment as this module writes it back after reading (parsed and serialised again):
// two narratives are the same XHTML when their canonical forms are equal. "" when malformed.
std::string canonicalXhtml(std::string_view xhtml);

}  // namespace medbridge::mappings::fhir
