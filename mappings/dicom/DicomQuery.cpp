#include "mappings/dicom/DicomQuery.h"

#include <algorithm>
#include <unordered_map>

namespace medbridge::mappings::dicom {
namespace {

using rapidjson::Value;

constexpr const char* kPatientId = "00100020";
constexpr const char* kIssuerOfPatientId = "00100021";
constexpr const char* kStudyUid = "0020000D";
constexpr const char* kSeriesUid = "0020000E";
constexpr const char* kSopUid = "00080018";
constexpr const char* kSopClassUid = "00080016";
constexpr const char* kModality = "00080060";
constexpr const char* kModalitiesInStudy = "00080061";
constexpr const char* kSopClassesInStudy = "00080062";

// Keys the adapter answers itself (character set, level, retrieve AE, availability).
bool isControlKey(const std::string& tag) {
  return tag == "00080005" || tag == "00080052" || tag == "00080054" || tag == "00080056" ||
         tag.compare(0, 4, "0000") == 0 || tag.compare(0, 4, "0002") == 0;
}

bool isCountKey(const std::string& tag) {
  return tag == "00201200" || tag == "00201202" || tag == "00201204" || tag == "00201206" ||
         tag == "00201208" || tag == "00201209";
}

bool isComputedKey(const std::string& tag) {
  return isCountKey(tag) || tag == kModalitiesInStudy || tag == kSopClassesInStudy;
}

const Value* attribute(const Value& header, const char* tag) {
  auto it = header.FindMember(tag);
  return it == header.MemberEnd() ? nullptr : &it->value;
}

// The values of a non-PN, non-SQ attribute as text (numbers are kept as text).
std::vector<std::string> textValues(const Value* attr) {
  std::vector<std::string> out;
  if (!attr || !attr->IsObject()) return out;
  auto v = attr->FindMember("Value");
  if (v == attr->MemberEnd() || !v->value.IsArray()) return out;
  for (const auto& item : v->value.GetArray())
    out.push_back(item.IsString() ? std::string(item.GetString(), item.GetStringLength()) : "");
  return out;
}

std::string firstText(const Value& header, const char* tag) {
  auto values = textValues(attribute(header, tag));
  return values.empty() ? "" : values.front();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

std::u32string codePoints(const std::string& s, bool foldCase) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (foldCase && cp >= U'A' && cp <= U'Z') cp += U'a' - U'A';
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

// '*' any run of characters, '?' one character.
bool glob(const std::u32string& pattern, const std::u32string& text) {
  std::size_t p = 0, t = 0, star = std::u32string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == U'?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == U'*') {
      star = p++;
      mark = t;
    } else if (star != std::u32string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == U'*') ++p;
  return p == pattern.size();
}

bool hasWildcard(const std::string& s) {
  return s.find_first_of("*?") != std::string::npos;
}

bool textMatches(const std::string& query, const std::string& stored, bool foldCase) {
  if (!hasWildcard(query) && !foldCase) return query == stored;
  return glob(codePoints(query, foldCase), codePoints(stored, foldCase));
}

std::string withoutSeparators(std::string s) {
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == ':' || c == '.'; }), s.end());
  return s;
}

// DA/TM/DT: "a-b", "-b", "a-" or one value. An upper bound covers the values it is a prefix of
// (a range to 1200 includes 12:00:30).
bool dateTimeMatches(const std::string& query, const std::string& storedRaw,
                     const std::string& vr) {
  std::string stored = vr == "DT" ? storedRaw : withoutSeparators(storedRaw);
  std::size_t dash = query.find('-');
  if (dash == std::string::npos) return withoutSeparators(query) == stored;
  std::string lo = query.substr(0, dash), hi = query.substr(dash + 1);
  if (vr != "DT") {
    lo = withoutSeparators(lo);
    hi = withoutSeparators(hi);
  }
  if (stored.empty()) return false;
  if (!lo.empty() && stored < lo) return false;
  if (!hi.empty() && stored.substr(0, hi.size()) > hi) return false;
  return true;
}

// The alphabetic, ideographic and phonetic groups of each stored person name.
std::vector<std::vector<std::string>> personNames(const Value* attr) {
  std::vector<std::vector<std::string>> out;
  if (!attr || !attr->IsObject()) return out;
  auto v = attr->FindMember("Value");
  if (v == attr->MemberEnd() || !v->value.IsArray()) return out;
  for (const auto& item : v->value.GetArray()) {
    std::vector<std::string> groups(3);
    if (item.IsObject()) {
      const char* names[] = {"Alphabetic", "Ideographic", "Phonetic"};
      for (int g = 0; g < 3; ++g) {
        auto m = item.FindMember(names[g]);
        if (m != item.MemberEnd() && m->value.IsString()) groups[g] = m->value.GetString();
      }
    }
    out.push_back(std::move(groups));
  }
  return out;
}

bool personNameMatches(const std::string& query, const std::vector<std::string>& stored) {
  auto queryGroups = split(query, '=');
  if (queryGroups.size() == 1) {
    for (const auto& group : stored)
      if (!group.empty() && textMatches(query, group, true)) return true;
    return query.find_first_not_of('*') == std::string::npos;
  }
  for (std::size_t g = 0; g < queryGroups.size() && g < 3; ++g)
    if (!queryGroups[g].empty() && !textMatches(queryGroups[g], stored[g], true)) return false;
  return true;
}

bool numberMatches(const std::string& query, const std::string& stored) {
  try {
    std::size_t a = 0, b = 0;
    double q = std::stod(query, &a), s = std::stod(stored, &b);
    if (a == query.size() && b == stored.size()) return q == s;
  } catch (const std::exception&) {
  }
  return query == stored;
}

bool isNumberVr(const std::string& vr) {
  return vr == "IS" || vr == "DS" || vr == "US" || vr == "SS" || vr == "UL" || vr == "SL" ||
         vr == "FL" || vr == "FD" || vr == "UV" || vr == "SV";
}

bool valueMatches(const std::string& query, const std::string& stored, const std::string& vr) {
  if (vr == "DA" || vr == "TM" || vr == "DT") return dateTimeMatches(query, stored, vr);
  if (vr == "UI") return query == stored;
  if (isNumberVr(vr)) return numberMatches(query, stored);
  return textMatches(query, stored, false);
}

std::string entityKey(QueryLevel level, const Value& header) {
  switch (level) {
    case QueryLevel::Patient:
      return firstText(header, kPatientId) + '\x01' + firstText(header, kIssuerOfPatientId);
    case QueryLevel::Study:
      return firstText(header, kStudyUid);
    case QueryLevel::Series:
      return firstText(header, kSeriesUid);
    case QueryLevel::Image:
      return firstText(header, kSopUid);
  }
  return "";
}

const char* uniqueKey(QueryLevel level) {
  switch (level) {
    case QueryLevel::Patient:
      return kPatientId;
    case QueryLevel::Study:
      return kStudyUid;
    case QueryLevel::Series:
      return kSeriesUid;
    case QueryLevel::Image:
      return kSopUid;
  }
  return kSopUid;
}

// The distinct values of one attribute over the entity's instances, in order of appearance.
std::vector<std::string> distinctValues(const QueryMatch& match,
                                        const std::vector<rapidjson::Document>& headers,
                                        const char* tag) {
  std::vector<std::string> out;
  for (std::size_t i : match.instances)
    for (auto& v : textValues(attribute(headers[i], tag)))
      if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  return out;
}

bool computedMatches(const QueryKey& key, const QueryMatch& match,
                     const std::vector<rapidjson::Document>& headers) {
  if (key.value.empty() || isCountKey(key.tag)) return true;
  auto stored =
      distinctValues(match, headers, key.tag == kModalitiesInStudy ? kModality : kSopClassUid);
  for (const auto& alternative : split(key.value, '\\'))
    for (const auto& s : stored)
      if (valueMatches(alternative, s, key.vr)) return true;
  return false;
}

std::string count(const QueryMatch& match, const std::vector<rapidjson::Document>& headers,
                  const char* tag) {
  if (tag == nullptr) return std::to_string(match.instances.size());
  return std::to_string(distinctValues(match, headers, tag).size());
}

// NumberOf<Level>Related<Entities>: what to count distinct (nullptr: instances).
const char* countedTag(const std::string& tag) {
  if (tag == "00201200") return kStudyUid;
  if (tag == "00201202" || tag == "00201206") return kSeriesUid;
  return nullptr;
}

void addValues(Value& object, const std::string& tag, const std::string& vr,
               const std::vector<std::string>& values, rapidjson::Document::AllocatorType& a) {
  Value attr(rapidjson::kObjectType);
  attr.AddMember("vr", Value(vr.c_str(), a), a);
  if (!values.empty()) {
    Value array(rapidjson::kArrayType);
    for (const auto& v : values) array.PushBack(Value(v.c_str(), a), a);
    attr.AddMember("Value", array, a);
  }
  object.AddMember(Value(tag.c_str(), a), attr, a);
}

}  // namespace

bool parseQueryLevel(const std::string& text, QueryLevel& level) {
  if (text == "PATIENT")
    level = QueryLevel::Patient;
  else if (text == "STUDY")
    level = QueryLevel::Study;
  else if (text == "SERIES")
    level = QueryLevel::Series;
  else if (text == "IMAGE" || text == "INSTANCE")
    level = QueryLevel::Image;
  else
    return false;
  return true;
}

InstanceFilter prefilter(const DicomQuery& query) {
  InstanceFilter filter;
  for (const auto& key : query.keys) {
    if (key.value.empty() || hasWildcard(key.value)) continue;
    auto values = split(key.value, '\\');
    if (key.tag == kSopUid)
      filter.sopInstanceUids = values;
    else if (key.tag == kSeriesUid)
      filter.seriesInstanceUids = values;
    else if (key.tag == kStudyUid)
      filter.studyInstanceUids = values;
    else if (key.tag == kPatientId && values.size() == 1)
      filter.patientIds = values;
  }
  return filter;
}

bool matchesKey(const Value& header, const QueryKey& key) {
  if (key.value.empty() || key.vr == "SQ") return true;
  const Value* attr = attribute(header, key.tag.c_str());
  auto alternatives = split(key.value, '\\');
  if (key.vr == "PN") {
    for (const auto& name : personNames(attr))
      for (const auto& q : alternatives)
        if (personNameMatches(q, name)) return true;
    return false;
  }
  for (const auto& stored : textValues(attr))
    for (const auto& q : alternatives)
      if (valueMatches(q, stored, key.vr)) return true;
  return false;
}

std::vector<QueryMatch> findMatches(const DicomQuery& query,
                                    const std::vector<rapidjson::Document>& headers) {
  std::vector<QueryMatch> entities;
  std::unordered_map<std::string, std::size_t> byKey;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    auto [it, added] = byKey.emplace(entityKey(query.level, headers[i]), entities.size());
    if (added) entities.emplace_back();
    entities[it->second].instances.push_back(i);
  }
  std::vector<QueryMatch> matches;
  for (auto& entity : entities) {
    auto speaker = std::find_if(entity.instances.begin(), entity.instances.end(), [&](auto i) {
      return std::all_of(query.keys.begin(), query.keys.end(), [&](const QueryKey& key) {
        return isControlKey(key.tag) || isComputedKey(key.tag) || matchesKey(headers[i], key);
      });
    });
    if (speaker == entity.instances.end()) continue;
    std::rotate(entity.instances.begin(), speaker, speaker + 1);
    bool computedOk = std::all_of(query.keys.begin(), query.keys.end(), [&](const QueryKey& key) {
      return !isComputedKey(key.tag) || computedMatches(key, entity, headers);
    });
    if (computedOk) matches.push_back(std::move(entity));
  }
  return matches;
}

rapidjson::Document responseFor(const DicomQuery& query, const QueryMatch& match,
                                const std::vector<rapidjson::Document>& headers) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  const Value& speaker = headers[match.instances.front()];
  auto add = [&](const std::string& tag, const std::string& vr) {
    if (out.HasMember(tag.c_str())) return;
    if (tag == kModalitiesInStudy)
      addValues(out, tag, "CS", distinctValues(match, headers, kModality), a);
    else if (tag == kSopClassesInStudy)
      addValues(out, tag, "UI", distinctValues(match, headers, kSopClassUid), a);
    else if (isCountKey(tag))
      addValues(out, tag, "IS", {count(match, headers, countedTag(tag))}, a);
    else if (const Value* attr = attribute(speaker, tag.c_str()))
      out.AddMember(Value(tag.c_str(), a), Value(*attr, a), a);
    else
      addValues(out, tag, vr, {}, a);
  };
  for (const auto& key : query.keys)
    if (!isControlKey(key.tag)) add(key.tag, key.vr);
  add(uniqueKey(query.level), query.level == QueryLevel::Patient ? "LO" : "UI");
  return out;
}

}  // namespace medbridge::mappings::dicom
