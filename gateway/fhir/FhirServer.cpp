#include "gateway/fhir/FhirServer.h"

#include <Poco/Logger.h>
#include <Poco/URI.h>

#include "gateway/core/ErrorCode.h"
#include "gateway/fhir/CapabilityStatement.h"
#include "gateway/fhir/ResourceJson.h"
#include "mappings/fhir/Definitions.h"
#include "mappings/fhir/Primitives.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::fhir {
namespace {

bool validId(const std::string& id) {
  rapidjson::Value v(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
  return mappings::fhir::checkPrimitive("id", v).empty();
}

void requireType(const std::string& type) {
  if (!mappings::fhir::Definitions::r4().isResourceType(type))
    throw FhirError(404, "not-supported", "unknown resource type '" + type + "'");
}

void requireId(const std::string& id) {
  if (!validId(id))
    throw FhirError(400, "invalid", "'" + id + "' is not a valid id (1-64 of A-Z a-z 0-9 - .)");
}

[[noreturn]] void notAllowed(const std::string& method, const std::string& what) {
  throw FhirError(405, "not-supported", method + " is not supported on " + what);
}

// Adds the entries of a history Bundle for these versions (newest first).
std::string historyBundle(const std::vector<store::ResourceVersion>& versions,
                          const std::string& base, const std::string& self) {
  using namespace mappings::fhir;
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("resourceType", "Bundle", a);
  d.AddMember("type", "history", a);
  d.AddMember("total", static_cast<unsigned>(versions.size()), a);
  Value links(rapidjson::kArrayType), link(rapidjson::kObjectType);
  link.AddMember("relation", "self", a);
  link.AddMember("url", str(self, a), a);
  links.PushBack(link, a);
  d.AddMember("link", links, a);
  Value entries(rapidjson::kArrayType);
  for (const auto& v : versions) {
    Value e(rapidjson::kObjectType);
    std::string url = v.type + "/" + v.id;
    e.AddMember("fullUrl", str(base + "/" + url, a), a);
    if (!v.deleted) {
      rapidjson::Document r(&a);
      if (!parseJson(v.json, r)) {
        setVersionMeta(r, v.version, v.lastUpdated);
        e.AddMember("resource", Value(r, a), a);
      }
    }
    Value request(rapidjson::kObjectType), response(rapidjson::kObjectType);
    request.AddMember("method",
                      rapidjson::StringRef(v.deleted        ? "DELETE"
                                           : v.version == 1 ? "POST"
                                                            : "PUT"),
                      a);
    request.AddMember("url", str(v.version == 1 && !v.deleted ? v.type : url, a), a);
    response.AddMember("status",
                       rapidjson::StringRef(v.deleted        ? "204"
                                            : v.version == 1 ? "201"
                                                             : "200"),
                       a);
    response.AddMember("etag", str(etag(v.version), a), a);
    response.AddMember("lastModified", str(v.lastUpdated, a), a);
    e.AddMember("request", request, a);
    e.AddMember("response", response, a);
    entries.PushBack(e, a);
  }
  if (!entries.Empty()) d.AddMember("entry", entries, a);
  return toJson(d);
}

}  // namespace

const std::string& FhirRequest::header(const std::string& name) const {
  static const std::string kNone;
  auto it = headers.find(name);
  return it == headers.end() ? kNone : it->second;
}

void FhirRequest::setPath(const std::string& path) {
  segments.clear();
  std::size_t at = 0;
  while (at < path.size()) {
    auto slash = path.find('/', at);
    if (slash == std::string::npos) slash = path.size();
    if (slash > at) segments.push_back(path.substr(at, slash - at));
    at = slash + 1;
  }
}

FhirServer::FhirServer(store::IStore& store, const core::IClock& clock)
    : store_(store), clock_(clock) {
  registerOperation(
      "", "validate", true, true,
      [this](const OperationRequest& o) { return validate(o.request, o.type); },
      "http://hl7.org/fhir/OperationDefinition/Resource-validate");
}

void FhirServer::registerOperation(const std::string& type, const std::string& name, bool typeLevel,
                                   bool instanceLevel, Operation op, std::string definition) {
  operations_.push_back(
      {type, name, std::move(definition), typeLevel, instanceLevel, std::move(op)});
}

FhirResponse FhirServer::handle(const FhirRequest& request) {
  try {
    return dispatch(request);
  } catch (const FhirError& e) {
    return {e.status, operationOutcome(e.issues), {}};
  } catch (const mappings::fhir::SearchError& e) {
    return {400, operationOutcome({{"error", "invalid", e.what(), ""}}), {}};
  } catch (const core::Error& e) {
    bool transient = e.code() == core::ErrorCode::StoreUnavailable;
    Poco::Logger::get("medbridge.fhir").error("%s: %s", request.method, std::string(e.what()));
    return {transient ? 503 : 500,
            operationOutcome({{"error", transient ? "transient" : "exception", e.what(), ""}}),
            {}};
  }
}

void FhirServer::authorize(const FhirRequest& r, const std::string& type, bool write) const {
  if (!r.principal || r.principal->permits(type, write)) return;
  throw FhirError(403, "forbidden",
                  std::string("the token's scopes do not allow ") +
                      (write ? "writing " : "reading ") +
                      (type == "*" ? std::string("every type") : type));
}

FhirResponse FhirServer::dispatch(const FhirRequest& r) {
  const auto& s = r.segments;
  const std::string& m = r.method;
  bool write = m != "GET" && m != "HEAD";
  if (s.empty()) {
    for (const auto& [k, v] : r.query)
      if (k == "_getpages") return page(r);
    if (m == "POST") return bundle(r);  // entries are authorised one by one
    throw FhirError(400, "not-supported", "system-level search is not supported; search a type");
  }
  if (s[0] == "metadata") {
    if (m != "GET") notAllowed(m, "metadata");
    return {200, capabilityStatement(*this, r.base), {}};
  }
  if (s[0] == "_history") {
    if (m != "GET") notAllowed(m, "_history");
    authorize(r, "*", false);
    return history(r, "", "");
  }
  if (s[0].rfind('$', 0) == 0) {
    authorize(r, "*", write && s[0] != "$validate");
    return operation(r, "", "", s[0].substr(1));
  }
  const std::string& type = s[0];
  requireType(type);
  // POST _search and $validate only read.
  bool reads = !write || (s.size() >= 2 &&
                          (s[1] == "_search" || s.back() == "$validate" || s.back() == "$match"));
  authorize(r, type, !reads);
  bool isOperation = s.size() >= 2 && s.back().rfind('$', 0) == 0;
  if (auto it = interceptors_.find(type); !reads && !isOperation && it != interceptors_.end())
    if (auto answer = it->second(r)) return *answer;
  if (s.size() == 1) {
    if (m == "GET") return search(r, type, r.query);
    if (m == "POST") return create(r, type);
    if (m == "PUT") return conditionalUpdate(r, type);
    if (m == "DELETE") return conditionalRemove(r, type);
    notAllowed(m, type);
  }
  if (s[1] == "_search") {
    if (m != "POST" || s.size() != 2) notAllowed(m, type + "/_search");
    auto params = r.query;
    for (const auto& [k, v] : Poco::URI("?" + r.body).getQueryParameters())
      params.emplace_back(k, v);
    return search(r, type, params);
  }
  if (s[1] == "_history") {
    if (m != "GET" || s.size() != 2) notAllowed(m, type + "/_history");
    return history(r, type, "");
  }
  if (s[1].rfind('$', 0) == 0 && s.size() == 2) return operation(r, type, "", s[1].substr(1));
  const std::string& id = s[1];
  requireId(id);
  if (s.size() == 2) {
    if (m == "GET" || m == "HEAD") return read(r, type, id);
    if (m == "PUT") return update(r, type, id);
    if (m == "DELETE") return remove(r, type, id);
    notAllowed(m, type + "/" + id);
  }
  if (s[2].rfind('$', 0) == 0 && s.size() == 3) return operation(r, type, id, s[2].substr(1));
  if (s[2] == "_history") {
    if (m != "GET") notAllowed(m, "_history");
    if (s.size() == 3) return history(r, type, id);
    if (s.size() == 4) return vread(type, id, s[3]);
  }
  throw FhirError(
      404, "not-found", "no such FHIR endpoint: /" + [&] {
        std::string p;
        for (const auto& x : s) p += (p.empty() ? "" : "/") + x;
        return p;
      }());
}

FhirResponse FhirServer::read(const FhirRequest& r, const std::string& type,
                              const std::string& id) {
  auto v = store_.readResource(type, id);
  if (!v) {
    if (auto shipped = shipped_.find(type + "/" + id); shipped != shipped_.end())
      v = store::ResourceVersion{type, id, shipped->second, "2026-01-01T00:00:00.000Z", 1, false};
  }
  if (!v) throw FhirError(404, "not-found", type + "/" + id + " is not known");
  if (v->deleted) throw FhirError(410, "deleted", type + "/" + id + " was deleted");
  FhirResponse out{
      200, "", {{"ETag", etag(v->version)}, {"Last-Modified", httpDate(v->lastUpdated)}}};
  if (r.header("if-none-match") == etag(v->version)) {
    out.status = 304;
    return out;
  }
  out.body = served(*v);
  return out;
}

FhirResponse FhirServer::vread(const std::string& type, const std::string& id,
                               const std::string& version) {
  int n = 0;
  try {
    n = std::stoi(version);
  } catch (const std::exception&) {
    throw FhirError(400, "invalid", "'" + version + "' is not a version number");
  }
  auto v = store_.readVersion(type, id, n);
  if (!v) throw FhirError(404, "not-found", type + "/" + id + " has no version " + version);
  if (v->deleted)
    throw FhirError(410, "deleted", type + "/" + id + " version " + version + " is a deletion");
  return {
      200, served(*v), {{"ETag", etag(v->version)}, {"Last-Modified", httpDate(v->lastUpdated)}}};
}

FhirResponse FhirServer::history(const FhirRequest& r, const std::string& type,
                                 const std::string& id) {
  int count = 100;
  std::int64_t since = 0;
  for (const auto& [k, v] : r.query) {
    if (k == "_count") {
      try {
        count = std::max(1, std::min(1000, std::stoi(v)));
      } catch (const std::exception&) {
        throw FhirError(400, "invalid", "_count must be a number");
      }
    } else if (k == "_since") {
      auto range = mappings::fhir::dateRange(v);
      if (!range) throw FhirError(400, "invalid", "_since must be an instant");
      since = range->from;
    }
  }
  std::vector<store::ResourceVersion> versions;
  if (!id.empty()) {
    versions = store_.history(type, id);
    if (versions.empty()) throw FhirError(404, "not-found", type + "/" + id + " is not known");
    std::reverse(versions.begin(), versions.end());
    std::erase_if(versions, [&](const store::ResourceVersion& v) {
      auto at = mappings::fhir::dateRange(v.lastUpdated);
      return at && at->from < since;
    });
    if (static_cast<int>(versions.size()) > count) versions.resize(count);
  } else {
    versions = store_.changes(type, since, count);
  }
  std::string self = r.base + (type.empty() ? "" : "/" + type) + (id.empty() ? "" : "/" + id) +
                     "/_history" + (r.query.empty() ? "" : "?" + encodeQuery(r.query));
  return {200, historyBundle(versions, r.base, self), {}};
}

FhirResponse FhirServer::operation(const FhirRequest& r, const std::string& type,
                                   const std::string& id, const std::string& name) {
  for (const auto& op : operations_) {
    if (op.name != name || (!op.type.empty() && op.type != type)) continue;
    if (type.empty() && !op.type.empty()) continue;
    if (!id.empty() && !op.instanceLevel) continue;
    if (id.empty() && !type.empty() && !op.typeLevel) continue;
    OperationRequest o{r, type, id, r.query};
    return op.op(o);
  }
  throw FhirError(404, "not-supported",
                  "operation $" + name + " is not supported" + (type.empty() ? "" : " on " + type));
}

FhirResponse FhirServer::validate(const FhirRequest& r, const std::string& type) {
  if (r.method != "POST") notAllowed(r.method, "$validate");
  rapidjson::Document d;
  if (auto e = mappings::fhir::parseJson(r.body, d))
    throw FhirError(400, "structure", "malformed JSON at " + e->describe());
  // A Parameters body carries the resource in parameter "resource".
  const mappings::fhir::Value* resource = &d;
  if (d.IsObject() && d.HasMember("resourceType") && d["resourceType"] == "Parameters" &&
      d.HasMember("parameter") && d["parameter"].IsArray()) {
    for (const auto& p : d["parameter"].GetArray())
      if (p.IsObject() && p.HasMember("name") && p["name"] == "resource" && p.HasMember("resource"))
        resource = &p["resource"];
  }
  std::vector<OutcomeIssue> issues;
  if (!type.empty() && resource->IsObject() && resource->HasMember("resourceType") &&
      (*resource)["resourceType"].IsString() && type != (*resource)["resourceType"].GetString())
    issues.push_back({"error", "invalid", "the resource is not a " + type, ""});
  for (const auto& i : validator_.validate(*resource))
    issues.push_back({i.severity, i.code, i.message, i.expression});
  if (issues.empty()) issues.push_back({"information", "informational", "no issues found", ""});
  return {200, operationOutcome(issues), {}};
}

}  // namespace medbridge::fhir
