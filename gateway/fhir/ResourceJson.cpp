#include "gateway/fhir/ResourceJson.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/URI.h>

#include <cstdio>
#include <random>

namespace medbridge::fhir {

using mappings::fhir::str;
using mappings::fhir::Value;

void setVersionMeta(rapidjson::Document& d, int version, const std::string& lastUpdated) {
  auto& a = d.GetAllocator();
  auto meta = d.FindMember("meta");
  if (meta == d.MemberEnd() || !meta->value.IsObject()) {
    if (meta != d.MemberEnd()) d.RemoveMember(meta);
    // Keep resourceType (and id) first: rebuild the object with meta after them.
    Value rebuilt(rapidjson::kObjectType);
    Value m(rapidjson::kObjectType);
    bool placed = false;
    for (auto& member : d.GetObject()) {
      std::string_view n(member.name.GetString(), member.name.GetStringLength());
      if (!placed && n != "resourceType" && n != "id") {
        rebuilt.AddMember("meta", m, a);
        placed = true;
      }
      rebuilt.AddMember(member.name, member.value, a);
    }
    if (!placed) rebuilt.AddMember("meta", m, a);
    static_cast<Value&>(d) = std::move(rebuilt);
    meta = d.FindMember("meta");
  }
  Value& m = meta->value;
  m.RemoveMember("versionId");
  m.RemoveMember("lastUpdated");
  // versionId and lastUpdated go first in meta.
  Value ordered(rapidjson::kObjectType);
  ordered.AddMember("versionId", str(std::to_string(version), a), a);
  ordered.AddMember("lastUpdated", str(lastUpdated, a), a);
  for (auto& member : m.GetObject()) ordered.AddMember(member.name, member.value, a);
  m = std::move(ordered);
}

void stripVersionMeta(rapidjson::Document& d) {
  auto meta = d.FindMember("meta");
  if (meta == d.MemberEnd() || !meta->value.IsObject()) return;
  meta->value.RemoveMember("versionId");
  meta->value.RemoveMember("lastUpdated");
  if (meta->value.MemberCount() == 0) d.RemoveMember(meta);
}

std::string served(const store::ResourceVersion& v) {
  rapidjson::Document d;
  if (mappings::fhir::parseJson(v.json, d) || !d.IsObject()) return v.json;
  setVersionMeta(d, v.version, v.lastUpdated);
  return mappings::fhir::toJson(d);
}

std::string httpDate(const std::string& instant) {
  int tz = 0;
  Poco::DateTime t;
  if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, instant, t, tz))
    return "";
  t.makeUTC(tz);
  return Poco::DateTimeFormatter::format(t, Poco::DateTimeFormat::HTTP_FORMAT);
}

std::string etag(int version) {
  return "W/\"" + std::to_string(version) + "\"";
}

std::string encodeQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string s;
  for (const auto& [k, v] : params) {
    std::string ek, ev;
    Poco::URI::encode(k, "&=+#", ek);
    Poco::URI::encode(v, "&=+#", ev);
    s += (s.empty() ? "" : "&") + ek + "=" + ev;
  }
  return s;
}

std::string newId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uint64_t hi = random(), lo = random();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 1
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

}  // namespace medbridge::fhir
