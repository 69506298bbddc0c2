// FhirServer's search: searchset Bundles with stable paging, _include/_revinclude.
#include <Poco/URI.h>

#include <set>

#include "gateway/fhir/FhirServer.h"
#include "gateway/fhir/ResourceJson.h"

namespace medbridge::fhir {
namespace {

using mappings::fhir::str;
using mappings::fhir::Value;

void addLink(Value& links, const char* relation, const std::string& url,
             rapidjson::Document::AllocatorType& a) {
  Value link(rapidjson::kObjectType);
  link.AddMember("relation", rapidjson::StringRef(relation), a);
  link.AddMember("url", str(url, a), a);
  links.PushBack(link, a);
}

void addEntry(Value& entries, const store::ResourceVersion& v, const char* mode,
              const std::string& base, rapidjson::Document::AllocatorType& a) {
  rapidjson::Document r(&a);
  if (mappings::fhir::parseJson(v.json, r)) return;
  setVersionMeta(r, v.version, v.lastUpdated);
  Value e(rapidjson::kObjectType), search(rapidjson::kObjectType);
  e.AddMember("fullUrl", str(base + "/" + v.type + "/" + v.id, a), a);
  e.AddMember("resource", Value(r, a), a);
  search.AddMember("mode", rapidjson::StringRef(mode), a);
  e.AddMember("search", search, a);
  entries.PushBack(e, a);
}

// "Type/id" -> (Type, id)
std::pair<std::string, std::string> split(const std::string& ref) {
  auto slash = ref.find('/');
  if (slash == std::string::npos) return {"", ""};
  return {ref.substr(0, slash), ref.substr(slash + 1)};
}

}  // namespace

FhirResponse FhirServer::search(const FhirRequest& r, const std::string& type,
                                std::vector<std::pair<std::string, std::string>> params) {
  bool strict = r.header("prefer").find("handling=strict") != std::string::npos;
  SearchSnapshot snapshot;
  snapshot.query = mappings::fhir::parseSearch(type, params, strict, r.base);
  snapshot.selfQuery = encodeQuery(params);
  snapshot.ids = store_.search(snapshot.query);
  auto shared = pages_.keep(std::move(snapshot));
  return renderPage(r, *shared, 0, shared->query.count);
}

FhirResponse FhirServer::page(const FhirRequest& r) {
  std::string id;
  int offset = 0, count = 20;
  try {
    for (const auto& [k, v] : r.query) {
      if (k == "_getpages") id = v;
      if (k == "_offset") offset = std::max(0, std::stoi(v));
      if (k == "_count") count = std::max(0, std::min(1000, std::stoi(v)));
    }
  } catch (const std::exception&) {
    throw FhirError(400, "invalid", "_offset and _count must be numbers");
  }
  auto snapshot = pages_.find(id);
  if (!snapshot)
    throw FhirError(410, "not-found", "search " + id + " has expired; run the search again");
  authorize(r, snapshot->query.type, false);
  return renderPage(r, *snapshot, offset, count);
}

FhirResponse FhirServer::renderPage(const FhirRequest& r, const SearchSnapshot& s, int offset,
                                    int count) {
  const auto& q = s.query;
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("resourceType", "Bundle", a);
  d.AddMember("id", str(s.id, a), a);
  d.AddMember("type", "searchset", a);
  d.AddMember("total", static_cast<unsigned>(s.ids.size()), a);
  Value links(rapidjson::kArrayType);
  std::string typeBase = r.base + "/" + q.type;
  addLink(links, "self", typeBase + (s.selfQuery.empty() ? "" : "?" + s.selfQuery), a);
  auto pageUrl = [&](int at) {
    return r.base + "?_getpages=" + s.id + "&_offset=" + std::to_string(at) +
           "&_count=" + std::to_string(count);
  };
  int total = static_cast<int>(s.ids.size());
  if (!q.summaryCount && count > 0) {
    if (offset + count < total) addLink(links, "next", pageUrl(offset + count), a);
    if (offset > 0) addLink(links, "previous", pageUrl(std::max(0, offset - count)), a);
  }
  d.AddMember("link", links, a);
  Value entries(rapidjson::kArrayType);
  if (!q.summaryCount && offset < total) {
    std::vector<std::string> pageIds(s.ids.begin() + offset,
                                     s.ids.begin() + std::min(total, offset + count));
    auto matches = store_.readResources(q.type, pageIds);
    std::set<std::string> seen;
    for (const auto& v : matches) {
      addEntry(entries, v, "match", r.base, a);
      seen.insert(v.type + "/" + v.id);
    }
    std::vector<std::string> wanted;
    for (const auto& inc : q.includes)
      for (const auto& v : matches)
        for (const auto& ref : store_.referencesOf(q.type, v.id, inc.param))
          if (inc.targetType.empty() || split(ref).first == inc.targetType) wanted.push_back(ref);
    std::vector<std::string> targets;
    for (const auto& v : matches) targets.push_back(v.type + "/" + v.id);
    for (const auto& inc : q.revIncludes)
      for (const auto& id : store_.referring(inc.sourceType, inc.param, targets))
        wanted.push_back(inc.sourceType + "/" + id);
    for (const auto& ref : wanted) {
      if (!seen.insert(ref).second) continue;
      auto [t, id] = split(ref);
      if (t.empty()) continue;
      for (const auto& v : store_.readResources(t, {id}))
        addEntry(entries, v, "include", r.base, a);
    }
  }
  if (!q.ignored.empty()) {
    std::vector<OutcomeIssue> warnings;
    for (const auto& w : q.ignored) warnings.push_back({"warning", "not-supported", w, ""});
    rapidjson::Document oo(&a);
    mappings::fhir::parseJson(operationOutcome(warnings), oo);
    Value e(rapidjson::kObjectType), search(rapidjson::kObjectType);
    e.AddMember("resource", Value(oo, a), a);
    search.AddMember("mode", "outcome", a);
    e.AddMember("search", search, a);
    entries.PushBack(e, a);
  }
  if (!entries.Empty()) d.AddMember("entry", entries, a);
  return {200, mappings::fhir::toJson(d), {}};
}

}  // namespace medbridge::fhir
