#include "adapters/pacs_dicom/DicomJson.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvr.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <cstdlib>

namespace medbridge::adapters::pacs_dicom {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr Uint32 kLargestKeptValue = 4096;

bool isBinary(DcmEVR vr) {
  switch (vr) {
    case EVR_OB:
    case EVR_OW:
    case EVR_OF:
    case EVR_OD:
    case EVR_OL:
    case EVR_OV:
    case EVR_UN:
    case EVR_ox:
    case EVR_px:
    case EVR_pixelSQ:
    case EVR_pixelItem:
      return true;
    default:
      return false;
  }
}

bool isNumber(DcmEVR vr) {
  switch (vr) {
    case EVR_IS:
    case EVR_DS:
    case EVR_US:
    case EVR_SS:
    case EVR_UL:
    case EVR_SL:
    case EVR_FL:
    case EVR_FD:
    case EVR_UV:
    case EVR_SV:
    case EVR_xs:
      return true;
    default:
      return false;
  }
}

// Text VRs whose value is never split at backslashes.
bool isSingleText(DcmEVR vr) {
  return vr == EVR_LT || vr == EVR_ST || vr == EVR_UT || vr == EVR_UR;
}

// IS and DS values as JSON numbers: "+1" or "1." are valid DICOM but not JSON.
void writeNumber(Writer& w, const OFString& raw) {
  std::string s = raw.c_str();
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  if (s.empty()) {
    w.Null();
    return;
  }
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end == nullptr || *end != '\0') {
    w.String(s.c_str());  // not a number at all: kept as text rather than lost
    return;
  }
  bool plainJson = s.find_first_of("+") == std::string::npos && s.back() != '.' &&
                   s.front() != '.' && s.rfind("-.", 0) != 0 &&
                   !(s.size() > 1 && s[0] == '0' && s[1] != '.') &&
                   !(s.size() > 2 && s[0] == '-' && s[1] == '0' && s[2] != '.');
  if (plainJson) {
    w.RawValue(s.c_str(), s.size(), rapidjson::kNumberType);
  } else {
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%.17g", d);
    w.RawValue(buf, static_cast<std::size_t>(n), rapidjson::kNumberType);
  }
}

void writePersonName(Writer& w, const OFString& value) {
  std::string s = value.c_str();
  const char* groups[] = {"Alphabetic", "Ideographic", "Phonetic"};
  w.StartObject();
  std::size_t start = 0;
  for (int g = 0; g < 3 && start <= s.size(); ++g) {
    std::size_t end = s.find('=', start);
    std::string part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!part.empty()) {
      w.Key(groups[g]);
      w.String(part.c_str(), static_cast<rapidjson::SizeType>(part.size()));
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  w.EndObject();
}

void writeItem(Writer& w, DcmItem& item);

void writeElement(Writer& w, DcmElement& e) {
  DcmEVR vr = e.ident();
  w.Key(tagText(e.getTag()).c_str());
  w.StartObject();
  w.Key("vr");
  w.String(DcmVR(vr).getValidVRName());
  if (vr == EVR_SQ) {
    auto& sequence = static_cast<DcmSequenceOfItems&>(static_cast<DcmObject&>(e));
    if (sequence.card() > 0) {
      w.Key("Value");
      w.StartArray();
      for (unsigned long i = 0; i < sequence.card(); ++i) writeItem(w, *sequence.getItem(i));
      w.EndArray();
    }
  } else if (!isBinary(vr) && e.getLength() > 0 && e.getLength() <= kLargestKeptValue) {
    w.Key("Value");
    w.StartArray();
    if (isSingleText(vr)) {
      OFString value;
      e.getOFStringArray(value);
      w.String(value.c_str());
    } else {
      for (unsigned long i = 0; i < e.getVM(); ++i) {
        OFString value;
        e.getOFString(value, i);
        if (vr == EVR_PN)
          writePersonName(w, value);
        else if (isNumber(vr))
          writeNumber(w, value);
        else if (vr == EVR_AT)  // "(gggg,eeee)" -> "GGGGEEEE"
          w.String(value.size() == 11 ? (value.substr(1, 4) + value.substr(6, 4)).c_str()
                                      : value.c_str());
        else if (value.empty())
          w.Null();
        else
          w.String(value.c_str());
      }
    }
    w.EndArray();
  }
  w.EndObject();
}

void writeItem(Writer& w, DcmItem& item) {
  w.StartObject();
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* e = item.getElement(i);
    if (e == nullptr || e->getTag().getElement() == 0x0000) continue;  // group lengths
    writeElement(w, *e);
  }
  w.EndObject();
}

std::string valueText(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsDouble()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v.GetDouble());
    return buf;
  }
  return "";
}

std::string personNameText(const rapidjson::Value& v) {
  if (!v.IsObject()) return valueText(v);
  std::string groups[3];
  const char* names[] = {"Alphabetic", "Ideographic", "Phonetic"};
  for (int g = 0; g < 3; ++g) {
    auto m = v.FindMember(names[g]);
    if (m != v.MemberEnd() && m->value.IsString()) groups[g] = m->value.GetString();
  }
  if (!groups[2].empty()) return groups[0] + "=" + groups[1] + "=" + groups[2];
  if (!groups[1].empty()) return groups[0] + "=" + groups[1];
  return groups[0];
}

}  // namespace

OFCondition convertToUtf8(DcmItem& item) {
  OFString declared;
  item.findAndGetOFStringArray(DCM_SpecificCharacterSet, declared);
  OFCondition converted = item.convertToUTF8();
  if (converted.good() || !declared.empty()) return converted;
  for (const char* guess : {"ISO_IR 192", "GB18030"}) {
    item.putAndInsertString(DCM_SpecificCharacterSet, guess);
    converted = item.convertToUTF8();
    if (converted.good()) return converted;
  }
  item.findAndDeleteElement(DCM_SpecificCharacterSet);
  return converted;
}

std::string tagText(const DcmTagKey& tag) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%04X%04X", tag.getGroup(), tag.getElement());
  return buf;
}

std::string headerJson(DcmItem& item) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  writeItem(w, item);
  return buffer.GetString();
}

void putJson(const rapidjson::Value& object, DcmItem& item) {
  for (const auto& m : object.GetObject()) {
    unsigned long tag = std::strtoul(m.name.GetString(), nullptr, 16);
    auto vrMember = m.value.FindMember("vr");
    if (vrMember == m.value.MemberEnd() || !vrMember->value.IsString()) continue;
    DcmVR vr(vrMember->value.GetString());
    DcmTag dcmTag(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFF), vr);
    auto values = m.value.FindMember("Value");
    bool hasValues = values != m.value.MemberEnd() && values->value.IsArray();
    if (vr.getEVR() == EVR_SQ) {
      auto* sequence = new DcmSequenceOfItems(dcmTag);
      if (hasValues)
        for (const auto& child : values->value.GetArray()) {
          auto* childItem = new DcmItem();
          if (child.IsObject()) putJson(child, *childItem);
          sequence->append(childItem);
        }
      item.insert(sequence, OFTrue);
      continue;
    }
    std::string text;
    if (hasValues)
      for (const auto& v : values->value.GetArray()) {
        if (&v != values->value.Begin()) text += '\\';
        text += vr.getEVR() == EVR_PN ? personNameText(v) : valueText(v);
      }
    item.putAndInsertOFStringArray(dcmTag, OFString(text.c_str(), text.size()), OFTrue);
  }
}

}  // namespace medbridge::adapters::pacs_dicom
