#pragma once

#include <string>
#include <string_view>

#include "mappings/fhir/Json.h"

namespace medbridge::mappings::fhir {

// Checks a JSON value against the lexical rules of an R4 primitive type ("date", "positiveInt",
// "code", ...): the JSON kind (boolean, number, string) and the format. Returns "" when valid,
// else why not. Numbers are expected as parsed by parseJson (text kept).
std::string checkPrimitive(std::string_view type, const Value& v);

}  // namespace medbridge::mappings::fhir
