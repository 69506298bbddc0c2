#include "mappings/dicom/DicomJsonText.h"

#include <cctype>
#include <cstdlib>

namespace medbridge::mappings::dicom {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

bool isNumberVr(const std::string& vr) {
  return vr == "IS" || vr == "DS" || vr == "US" || vr == "SS" || vr == "UL" || vr == "SL" ||
         vr == "FL" || vr == "FD" || vr == "UV" || vr == "SV";
}

// A JSON number as written (digits, sign, point, exponent; no leading '+', no bare point).
bool isJsonNumber(const std::string& s) {
  if (s.empty()) return false;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  if (s[i] == '0' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))
    return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end && *end == '\0' && s.back() != '.';
}

void writeValue(const rapidjson::Value& v, bool number, Writer& w) {
  if (number && v.IsString() && isJsonNumber(v.GetString()))
    w.RawValue(v.GetString(), v.GetStringLength(), rapidjson::kNumberType);
  else
    v.Accept(w);  // strings, nulls, person-name objects
}

}  // namespace

void writeDicomJson(const rapidjson::Value& object, Writer& w) {
  w.StartObject();
  for (const auto& m : object.GetObject()) {
    w.Key(m.name.GetString(), m.name.GetStringLength());
    if (!m.value.IsObject()) {
      m.value.Accept(w);
      continue;
    }
    auto vr = m.value.FindMember("vr");
    bool number =
        vr != m.value.MemberEnd() && vr->value.IsString() && isNumberVr(vr->value.GetString());
    bool sequence = vr != m.value.MemberEnd() && vr->value.IsString() &&
                    std::string(vr->value.GetString()) == "SQ";
    w.StartObject();
    for (const auto& field : m.value.GetObject()) {
      w.Key(field.name.GetString(), field.name.GetStringLength());
      if (std::string(field.name.GetString()) == "Value" && field.value.IsArray()) {
        w.StartArray();
        for (const auto& item : field.value.GetArray()) {
          if (sequence && item.IsObject())
            writeDicomJson(item, w);
          else
            writeValue(item, number, w);
        }
        w.EndArray();
      } else {
        field.value.Accept(w);
      }
    }
    w.EndObject();
  }
  w.EndObject();
}

std::string dicomJsonText(const rapidjson::Value& object) {
  rapidjson::StringBuffer b;
  Writer w(b);
  writeDicomJson(object, w);
  return b.GetString();
}

}  // namespace medbridge::mappings::dicom
