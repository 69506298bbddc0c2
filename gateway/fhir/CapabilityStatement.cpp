#include "gateway/fhir/CapabilityStatement.h"

#include "gateway/fhir/FhirServer.h"
#include "mappings/fhir/Definitions.h"
#include "mappings/fhir/SearchParameters.h"

namespace medbridge::fhir {
namespace {

using mappings::fhir::str;
using mappings::fhir::Value;
using Allocator = rapidjson::Document::AllocatorType;

Value codes(std::initializer_list<const char*> list, Allocator& a) {
  Value out(rapidjson::kArrayType);
  for (const char* c : list) {
    Value i(rapidjson::kObjectType);
    i.AddMember("code", rapidjson::StringRef(c), a);
    out.PushBack(i, a);
  }
  return out;
}

Value operationsOf(const FhirServer& server, const std::string& type, Allocator& a) {
  Value out(rapidjson::kArrayType);
  for (const auto& op : server.operations()) {
    bool applies = type.empty() ? op.type.empty() && !op.typeLevel && !op.instanceLevel
                                : op.type == type || (op.type.empty() && op.typeLevel);
    if (!applies) continue;
    Value o(rapidjson::kObjectType);
    o.AddMember("name", str(op.name, a), a);
    o.AddMember(
        "definition",
        str(op.definition.empty() ? "urn:medbridge:operation:" + op.name : op.definition, a), a);
    out.PushBack(o, a);
  }
  return out;
}

}  // namespace

std::string capabilityStatement(const FhirServer& server, const std::string& base) {
  const auto& defs = mappings::fhir::Definitions::r4();
  const auto& params = mappings::fhir::SearchParameters::r4();
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("resourceType", "CapabilityStatement", a);
  d.AddMember("status", "active", a);
  d.AddMember("date", "2026-11-23", a);
  d.AddMember("publisher", "medbridge", a);
  d.AddMember("kind", "instance", a);
  Value software(rapidjson::kObjectType), implementation(rapidjson::kObjectType);
  software.AddMember("name", "medbridge", a);
  software.AddMember("version", MEDBRIDGE_VERSION, a);
  implementation.AddMember("description", "medbridge telemedicine gateway FHIR R4 server", a);
  implementation.AddMember("url", str(base, a), a);
  d.AddMember("software", software, a);
  d.AddMember("implementation", implementation, a);
  d.AddMember("fhirVersion", str(defs.fhirVersion(), a), a);
  Value formats(rapidjson::kArrayType);
  formats.PushBack("json", a);
  formats.PushBack("xml", a);
  d.AddMember("format", formats, a);
  Value rest(rapidjson::kObjectType);
  rest.AddMember("mode", "server", a);
  Value resources(rapidjson::kArrayType);
  for (const auto& type : defs.resourceTypes()) {
    Value r(rapidjson::kObjectType);
    r.AddMember("type", str(type, a), a);
    r.AddMember("interaction",
                codes({"read", "vread", "update", "delete", "history-instance", "history-type",
                       "create", "search-type"},
                      a),
                a);
    r.AddMember("versioning", "versioned-update", a);
    r.AddMember("readHistory", true, a);
    r.AddMember("updateCreate", true, a);
    r.AddMember("conditionalCreate", true, a);
    r.AddMember("conditionalUpdate", true, a);
    r.AddMember("conditionalDelete", "single", a);
    Value includes(rapidjson::kArrayType), searchParams(rapidjson::kArrayType);
    for (const auto* p : params.forType(type)) {
      if (p->type == "reference") includes.PushBack(str(type + ":" + p->code, a), a);
      Value sp(rapidjson::kObjectType);
      sp.AddMember("name", str(p->code, a), a);
      sp.AddMember("type", str(p->type, a), a);
      searchParams.PushBack(sp, a);
    }
    if (!includes.Empty()) {
      r.AddMember("searchInclude", includes, a);
    }
    r.AddMember("searchParam", searchParams, a);
    Value ops = operationsOf(server, type, a);
    if (!ops.Empty()) r.AddMember("operation", ops, a);
    resources.PushBack(r, a);
  }
  rest.AddMember("resource", resources, a);
  rest.AddMember("interaction", codes({"history-system"}, a), a);
  Value systemOps = operationsOf(server, "", a);
  if (!systemOps.Empty()) rest.AddMember("operation", systemOps, a);
  Value rests(rapidjson::kArrayType);
  rests.PushBack(rest, a);
  d.AddMember("rest", rests, a);
  return mappings::fhir::toJson(d);
}

}  // namespace medbridge::fhir
