// FhirServer's Bundles: transaction (all or nothing, in one store transaction) and batch.
#include <Poco/URI.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "gateway/fhir/FhirServer.h"
#include "gateway/fhir/ResourceJson.h"
#include "mappings/fhir/Definitions.h"

namespace medbridge::fhir {

struct FhirServer::BundleEntry {
  std::size_t index = 0;
  std::string method, url, fullUrl, ifNoneExist, ifMatch, ifNoneMatch;
  mappings::fhir::Value* resource = nullptr;
  std::string type, id, query;  // from url: "Patient/1", "Patient?identifier=x"
  // Outcome
  std::string status, location, etag, lastModified;
  std::string outcome;   // OperationOutcome JSON (batch errors)
  bool skip = false;     // a conditional create that matched
  bool claimed = false;  // answered by an interceptor after the transaction (interceptWrites)
};

namespace {

using mappings::fhir::str;
using mappings::fhir::Value;

using Entry = FhirServer::BundleEntry;

const char* reason(int status) {
  switch (status) {
    case 200:
      return "200 OK";
    case 201:
      return "201 Created";
    case 204:
      return "204 No Content";
    case 304:
      return "304 Not Modified";
    case 400:
      return "400 Bad Request";
    case 404:
      return "404 Not Found";
    case 405:
      return "405 Method Not Allowed";
    case 409:
      return "409 Conflict";
    case 410:
      return "410 Gone";
    case 412:
      return "412 Precondition Failed";
    case 422:
      return "422 Unprocessable Entity";
    default:
      return "500 Internal Server Error";
  }
}

std::string member(const Value& v, const char* name) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// Splits an entry url ("Patient/1", "Patient?x=y", absolute under base) into type, id, query.
void parseUrl(Entry& e, const std::string& base) {
  std::string url = e.url;
  if (!base.empty() && url.rfind(base + "/", 0) == 0) url.erase(0, base.size() + 1);
  if (auto q = url.find('?'); q != std::string::npos) {
    e.query = url.substr(q + 1);
    url.resize(q);
  }
  auto slash = url.find('/');
  e.type = url.substr(0, slash);
  if (slash != std::string::npos) e.id = url.substr(slash + 1);
}

// The version an entry's request.ifMatch (W/"3") names; 0 when it has none.
int ifMatchVersion(const Entry& e) {
  if (e.ifMatch.empty()) return 0;
  std::string digits;
  for (char c : e.ifMatch)
    if (c >= '0' && c <= '9') digits += c;
  if (digits.empty() || digits.size() > 9)
    throw FhirError(
        400, "invalid",
        "entry " + std::to_string(e.index) + ": ifMatch " + e.ifMatch + " is not a version",
        "Bundle.entry[" + std::to_string(e.index) + "].request.ifMatch");
  return std::stoi(digits);
}

int rank(const std::string& method) {
  if (method == "DELETE") return 0;
  if (method == "POST") return 1;
  if (method == "PUT" || method == "PATCH") return 2;
  return 3;  // GET, HEAD
}

// Replaces every "reference" value found in `ids`.
void rewrite(Value& v, const std::map<std::string, std::string>& ids,
             rapidjson::Document::AllocatorType& a) {
  if (v.IsArray()) {
    for (auto& x : v.GetArray()) rewrite(x, ids, a);
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (m.value.IsString() && std::string_view(m.name.GetString()) == "reference") {
        auto it = ids.find(m.value.GetString());
        if (it != ids.end()) m.value = str(it->second, a);
      } else {
        rewrite(m.value, ids, a);
      }
    }
  }
}

// Conditional references ("Patient?identifier=x|y") anywhere in v.
void conditionalReferences(const Value& v, std::vector<std::string>& out) {
  if (v.IsArray()) {
    for (const auto& x : v.GetArray()) conditionalReferences(x, out);
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (m.value.IsString() && std::string_view(m.name.GetString()) == "reference") {
        std::string ref = m.value.GetString();
        if (ref.find('?') != std::string::npos && ref.rfind("http", 0) != 0) out.push_back(ref);
      } else {
        conditionalReferences(m.value, out);
      }
    }
  }
}

}  // namespace

FhirResponse FhirServer::bundle(const FhirRequest& r) {
  rapidjson::Document d;
  if (r.body.empty()) throw FhirError(400, "required", "POST to the base needs a Bundle");
  if (auto e = mappings::fhir::parseJson(r.body, d))
    throw FhirError(400, "structure", "malformed JSON at " + e->describe());
  if (member(d, "resourceType") != "Bundle")
    throw FhirError(400, "invalid", "POST to the base takes a Bundle");
  std::string type = member(d, "type");
  if (type != "transaction" && type != "batch")
    throw FhirError(400, "invalid", "Bundle.type must be transaction or batch, not '" + type + "'",
                    "Bundle.type");
  bool transaction = type == "transaction";
  if (transaction) {
    std::vector<OutcomeIssue> issues;
    for (const auto& i : validator_.validate(d))
      if (i.severity == "error") issues.push_back({i.severity, i.code, i.message, i.expression});
    if (!issues.empty()) throw FhirError(422, std::move(issues));
  }
  std::vector<Entry> entries;
  if (d.HasMember("entry") && d["entry"].IsArray()) {
    auto& list = d["entry"];
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      Entry e;
      e.index = i;
      Value& entry = list[i];
      const Value* request = entry.HasMember("request") ? &entry["request"] : nullptr;
      if (!request)
        throw FhirError(400, "required", "entry has no request",
                        "Bundle.entry[" + std::to_string(i) + "].request");
      e.method = member(*request, "method");
      e.url = member(*request, "url");
      e.ifNoneExist = member(*request, "ifNoneExist");
      e.ifMatch = member(*request, "ifMatch");
      e.ifNoneMatch = member(*request, "ifNoneMatch");
      e.fullUrl = member(entry, "fullUrl");
      if (entry.HasMember("resource")) e.resource = &entry["resource"];
      parseUrl(e, r.base);
      entries.push_back(std::move(e));
    }
  }
  if (transaction) {
    for (auto& e : entries) {
      auto claim = claims_.find(e.type);
      e.claimed = claim != claims_.end() && e.resource && e.resource->IsObject() &&
                  (e.method == "POST" || e.method == "PUT") && claim->second(*e.resource);
    }
    runTransaction(r, d, entries);
    if (auto refused = runClaimed(r, entries)) return *refused;
    for (auto& e : entries) {
      if (e.claimed || e.location.empty() || (e.method != "POST" && e.method != "PUT")) continue;
      auto v = store_.readResource(
          e.type,
          e.location.substr(e.type.size() + 1, e.location.find("/_history") - e.type.size() - 1));
      std::vector<OutcomeIssue> issues;
      if (v)
        for (const auto& w : advice(*v)) issues.push_back({"warning", "business-rule", w, ""});
      if (!issues.empty()) e.outcome = operationOutcome(issues);
    }
  } else {
    runBatch(r, entries);
  }

  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  out.AddMember("resourceType", "Bundle", a);
  out.AddMember("id", str(newId(), a), a);
  out.AddMember("type",
                rapidjson::StringRef(transaction ? "transaction-response" : "batch-response"), a);
  Value list(rapidjson::kArrayType);
  for (const auto& e : entries) {
    Value entry(rapidjson::kObjectType), response(rapidjson::kObjectType);
    response.AddMember("status", str(e.status, a), a);
    if (!e.location.empty()) response.AddMember("location", str(e.location, a), a);
    if (!e.etag.empty()) response.AddMember("etag", str(e.etag, a), a);
    if (!e.lastModified.empty()) response.AddMember("lastModified", str(e.lastModified, a), a);
    if (!e.outcome.empty()) {
      rapidjson::Document oo(&a);
      mappings::fhir::parseJson(e.outcome, oo);
      if (e.status.rfind("2", 0) == 0 && e.method == "GET")
        entry.AddMember("resource", Value(oo, a), a);  // a read's resource
      else
        response.AddMember("outcome", Value(oo, a), a);
    }
    entry.AddMember("response", response, a);
    list.PushBack(entry, a);
  }
  if (!list.Empty()) out.AddMember("entry", list, a);
  return {200, mappings::fhir::toJson(out), {}};
}

void FhirServer::runBatch(const FhirRequest& r, std::vector<Entry>& entries) {
  // Each entry on its own, through the same interactions as a single request.
  for (auto& e : entries) {
    FhirRequest single;
    single.method = e.method;
    single.base = r.base;
    single.headers["prefer"] = "return=minimal";
    single.principal = r.principal;
    if (!e.ifMatch.empty()) single.headers["if-match"] = e.ifMatch;
    if (!e.ifNoneExist.empty()) single.headers["if-none-exist"] = e.ifNoneExist;
    if (!e.ifNoneMatch.empty()) single.headers["if-none-match"] = e.ifNoneMatch;
    single.setPath(e.type + (e.id.empty() ? "" : "/" + e.id));
    for (const auto& [k, v] : Poco::URI("?" + e.query).getQueryParameters())
      single.query.emplace_back(k, v);
    if (e.resource) single.body = mappings::fhir::toJson(*e.resource);
    FhirResponse answer =
        e.url.empty() || e.type.empty()
            ? FhirResponse{400,
                           operationOutcome({{"error", "invalid", "entry has no request.url", ""}}),
                           {}}
            : handle(single);
    e.status = reason(answer.status);
    std::vector<OutcomeIssue> warnings;
    for (const auto& [k, v] : answer.headers) {
      if (k == "Location") e.location = v;
      if (k == "ETag") e.etag = v;
      if (k == "Warning")  // 299 medbridge "text"
        warnings.push_back(
            {"warning", "business-rule", v.substr(15, v.size() > 16 ? v.size() - 16 : 0), ""});
    }
    e.outcome = answer.body.empty() && !warnings.empty() ? operationOutcome(warnings) : answer.body;
  }
}

std::optional<FhirResponse> FhirServer::runClaimed(const FhirRequest& r,
                                                   std::vector<Entry>& entries) {
  for (auto& e : entries) {
    if (!e.claimed) continue;
    FhirRequest single;
    single.method = "PUT";
    single.base = r.base;
    single.principal = r.principal;
    single.headers["content-type"] = "application/fhir+json";
    if (!e.ifMatch.empty()) single.headers["if-match"] = e.ifMatch;
    single.setPath(e.type + "/" + e.id);
    rapidjson::Document resource;
    resource.CopyFrom(*e.resource, resource.GetAllocator());
    resource.RemoveMember("id");
    resource.AddMember("id", str(e.id, resource.GetAllocator()), resource.GetAllocator());
    single.body = mappings::fhir::toJson(resource);
    FhirResponse answer;
    try {
      auto intercepted = interceptors_.at(e.type)(single);
      answer = intercepted ? *intercepted : handle(single);
    } catch (const FhirError& error) {
      answer = {error.status, operationOutcome(error.issues), {}};
    }
    rapidjson::Document body;
    mappings::fhir::parseJson(answer.body, body);
    if (answer.status < 300) {
      e.status = reason(answer.status == 200 && e.method == "POST" ? 201 : answer.status);
      for (const auto& [k, v] : answer.headers)
        if (k == "ETag") e.etag = v;
      if (body.IsObject() && body.HasMember("meta")) {
        e.lastModified = member(body["meta"], "lastUpdated");
        e.location =
            e.type + "/" + member(body, "id") + "/_history/" + member(body["meta"], "versionId");
      }
      continue;
    }
    // Refused: the other entries are stored (the claimed one needed them first); say which.
    std::vector<OutcomeIssue> issues;
    if (body.IsObject() && body.HasMember("issue") && body["issue"].IsArray())
      for (const auto& i : body["issue"].GetArray()) {
        std::string expression = "Bundle.entry[" + std::to_string(e.index) + "]";
        if (i.HasMember("expression") && i["expression"].IsArray() && !i["expression"].Empty() &&
            i["expression"][0].IsString())
          expression = i["expression"][0].GetString();
        issues.push_back({member(i, "severity"), member(i, "code"),
                          "entry " + std::to_string(e.index) + ": " + member(i, "diagnostics"),
                          expression});
      }
    std::string stored;
    for (const auto& other : entries)
      if (!other.claimed && !other.location.empty())
        stored += (stored.empty() ? "" : ", ") + other.location;
    issues.push_back({"information", "informational",
                      "the Bundle's other entries were stored" +
                          (stored.empty() ? std::string() : " (" + stored + ")") + "; " + e.type +
                          "/" + e.id + " was not: send it again",
                      ""});
    answer.body = operationOutcome(issues);
    return answer;
  }
  return std::nullopt;
}

void FhirServer::runTransaction(const FhirRequest& r, rapidjson::Document& bundle,
                                std::vector<Entry>& entries) {
  const auto& defs = mappings::fhir::Definitions::r4();
  auto fail = [](const Entry& e, int status, const std::string& code, const std::string& text) {
    throw FhirError(status, code, "entry " + std::to_string(e.index) + ": " + text,
                    "Bundle.entry[" + std::to_string(e.index) + "]");
  };
  std::set<std::string> targets;
  for (auto& e : entries) {
    if (e.method != "POST" && e.method != "PUT" && e.method != "DELETE" && e.method != "GET" &&
        e.method != "HEAD")
      fail(e, 400, "not-supported", "request.method " + e.method + " is not supported");
    if (!defs.isResourceType(e.type)) fail(e, 400, "invalid", "unknown resource type in " + e.url);
    authorize(r, e.type, e.method != "GET" && e.method != "HEAD");
    bool writes = e.method == "POST" || e.method == "PUT";
    if (writes && !e.resource) fail(e, 400, "required", e.method + " needs a resource");
    if (writes && member(*e.resource, "resourceType") != e.type)
      fail(e, 400, "invalid", "the resource is not a " + e.type);
    if (e.method == "POST" && !e.id.empty())
      fail(e, 400, "invalid", "POST url names a type, not " + e.url);
    if ((e.method == "PUT" || e.method == "DELETE") && e.id.empty() && e.query.empty())
      fail(e, 400, "invalid", e.method + " needs Type/id or Type?criteria");
    if (!e.id.empty() && (e.method == "PUT" || e.method == "DELETE") &&
        !targets.insert(e.type + "/" + e.id).second)
      fail(e, 400, "invalid", e.type + "/" + e.id + " appears in more than one entry");
  }
  for (auto& e : entries)
    if (e.claimed && e.method == "POST") e.id = newId();
  std::vector<Entry*> order;
  for (auto& e : entries) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return rank(a->method) < rank(b->method);
  });
  auto& a = bundle.GetAllocator();
  // Without conditional entries or references, ids, references, stored JSON and index rows are
  // all known before the transaction: prepared here, off the store's writer thread.
  bool conditional = false;
  for (const auto& e : entries) {
    std::vector<std::string> refs;
    if (e.resource) conditionalReferences(*e.resource, refs);
    conditional = conditional || !e.ifNoneExist.empty() || !refs.empty() ||
                  (e.method != "POST" && e.id.empty() && e.method != "GET" && e.method != "HEAD");
  }
  std::vector<std::optional<PreparedWrite>> prepared(entries.size());
  if (!conditional) {
    std::map<std::string, std::string> ids;
    for (auto& e : entries) {
      if (e.method == "POST" && !e.claimed) e.id = newId();
      if (!e.fullUrl.empty() && (e.method == "POST" || e.method == "PUT"))
        ids[e.fullUrl] = e.type + "/" + e.id;
    }
    for (auto& e : entries) {
      if (!e.resource || (e.method != "POST" && e.method != "PUT")) continue;
      rewrite(*e.resource, ids, a);
      std::string given = member(*e.resource, "id");
      if (e.method == "PUT" && !given.empty() && given != e.id)
        fail(e, 400, "invalid", "resource id '" + given + "' is not " + e.id);
      if (e.claimed) continue;
      rapidjson::Document doc;
      doc.CopyFrom(*e.resource, doc.GetAllocator());
      prepared[e.index] = prepare(doc, e.type, e.id);
    }
  }
  store_.transact([&](store::IResourceTx& tx) {
    if (conditional) {
      std::map<std::string, std::string> ids;  // fullUrl or conditional reference -> Type/id
      // Ids first: creates get new ones (or the match of their condition), conditional updates
      // the match's; urn:uuid fullUrls then resolve to them.
      for (auto& e : entries) {
        if (e.claimed) {
          if (e.id.empty())
            fail(e, 400, "not-supported",
                 e.type + " is proposed by id here: PUT " + e.type + "/id");
        } else if (e.method == "POST") {
          if (!e.ifNoneExist.empty()) {
            auto matches = matchInTx(tx, e.type, e.ifNoneExist, r.base);
            if (matches.size() > 1)
              fail(e, 412, "multiple-matches",
                   "ifNoneExist matches " + std::to_string(matches.size()));
            if (matches.size() == 1) {
              e.id = matches[0];
              e.skip = true;
            }
          }
          if (e.id.empty()) e.id = newId();
        } else if (e.method == "PUT" && e.id.empty()) {
          auto matches = matchInTx(tx, e.type, e.query, r.base);
          if (matches.size() > 1)
            fail(e, 412, "multiple-matches", e.url + " matches " + std::to_string(matches.size()));
          std::string given = member(*e.resource, "id");
          e.id = !matches.empty() ? matches[0] : !given.empty() ? given : newId();
        }
        if (!e.fullUrl.empty() && (e.method == "POST" || e.method == "PUT"))
          ids[e.fullUrl] = e.type + "/" + e.id;
      }
      for (auto& e : entries) {
        std::vector<std::string> references;
        if (e.resource) conditionalReferences(*e.resource, references);
        for (const auto& ref : references) {
          if (ids.count(ref)) continue;
          auto q = ref.find('?');
          std::string type = ref.substr(0, q);
          auto matches = matchInTx(tx, type, ref.substr(q + 1), r.base);
          if (matches.size() != 1)
            fail(e, matches.empty() ? 404 : 412, "not-found",
                 "conditional reference " + ref + " matches " + std::to_string(matches.size()) +
                     " resources (needs exactly 1)");
          ids[ref] = type + "/" + matches[0];
        }
      }
      for (auto& e : entries)
        if (e.resource) rewrite(*e.resource, ids, a);
    }
    for (Entry* e : order) {
      if (e->claimed) continue;
      try {
        WriteResult result;
        if (e->method == "DELETE") {
          std::string id = e->id;
          if (id.empty()) {
            auto matches = matchInTx(tx, e->type, e->query, r.base);
            if (matches.size() > 1)
              fail(*e, 412, "multiple-matches",
                   e->url + " matches " + std::to_string(matches.size()));
            if (matches.empty()) {
              e->status = reason(204);
              continue;
            }
            id = matches[0];
          }
          result = deleteIn(tx, e->type, id, ifMatchVersion(*e));
        } else if (e->method == "POST" && e->skip) {
          result = {*tx.current(e->type, e->id), 200};
        } else if (e->method == "POST" || e->method == "PUT") {
          std::string given = member(*e->resource, "id");
          if (e->method == "PUT" && !given.empty() && given != e->id)
            fail(*e, 400, "invalid", "resource id '" + given + "' is not " + e->id);
          if (!prepared[e->index]) {
            rapidjson::Document doc;
            doc.CopyFrom(*e->resource, doc.GetAllocator());
            prepared[e->index] = prepare(doc, e->type, e->id);
          }
          result = storeVersion(tx, *prepared[e->index], ifMatchVersion(*e));
          if (e->method == "POST") result.status = 201;
        } else {  // GET
          if (e->id.empty()) fail(*e, 400, "not-supported", "searches inside a transaction");
          auto v = tx.current(e->type, e->id);
          if (!v || v->deleted) fail(*e, 404, "not-found", e->url + " is not known");
          e->status = reason(200);
          e->outcome = served(*v);
          e->etag = etag(v->version);
          continue;
        }
        const auto& v = result.version;
        e->status = reason(result.status);
        e->etag = etag(v.version);
        e->lastModified = v.lastUpdated;
        if (!v.deleted)
          e->location = v.type + "/" + v.id + "/_history/" + std::to_string(v.version);
      } catch (FhirError& error) {
        for (auto& issue : error.issues) {
          if (issue.diagnostics.rfind("entry ", 0) != 0)
            issue.diagnostics = "entry " + std::to_string(e->index) + ": " + issue.diagnostics;
          if (issue.expression.empty())
            issue.expression = "Bundle.entry[" + std::to_string(e->index) + "]";
        }
        throw;
      }
    }
  });
}

}  // namespace medbridge::fhir
