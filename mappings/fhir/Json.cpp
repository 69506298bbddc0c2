#include "mappings/fhir/Json.h"

#include <algorithm>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace medbridge::mappings::fhir {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

using References = std::map<std::string, std::string, std::less<>>;

void write(const Value& v, Writer& w, const References* refs) {
  switch (v.GetType()) {
    case rapidjson::kObjectType:
      w.StartObject();
      for (const auto& m : v.GetObject()) {
        w.Key(m.name.GetString(), m.name.GetStringLength());
        if (refs && m.value.IsString() && std::string_view(m.name.GetString()) == "reference") {
          auto it = refs->find(std::string_view(m.value.GetString(), m.value.GetStringLength()));
          if (it != refs->end()) {
            w.String(it->second.data(), static_cast<rapidjson::SizeType>(it->second.size()));
            continue;
          }
        }
        write(m.value, w, refs);
      }
      w.EndObject();
      break;
    case rapidjson::kArrayType:
      w.StartArray();
      for (const auto& e : v.GetArray()) write(e, w, refs);
      w.EndArray();
      break;
    case rapidjson::kStringType:
      if (v.GetStringLength() > 1 && v.GetString()[0] == kDecimalMark)
        w.RawValue(v.GetString() + 1, v.GetStringLength() - 1, rapidjson::kNumberType);
      else
        w.String(v.GetString(), v.GetStringLength());
      break;
    default:
      v.Accept(w);
  }
}

// Forwards SAX events to a Document, turning raw numbers into marked strings.
struct NumberKeepingHandler {
  rapidjson::Document& d;
  std::string scratch;
  bool Null() { return d.Null(); }
  bool Bool(bool b) { return d.Bool(b); }
  bool Int(int i) { return d.Int(i); }
  bool Uint(unsigned i) { return d.Uint(i); }
  bool Int64(std::int64_t i) { return d.Int64(i); }
  bool Uint64(std::uint64_t i) { return d.Uint64(i); }
  bool Double(double x) { return d.Double(x); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    scratch.assign(1, kDecimalMark);
    scratch.append(s, n);
    return d.String(scratch.data(), static_cast<rapidjson::SizeType>(scratch.size()), true);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return d.String(s, n, copy); }
  bool StartObject() { return d.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return d.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return d.EndObject(n); }
  bool StartArray() { return d.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return d.EndArray(n); }
};

}  // namespace

std::string JsonError::describe() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + " (byte " +
         std::to_string(offset) + "): " + message;
}

std::optional<JsonError> parseJson(std::string_view text, rapidjson::Document& out) {
  // Iterative parsing: deeply nested input cannot exhaust the stack.
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseIterativeFlag |
                              rapidjson::kParseValidateEncodingFlag;
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(text.data(), text.size());
  auto generator = [&](rapidjson::Document& d) {
    NumberKeepingHandler handler{d, {}};
    return !reader.Parse<kFlags>(stream, handler).IsError();
  };
  out.Populate(generator);
  if (!reader.HasParseError()) return std::nullopt;
  JsonError e;
  e.offset = reader.GetErrorOffset();
  e.message = rapidjson::GetParseError_En(reader.GetParseErrorCode());
  for (std::size_t i = 0; i < e.offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++e.line;
      e.column = 1;
    } else {
      ++e.column;
    }
  }
  return e;
}

std::optional<std::string_view> numberText(const Value& v) {
  if (!v.IsString() || v.GetStringLength() < 2 || v.GetString()[0] != kDecimalMark)
    return std::nullopt;
  return std::string_view(v.GetString() + 1, v.GetStringLength() - 1);
}

bool isDecimalText(std::string_view t) {
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  bool digits = false, dot = false;
  for (; i < t.size(); ++i) {
    if (t[i] >= '0' && t[i] <= '9')
      digits = true;
    else if (t[i] == '.' && !dot)
      dot = true;
    else
      return false;
  }
  return digits;
}

Value decimal(std::string_view text, Allocator& a) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (!isDecimalText(text)) return Value();
  std::string out(1, kDecimalMark);
  if (text.front() == '+') text.remove_prefix(1);
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  // JSON has no leading zeros, no leading or trailing dot.
  while (text.size() > 1 && text[0] == '0' && text[1] != '.') text.remove_prefix(1);
  if (text.front() == '.') out += '0';
  out += text;
  if (out.back() == '.') out.pop_back();
  if (out == std::string(1, kDecimalMark) + "-0") out = std::string(1, kDecimalMark) + "0";
  return Value(out.c_str(), static_cast<rapidjson::SizeType>(out.size()), a);
}

Value str(std::string_view s, Allocator& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

Value reference(std::string_view ref, Allocator& a) {
  Value r(rapidjson::kObjectType);
  r.AddMember("reference", str(ref, a), a);
  return r;
}

bool isEmpty(const Value& v) {
  return v.IsNull() || (v.IsObject() && v.MemberCount() == 0) || (v.IsArray() && v.Empty()) ||
         (v.IsString() && v.GetStringLength() == 0);
}

void setString(Value& obj, const char* name, std::string_view s, Allocator& a) {
  if (s.empty()) return;
  obj.AddMember(Value(name, a), str(s, a), a);
}

void setValue(Value& obj, const char* name, Value&& v, Allocator& a) {
  if (isEmpty(v)) return;
  obj.AddMember(Value(name, a), v, a);
}

void push(Value& obj, const char* name, Value&& v, Allocator& a) {
  if (isEmpty(v)) return;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd()) {
    obj.AddMember(Value(name, a), Value(rapidjson::kArrayType), a);
    it = obj.FindMember(name);
  }
  it->value.PushBack(v, a);
}

std::string toJson(const Value& v, const References* references) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  write(v, w, references);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string canonicalJson(const Value& v) {
  if (v.IsObject()) {
    std::vector<std::pair<std::string, const Value*>> members;
    for (const auto& m : v.GetObject()) members.emplace_back(m.name.GetString(), &m.value);
    std::sort(members.begin(), members.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    std::string out = "{";
    for (const auto& [name, value] : members)
      out += (out.size() > 1 ? "," : "") + ("\"" + name + "\":") + canonicalJson(*value);
    return out + "}";
  }
  if (v.IsArray()) {
    std::string out = "[";
    for (const auto& e : v.GetArray()) out += (out.size() > 1 ? "," : "") + canonicalJson(e);
    return out + "]";
  }
  return toJson(v);
}

std::string stringMember(const Value& obj, const char* name) {
  if (!obj.IsObject()) return "";
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::string codeIn(const Value& codeable, const char* system) {
  if (!codeable.IsObject() || !codeable.HasMember("coding") || !codeable["coding"].IsArray())
    return "";
  for (const auto& c : codeable["coding"].GetArray())
    if (stringMember(c, "system") == system) return stringMember(c, "code");
  return "";
}

}  // namespace medbridge::mappings::fhir
