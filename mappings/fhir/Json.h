#pragma once

#include <rapidjson/document.h>

#include <map>
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

}  // namespace medbridge::mappings::fhir
