// FhirServer's writes: create, update, conditional variants, delete.
#include <Poco/URI.h>

#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/fhir/ResourceJson.h"

namespace medbridge::fhir {
namespace {

using mappings::fhir::str;
using mappings::fhir::Value;

// W/"3" or "3" -> 3; throws 400 on anything else.
int versionOf(const std::string& tag) {
  std::string t = tag;
  if (t.rfind("W/", 0) == 0) t.erase(0, 2);
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
  try {
    std::size_t used = 0;
    int v = std::stoi(t, &used);
    if (used == t.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw FhirError(400, "invalid", "If-Match must be a version ETag such as W/\"1\", not " + tag);
}

void setId(rapidjson::Document& d, const std::string& id) {
  auto& a = d.GetAllocator();
  auto it = d.FindMember("id");
  if (it != d.MemberEnd()) {
    it->value = str(id, a);
    return;
  }
  // Place id right after resourceType.
  Value rebuilt(rapidjson::kObjectType);
  for (auto& m : d.GetObject()) {
    bool first = rebuilt.MemberCount() == 0;
    rebuilt.AddMember(m.name, m.value, a);
    if (first) rebuilt.AddMember("id", str(id, a), a);
  }
  static_cast<Value&>(d) = std::move(rebuilt);
}

std::string bodyId(const rapidjson::Document& d) {
  auto it = d.FindMember("id");
  return it != d.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

void FhirServer::parseResource(const std::string& body, rapidjson::Document& d,
                               const std::string& type) {
  if (body.empty()) throw FhirError(400, "required", "the request has no resource in its body");
  if (auto e = mappings::fhir::parseJson(body, d))
    throw FhirError(400, "structure", "malformed JSON at " + e->describe());
  if (!d.IsObject() || !d.HasMember("resourceType") || !d["resourceType"].IsString())
    throw FhirError(400, "structure", "the body is not a FHIR resource (no resourceType)");
  std::string actual = d["resourceType"].GetString();
  if (actual != type)
    throw FhirError(400, "invalid", "the body is a " + actual + ", the URL names " + type, actual);
  std::vector<OutcomeIssue> issues;
  bool errors = false;
  for (const auto& i : validator_.validate(d)) {
    errors = errors || i.severity == "error";
    issues.push_back({i.severity, i.code, i.message, i.expression});
  }
  if (errors) throw FhirError(422, std::move(issues));
}

FhirServer::PreparedWrite FhirServer::prepare(rapidjson::Document& d, const std::string& type,
                                              const std::string& id) {
  setId(d, id);
  stripVersionMeta(d);
  PreparedWrite w{type, id, mappings::fhir::toJson(d), "", mappings::fhir::indexEntries(d)};
  w.hash = core::sha256Hex(w.json);
  return w;
}

std::vector<std::string> FhirServer::matchInTx(store::IResourceTx& tx, const std::string& type,
                                               const std::string& criteria,
                                               const std::string& base) {
  std::string q = criteria;
  if (auto mark = q.find('?'); mark != std::string::npos) q.erase(0, mark + 1);
  auto params = Poco::URI("?" + q).getQueryParameters();
  if (params.empty()) throw FhirError(400, "invalid", "conditional criteria are empty");
  std::vector<std::pair<std::string, std::string>> list(params.begin(), params.end());
  return tx.search(mappings::fhir::parseSearch(type, list, /*strict=*/true, base));
}

FhirResponse FhirServer::written(const FhirRequest& r, const store::ResourceVersion& v,
                                 int status) {
  FhirResponse out{status, "", {}};
  out.headers = {
      {"ETag", etag(v.version)},
      {"Last-Modified", httpDate(v.lastUpdated)},
      {"Location", r.base + "/" + v.type + "/" + v.id + "/_history/" + std::to_string(v.version)}};
  const std::string& prefer = r.header("prefer");
  auto warnings = v.deleted ? std::vector<std::string>() : advice(v);
  if (prefer.find("return=OperationOutcome") != std::string::npos) {
    std::vector<OutcomeIssue> issues{{"information", "informational",
                                      v.type + "/" + v.id + " version " +
                                          std::to_string(v.version) +
                                          (status == 201 ? " created" : " stored"),
                                      ""}};
    for (const auto& w : warnings) issues.push_back({"warning", "business-rule", w, ""});
    out.body = operationOutcome(issues);
    return out;
  }
  for (const auto& w : warnings) out.headers.push_back({"Warning", "299 medbridge \"" + w + "\""});
  if (prefer.find("return=minimal") != std::string::npos) return out;
  out.body = served(v);
  return out;
}

FhirResponse FhirServer::create(const FhirRequest& r, const std::string& type) {
  rapidjson::Document d;
  parseResource(r.body, d, type);
  PreparedWrite w = prepare(d, type, newId());
  const std::string& condition = r.header("if-none-exist");
  store::ResourceVersion result;
  int status = 201;
  store_.transact([&](store::IResourceTx& tx) {
    if (!condition.empty()) {
      auto matches = matchInTx(tx, type, condition, r.base);
      if (matches.size() > 1)
        throw FhirError(
            412, "multiple-matches",
            std::to_string(matches.size()) + " resources match If-None-Exist: " + condition);
      if (matches.size() == 1) {
        result = *tx.current(type, matches[0]);
        status = 200;
        return;
      }
    }
    auto write = guarded(tx, std::nullopt, w);
    result = {type, w.id, write->json, core::instantOf(now()), 1, false};
    putVersion(tx, result, *write);
  });
  return written(r, result, status);
}

FhirResponse FhirServer::update(const FhirRequest& r, const std::string& type,
                                const std::string& id) {
  rapidjson::Document d;
  parseResource(r.body, d, type);
  std::string given = bodyId(d);
  if (given.empty()) throw FhirError(400, "required", "the resource has no id", type + ".id");
  if (given != id)
    throw FhirError(400, "invalid", "the resource id '" + given + "' is not the URL's '" + id + "'",
                    type + ".id");
  PreparedWrite w = prepare(d, type, id);
  const std::string& ifMatch = r.header("if-match");
  int expected = ifMatch.empty() ? 0 : versionOf(ifMatch);
  WriteResult result;
  store_.transact([&](store::IResourceTx& tx) { result = storeVersion(tx, w, expected); });
  return written(r, result.version, result.status);
}

FhirResponse FhirServer::conditionalUpdate(const FhirRequest& r, const std::string& type) {
  if (r.query.empty()) throw FhirError(400, "invalid", "PUT " + type + " needs search criteria");
  rapidjson::Document d;
  parseResource(r.body, d, type);
  std::string given = bodyId(d);
  std::string criteria = encodeQuery(r.query);
  WriteResult result;
  store_.transact([&](store::IResourceTx& tx) {
    auto matches = matchInTx(tx, type, criteria, r.base);
    if (matches.size() > 1)
      throw FhirError(412, "multiple-matches",
                      std::to_string(matches.size()) + " resources match " + criteria);
    std::string id = matches.empty() ? (given.empty() ? newId() : given) : matches[0];
    if (!given.empty() && given != id)
      throw FhirError(400, "invalid",
                      "the resource id '" + given + "' is not the matching " + type + "/" + id);
    rapidjson::Document copy;
    copy.CopyFrom(d, copy.GetAllocator());
    result = storeVersion(tx, prepare(copy, type, id), 0);
  });
  return written(r, result.version, result.status);
}

FhirResponse FhirServer::remove(const FhirRequest& r, const std::string& type,
                                const std::string& id) {
  const std::string& ifMatch = r.header("if-match");
  int expected = ifMatch.empty() ? 0 : versionOf(ifMatch);
  WriteResult result;
  store_.transact([&](store::IResourceTx& tx) { result = deleteIn(tx, type, id, expected); });
  return {204, "", {{"ETag", etag(result.version.version)}}};
}

FhirServer::WriteResult FhirServer::storeVersion(store::IResourceTx& tx, const PreparedWrite& w,
                                                 int expected) {
  auto current = tx.current(w.type, w.id);
  if (expected != 0 && (!current || current->version != expected))
    throw FhirError(412, "conflict",
                    w.type + "/" + w.id + " is at " +
                        (current ? etag(current->version) : std::string("no version")) + ", not " +
                        etag(expected));
  if (current && !current->deleted && current->json == w.json)
    return {*current, 200};  // unchanged: no new version
  auto write = guarded(tx, current && !current->deleted ? current : std::nullopt, w);
  if (!write) return {*current, 200};
  WriteResult out;
  out.status = current && !current->deleted ? 200 : 201;
  out.version = {
      w.type, w.id, write->json, core::instantOf(now()), current ? current->version + 1 : 1, false};
  putVersion(tx, out.version, *write);
  return out;
}

std::optional<FhirServer::PreparedWrite> FhirServer::guarded(
    store::IResourceTx& tx, const std::optional<store::ResourceVersion>& current,
    const PreparedWrite& w) {
  auto guard = guards_.find(w.type);
  if (guard == guards_.end()) return w;
  rapidjson::Document d;
  mappings::fhir::parseJson(w.json, d);
  if (!guard->second(tx, current, d)) return std::nullopt;
  return prepare(d, w.type, w.id);
}

void FhirServer::guardWrites(const std::string& type, WriteGuard guard) {
  guards_[type] = std::move(guard);
}

void FhirServer::ship(const std::string& type, const std::string& id, std::string json) {
  shipped_[type + "/" + id] = std::move(json);
}

void FhirServer::adviseWrites(const std::string& type, WriteAdvisor advisor) {
  advisors_[type] = std::move(advisor);
}

std::vector<std::string> FhirServer::advice(const store::ResourceVersion& v) const {
  auto it = advisors_.find(v.type);
  return it == advisors_.end() ? std::vector<std::string>() : it->second(v);
}

void FhirServer::interceptWrites(const std::string& type, WriteInterceptor interceptor,
                                 EntryClaim claims) {
  interceptors_[type] = std::move(interceptor);
  if (claims) claims_[type] = std::move(claims);
}

void FhirServer::putVersion(store::IResourceTx& tx, const store::ResourceVersion& v,
                            const PreparedWrite& w) {
  tx.put(v, w.hash, w.index);
  auto [first, last] = writeHooks_.equal_range(v.type);
  for (auto it = first; it != last; ++it) it->second(tx, v);
}

void FhirServer::onWrite(const std::string& type, WriteHook hook) {
  writeHooks_.emplace(type, std::move(hook));
}

FhirServer::WriteResult FhirServer::deleteIn(store::IResourceTx& tx, const std::string& type,
                                             const std::string& id, int expected) {
  auto current = tx.current(type, id);
  if (!current) throw FhirError(404, "not-found", type + "/" + id + " is not known");
  if (expected != 0 && current->version != expected)
    throw FhirError(
        412, "conflict",
        type + "/" + id + " is at " + etag(current->version) + ", not " + etag(expected));
  if (current->deleted) return {*current, 204};  // deleting again changes nothing
  WriteResult out{{type, id, "", core::instantOf(now()), current->version + 1, true}, 204};
  tx.put(out.version, "", {});
  return out;
}

FhirResponse FhirServer::conditionalRemove(const FhirRequest& r, const std::string& type) {
  if (r.query.empty()) throw FhirError(400, "invalid", "DELETE " + type + " needs search criteria");
  std::vector<std::pair<std::string, std::string>> params = r.query;
  store_.transact([&](store::IResourceTx& tx) {
    auto ids = tx.search(mappings::fhir::parseSearch(type, params, true, r.base));
    if (ids.size() > 1)
      throw FhirError(412, "multiple-matches",
                      std::to_string(ids.size()) + " resources match; delete one at a time");
    if (ids.empty()) return;
    auto current = tx.current(type, ids[0]);
    store::ResourceVersion v{type, ids[0], "", core::instantOf(now()), current->version + 1, true};
    tx.put(v, "", {});
  });
  return {204, "", {}};
}

}  // namespace medbridge::fhir
