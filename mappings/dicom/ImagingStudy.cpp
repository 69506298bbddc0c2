#include "mappings/dicom/ImagingStudy.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <set>

namespace medbridge::mappings::dicom {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using rapidjson::Value;

std::string first(const Value& header, const char* tag) {
  auto attr = header.FindMember(tag);
  if (attr == header.MemberEnd() || !attr->value.IsObject()) return "";
  auto values = attr->value.FindMember("Value");
  if (values == attr->value.MemberEnd() || !values->value.IsArray() || values->value.Empty())
    return "";
  const Value& v = values->value[0];
  if (v.IsString()) return v.GetString();
  if (v.IsObject()) {  // a person name: in Chinese characters when it has them
    for (const char* group : {"Ideographic", "Alphabetic"}) {
      auto g = v.FindMember(group);
      if (g != v.MemberEnd() && g->value.IsString() && g->value.GetStringLength() > 0)
        return g->value.GetString();
    }
  }
  return "";
}

// DICOM PN "Family^Given^Middle^Prefix^Suffix" as text, from the ideographic group when there
// is one ("Wang^XiaoDong=王^小东" -> 王小东); other names with spaces.
std::string displayName(const std::string& value) {
  std::string pn = value.substr(0, value.find('='));
  if (std::size_t eq = value.find('='); eq != std::string::npos) {
    std::string ideographic = value.substr(eq + 1);
    ideographic = ideographic.substr(0, ideographic.find('='));
    if (!ideographic.empty()) pn = ideographic;
  }
  bool ascii = std::all_of(pn.begin(), pn.end(), [](char c) { return (c & 0x80) == 0; });
  std::string out;
  for (char c : pn) {
    if (c == '^') {
      if (ascii && !out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// DA + TM (+ offset) as a FHIR dateTime; "" when the date is not YYYYMMDD.
std::string dateTime(const std::string& da, const std::string& tm, const std::string& offset) {
  if (da.size() != 8 || !std::all_of(da.begin(), da.end(), ::isdigit)) return "";
  std::string date = da.substr(0, 4) + "-" + da.substr(4, 2) + "-" + da.substr(6, 2);
  std::string t;
  for (char c : tm)
    if (c != ':') t += c;
  if (t.size() < 4 || !std::all_of(t.begin(), t.begin() + 4, ::isdigit)) return date;
  std::string seconds = t.size() >= 6 ? t.substr(4, 2) : "00";
  std::string fraction;
  if (t.size() > 7 && t[6] == '.') fraction = t.substr(6, std::min<std::size_t>(t.size() - 6, 7));
  return date + "T" + t.substr(0, 2) + ":" + t.substr(2, 2) + ":" + seconds + fraction + offset;
}

// "+0800" -> "+08:00"
std::string fhirOffset(const std::string& dicomOffset, const std::string& fallback) {
  if (dicomOffset.size() == 5 && (dicomOffset[0] == '+' || dicomOffset[0] == '-'))
    return dicomOffset.substr(0, 3) + ":" + dicomOffset.substr(3);
  return fallback;
}

long number(const std::string& text) {
  try {
    return std::stol(text);
  } catch (const std::exception&) {
    return -1;
  }
}

void coding(Writer& w, const char* system, const std::string& code) {
  w.StartObject();
  w.Key("system");
  w.String(system);
  w.Key("code");
  w.String(code.c_str());
  w.EndObject();
}

void stringMember(Writer& w, const char* key, const std::string& value) {
  if (value.empty()) return;
  w.Key(key);
  w.String(value.c_str());
}

constexpr const char* kDcm = "http://dicom.nema.org/resources/ontology/DCM";

struct Series {
  const Value* header = nullptr;  // the first instance speaks for the series
  std::vector<const Value*> instances;
};

}  // namespace

std::string imagingStudyJson(const std::vector<rapidjson::Document>& headers,
                             const ImagingStudyContext& context) {
  const Value& study = headers.front();
  std::map<std::string, Series> series;
  std::vector<std::string> modalities;
  for (const auto& h : headers) {
    Series& s = series[first(h, "0020000E")];
    if (!s.header) s.header = &h;
    s.instances.push_back(&h);
    std::string modality = first(h, "00080060");
    if (!modality.empty() &&
        std::find(modalities.begin(), modalities.end(), modality) == modalities.end())
      modalities.push_back(modality);
  }
  std::vector<const Series*> ordered;
  for (const auto& [uid, s] : series) ordered.push_back(&s);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Series* a, const Series* b) {
    return number(first(*a->header, "00200011")) < number(first(*b->header, "00200011"));
  });
  std::string offset = fhirOffset(first(study, "00080201"), context.utcOffset);

  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("resourceType");
  w.String("ImagingStudy");
  w.Key("id");
  std::string uid = first(study, "0020000D");
  w.String(uid.c_str());
  w.Key("identifier");
  w.StartArray();
  w.StartObject();
  w.Key("system");
  w.String("urn:dicom:uid");
  w.Key("value");
  w.String(("urn:oid:" + uid).c_str());
  w.EndObject();
  if (std::string accession = first(study, "00080050"); !accession.empty()) {
    w.StartObject();
    w.Key("type");
    w.StartObject();
    w.Key("coding");
    w.StartArray();
    coding(w, "http://terminology.hl7.org/CodeSystem/v2-0203", "ACSN");
    w.EndArray();
    w.EndObject();
    w.Key("value");
    w.String(accession.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.Key("status");
  w.String("available");
  if (!modalities.empty()) {
    w.Key("modality");
    w.StartArray();
    for (const auto& m : modalities) coding(w, kDcm, m);
    w.EndArray();
  }
  w.Key("subject");
  w.StartObject();
  if (!context.subject.reference.empty()) {
    w.Key("reference");
    w.String(context.subject.reference.c_str());
  } else {
    w.Key("identifier");
    w.StartObject();
    stringMember(w, "system", context.subject.system);
    stringMember(w, "value", context.subject.value);
    w.EndObject();
  }
  stringMember(w, "display", displayName(context.subject.display));
  w.EndObject();
  stringMember(w, "started", dateTime(first(study, "00080020"), first(study, "00080030"), offset));
  if (std::string referrer = displayName(first(study, "00080090")); !referrer.empty()) {
    w.Key("referrer");
    w.StartObject();
    w.Key("display");
    w.String(referrer.c_str());
    w.EndObject();
  }
  if (!context.endpoint.empty()) {
    w.Key("endpoint");
    w.StartArray();
    w.StartObject();
    w.Key("reference");
    w.String(context.endpoint.c_str());
    w.EndObject();
    w.EndArray();
  }
  w.Key("numberOfSeries");
  w.Uint(static_cast<unsigned>(series.size()));
  w.Key("numberOfInstances");
  w.Uint(static_cast<unsigned>(headers.size()));
  stringMember(w, "description", first(study, "00081030"));
  w.Key("series");
  w.StartArray();
  for (const Series* s : ordered) {
    const Value& h = *s->header;
    w.StartObject();
    w.Key("uid");
    w.String(first(h, "0020000E").c_str());
    if (long n = number(first(h, "00200011")); n >= 0) {
      w.Key("number");
      w.Uint(static_cast<unsigned>(n));
    }
    w.Key("modality");
    std::string modality = first(h, "00080060");
    coding(w, kDcm, modality.empty() ? "OT" : modality);
    stringMember(w, "description", first(h, "0008103E"));
    w.Key("numberOfInstances");
    w.Uint(static_cast<unsigned>(s->instances.size()));
    stringMember(w, "started", dateTime(first(h, "00080021"), first(h, "00080031"), offset));
    std::vector<const Value*> instances = s->instances;
    std::stable_sort(instances.begin(), instances.end(), [](const Value* a, const Value* b) {
      return number(first(*a, "00200013")) < number(first(*b, "00200013"));
    });
    w.Key("instance");
    w.StartArray();
    for (const Value* i : instances) {
      w.StartObject();
      w.Key("uid");
      w.String(first(*i, "00080018").c_str());
      w.Key("sopClass");
      coding(w, "urn:ietf:rfc:3986", "urn:oid:" + first(*i, "00080016"));
      if (long n = number(first(*i, "00200013")); n >= 0) {
        w.Key("number");
        w.Uint(static_cast<unsigned>(n));
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

}  // namespace medbridge::mappings::dicom
