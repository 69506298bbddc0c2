#include "gateway/identity/PatientMatch.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>

#include "gateway/fhir/ResourceJson.h"
#include "mappings/fhir/SearchQuery.h"
#include "mappings/identity/FhirPatientFacts.h"
#include "mappings/identity/NationalId.h"

namespace medbridge::identity {
namespace {

using mappings::identity::PatientFacts;
using Value = rapidjson::Value;

constexpr int kDefaultCount = 10;
constexpr int kMaxCandidates = 200;  // name + birth-date candidates read per request

struct Grade {
  double score;
  const char* code;
};

bool sameName(const PatientFacts& a, const PatientFacts& b) {
  for (const auto& k : a.nameKeys)
    if (std::find(b.nameKeys.begin(), b.nameKeys.end(), k) != b.nameKeys.end()) return true;
  return false;
}

// How a candidate compares on demographics; nullopt when it does not match or contradicts.
std::optional<Grade> demographicGrade(const PatientFacts& input, const PatientFacts& candidate) {
  if (input.birthDate.empty() || candidate.birthDate != input.birthDate) return std::nullopt;
  if (!sameName(input, candidate)) return std::nullopt;
  if (!input.gender.empty() && !candidate.gender.empty())
    return input.gender == candidate.gender ? std::optional<Grade>({0.8, "probable"})
                                            : std::nullopt;
  return Grade{0.6, "possible"};
}

// The identifiers of the input that may identify it for certain.
std::vector<std::pair<std::string, std::string>> certainIdentifiers(const PatientFacts& input,
                                                                    const std::string& today) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : input.identifiers) {
    if (!f.trusted || f.guardian) continue;
    if (f.type != "national-id") {
      out.emplace_back(f.system, f.value);
      continue;
    }
    auto id = mappings::identity::checkNationalId(f.value, today);
    if (id.valid &&
        mappings::identity::conflictsWithRecord(id, input.birthDate, input.gender).empty())
      out.emplace_back(f.system, id.normalized);
  }
  return out;
}

const Value* parameter(const rapidjson::Document& body, const char* name) {
  auto params = body.FindMember("parameter");
  if (params == body.MemberEnd() || !params->value.IsArray()) return nullptr;
  for (const auto& p : params->value.GetArray())
    if (p.IsObject() && p.HasMember("name") && p["name"].IsString() &&
        p["name"].GetString() == std::string(name))
      return &p;
  return nullptr;
}

}  // namespace

FhirAnswer answerMatch(const std::string& body, const std::string& base, store::IStore& store,
                       const mappings::identity::IdentifierSystems& systems,
                       const std::string& today) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return outcomeAnswer(400, "error", "structure", "the body must be a Parameters resource");
  const Value* resource = nullptr;
  if (const Value* p = parameter(doc, "resource"); p && p->HasMember("resource"))
    resource = &(*p)["resource"];
  if (!resource || !resource->IsObject() || !resource->HasMember("resourceType") ||
      (*resource)["resourceType"] != "Patient")
    return outcomeAnswer(400, "error", "required",
                         "the Parameters need a parameter 'resource' holding a Patient");
  bool onlyCertain = false;
  if (const Value* p = parameter(doc, "onlyCertainMatches"))
    onlyCertain = p->HasMember("valueBoolean") && (*p)["valueBoolean"].IsBool() &&
                  (*p)["valueBoolean"].GetBool();
  int count = kDefaultCount;
  if (const Value* p = parameter(doc, "count"); p && p->HasMember("valueInteger")) {
    const Value& c = (*p)["valueInteger"];
    if (c.IsInt() && c.GetInt() > 0) count = c.GetInt();
  }
  PatientFacts input = mappings::identity::patientFactsFromFhir(*resource, "", systems);

  std::map<std::string, Grade> graded;  // Patient id -> best grade
  for (const auto& [system, value] : certainIdentifiers(input, today))
    if (auto linked = store.crossReference(system, value))
      for (const auto& id : *linked)
        if (!id.resourceId.empty()) graded[id.resourceId] = {1.0, "certain"};
  if (!onlyCertain && !input.birthDate.empty() && !input.nameKeys.empty()) {
    mappings::fhir::SearchQuery q =
        mappings::fhir::parseSearch("Patient", {{"birthdate", input.birthDate}}, true);
    q.count = kMaxCandidates;
    auto ids = store.search(q);
    if (ids.size() > kMaxCandidates) ids.resize(kMaxCandidates);
    for (const auto& v : store.readResources("Patient", ids)) {
      if (graded.count(v.id)) continue;
      rapidjson::Document candidate;
      candidate.Parse(v.json.c_str(), v.json.size());
      auto facts = mappings::identity::patientFactsFromFhir(candidate, v.id, systems);
      if (auto grade = demographicGrade(input, facts)) graded[v.id] = *grade;
    }
  }
  std::vector<std::pair<std::string, Grade>> ranked(graded.begin(), graded.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second.score > b.second.score; });

  rapidjson::Document out;
  out.SetObject();
  auto& a = out.GetAllocator();
  out.AddMember("resourceType", "Bundle", a);
  out.AddMember("type", "searchset", a);
  Value entries(rapidjson::kArrayType);
  for (const auto& [id, grade] : ranked) {
    if (static_cast<int>(entries.Size()) >= count) break;
    auto versions = store.readResources("Patient", {id});
    if (versions.empty()) continue;
    rapidjson::Document patient;
    patient.Parse(versions[0].json.c_str(), versions[0].json.size());
    fhir::setVersionMeta(patient, versions[0].version, versions[0].lastUpdated);
    Value entry(rapidjson::kObjectType);
    entry.AddMember("fullUrl", Value((base + "/Patient/" + id).c_str(), a), a);
    entry.AddMember("resource", Value(patient, a), a);
    Value search(rapidjson::kObjectType);
    Value extension(rapidjson::kArrayType);
    Value matchGrade(rapidjson::kObjectType);
    matchGrade.AddMember("url", "http://hl7.org/fhir/StructureDefinition/match-grade", a);
    matchGrade.AddMember("valueCode", Value(grade.code, a), a);
    extension.PushBack(matchGrade, a);
    search.AddMember("extension", extension, a);
    search.AddMember("mode", "match", a);
    search.AddMember("score", grade.score, a);
    entry.AddMember("search", search, a);
    entries.PushBack(entry, a);
  }
  out.AddMember("total", entries.Size(), a);
  out.AddMember("entry", entries, a);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  out.Accept(w);
  return {200, buf.GetString()};
}

}  // namespace medbridge::identity
