#include "gateway/app/PlatformInbound.h"

#include <Poco/Logger.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/app/ScopeCheck.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/fhir/ResourceJson.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchIndexer.h"

namespace medbridge::app {
namespace {

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.app.inbound");
}

std::string member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

http::Response outcome(int status, const std::string& severity, const std::string& code,
                       const std::string& text, const std::string& expression = "") {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("resourceType");
  w.String("OperationOutcome");
  w.Key("issue");
  w.StartArray();
  w.StartObject();
  w.Key("severity");
  w.String(severity.c_str());
  w.Key("code");
  w.String(code.c_str());
  w.Key("diagnostics");
  w.String(text.c_str());
  if (!expression.empty()) {
    w.Key("expression");
    w.StartArray();
    w.String(expression.c_str());
    w.EndArray();
  }
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return {status, "application/fhir+json", out.GetString(), {}};
}

}  // namespace

PlatformInbound::Outcome PlatformInbound::apply(const rapidjson::Value& input) {
  Outcome out;
  auto take = [&](const std::string& problem, bool applied, int index) {
    if (!problem.empty()) {
      out.refusedEntry = index;
      out.problem = problem;
      return false;
    }
    ++(applied ? out.applied : out.duplicates);
    return true;
  };
  if (member(input, "resourceType") != "Bundle") {
    bool applied = false;
    take(applyResource(input, applied), applied, 0);
    return out;
  }
  auto entries = input.FindMember("entry");
  if (entries == input.MemberEnd() || !entries->value.IsArray()) return out;
  int index = 0;
  for (const auto& entry : entries->value.GetArray()) {
    bool applied = false;
    std::string problem;
    auto resource = entry.IsObject() ? entry.FindMember("resource") : entry.MemberEnd();
    auto request = entry.IsObject() ? entry.FindMember("request") : entry.MemberEnd();
    if (request != entry.MemberEnd() && member(request->value, "method") == "DELETE")
      problem = applyDelete(member(request->value, "url"), applied);
    else if (resource != entry.MemberEnd())
      problem = applyResource(resource->value, applied);
    else
      problem = "the entry has no resource";
    if (!take(problem, applied, index)) break;
    ++index;
  }
  return out;
}

std::string PlatformInbound::applyResource(const rapidjson::Value& resource, bool& applied) {
  std::string type = member(resource, "resourceType"), id = member(resource, "id");
  if (type.empty() || id.empty()) return "a resource needs resourceType and id";
  auto meta = resource.FindMember("meta");
  std::string versionText = meta != resource.MemberEnd() ? member(meta->value, "versionId") : "";
  if (versionText.empty() || versionText.size() > 18 ||
      versionText.find_first_not_of("0123456789") != std::string::npos)
    return type + "/" + id + " has no numeric meta.versionId (the platform's version)";
  std::int64_t versionId = std::stoll(versionText);
  for (const auto& issue : validator_.validate(resource))
    if (issue.severity == "error")
      return type + "/" + id + " is not valid FHIR R4: " + issue.message + " @ " + issue.expression;
  rapidjson::Document doc;
  doc.CopyFrom(resource, doc.GetAllocator());
  fhir::stripVersionMeta(doc);
  std::string json = mappings::fhir::toJson(doc);
  auto index = mappings::fhir::indexEntries(doc);
  store_.transact([&](store::IResourceTx& tx) {
    tx.replicaOfPlatform();
    if (tx.replicaVersion(type, id) >= versionId) return;  // had it, or a newer one
    tx.setReplicaVersion(type, id, versionId);
    auto current = tx.current(type, id);
    applied = true;
    if (current && !current->deleted && current->json == json) return;
    store::ResourceVersion v{
        type, id, json, core::instantOf(clock_.nowMillis()), current ? current->version + 1 : 1,
        false};
    tx.put(v, core::sha256Hex(json), index);
    if (hook_) hook_(tx, v, current);
  });
  if (applied) log().information("%s/%s version %Ld of the platform applied", type, id, versionId);
  return "";
}

std::string PlatformInbound::applyDelete(const std::string& url, bool& applied) {
  auto slash = url.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == url.size())
    return "a DELETE needs a Type/id url, not '" + url + "'";
  std::string type = url.substr(0, slash), id = url.substr(slash + 1);
  store_.transact([&](store::IResourceTx& tx) {
    tx.replicaOfPlatform();
    auto current = tx.current(type, id);
    if (!current || current->deleted) return;
    applied = true;
    tx.put({type, id, "", core::instantOf(clock_.nowMillis()), current->version + 1, true}, "", {});
  });
  return "";
}

http::Response PlatformInbound::handle(const http::Request& r,
                                       const auth::TokenVerifier* verifier) {
  if (auto refused = refuseWithoutScope(r, verifier, kInboundScope)) return *refused;
  if (r.method != "POST")
    return outcome(405, "error", "not-supported",
                   "POST a Bundle or a resource to /regional/inbound");
  if (r.bodyTooLarge) return outcome(413, "error", "too-costly", "the body is too large");
  rapidjson::Document d;
  if (auto e = mappings::fhir::parseJson(r.body, d))
    return outcome(400, "error", "structure", "malformed JSON at " + e->describe());
  if (member(d, "resourceType").empty())
    return outcome(400, "error", "structure", "the body is not a FHIR resource (no resourceType)");
  Outcome o = apply(d);
  std::string said =
      "applied " + std::to_string(o.applied) + ", already here " + std::to_string(o.duplicates);
  if (o.refusedEntry >= 0) {
    log().warning("from the platform: entry %d refused: %s (%s before it)", o.refusedEntry,
                  o.problem, said);
    return outcome(422, "error", "invalid", o.problem + " (" + said + ")",
                   member(d, "resourceType") == "Bundle"
                       ? "Bundle.entry[" + std::to_string(o.refusedEntry) + "]"
                       : "");
  }
  return outcome(200, "information", "informational", said);
}

}  // namespace medbridge::app
