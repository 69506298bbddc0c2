#pragma once

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace medbridge::mappings::fhir {

using Value = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

// FHIR decimals keep the precision they were written with ("1.50" stays 1.50). RapidJSON numbers
// cannot, so a decimal is held as a string marked with kDecimalMark and written raw by toJson.
inline constexpr char kDecimalMark = '\x1F';

// A JSON number from decimal text, normalised to JSON syntax ("+.5" -> 0.5); a null Value when the
// text is not a number.
Value decimal(std::string_view text, Allocator& a);
bool isDecimalText(std::string_view text);

// Where a JSON text is malformed.
struct JsonError {
  std::size_t offset = 0;  // bytes from the start
  int line = 1, column = 1;
  std::string message;
  std::string describe() const;  // "line 3, column 7 (byte 41): Missing a colon after a name"
};

// Parses JSON keeping every number as written: numbers become kDecimalMark strings, so toJson
// writes them back unchanged ("1.50" stays 1.50). nullopt when well-formed.
std::optional<JsonError> parseJson(std::string_view text, rapidjson::Document& out);

// The text of a number parsed by parseJson (or nullopt when v is not one).
std::optional<std::string_view> numberText(const Value& v);

Value str(std::string_view s, Allocator& a);
// {"reference": ref}
Value reference(std::string_view ref, Allocator& a);

// Adds member `name` = string `s` unless s is empty.
void setString(Value& obj, const char* name, std::string_view s, Allocator& a);
// Adds member `name` = v unless v is null, an empty object or an empty array.
void setValue(Value& obj, const char* name, Value&& v, Allocator& a);
// Appends v to the array member `name` (created when missing) unless v is empty.
void push(Value& obj, const char* name, Value&& v, Allocator& a);
bool isEmpty(const Value& v);

// Serialises compactly, writing marked decimals as raw numbers. With `references`, the value of
// every "reference" member found in it is replaced by its mapped value.
std::string toJson(const Value& v,
                   const std::map<std::string, std::string, std::less<>>* references = nullptr);

// The string member `name` of an object ("" when absent, not a string, or obj not an object).
std::string stringMember(const Value& obj, const char* name);
// The code of the first coding of `system` in a CodeableConcept ("" when none).
std::string codeIn(const Value& codeable, const char* system);

// JSON text with every object's members in name order (arrays keep theirs): equal content, equal
// text, whatever order the members were written in.
std::string canonicalJson(const Value& v);

}  // namespace medbridge::mappings::fhir
