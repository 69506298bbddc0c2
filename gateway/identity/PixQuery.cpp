#include "gateway/identity/PixQuery.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

namespace medbridge::identity {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

FhirAnswer outcome(int status, const char* code, const std::string& text) {
  return outcomeAnswer(status, "error", code, text);
}

}  // namespace

FhirAnswer answerPix(const std::vector<std::pair<std::string, std::string>>& params,
                     store::IStore& store, const mappings::identity::IdentifierSystems& systems) {
  std::string source;
  std::set<std::string> targets;
  int sources = 0;
  for (const auto& [name, value] : params) {
    if (name == "sourceIdentifier") {
      source = value;
      ++sources;
    } else if (name == "targetSystem") {
      targets.insert(value);
    }
  }
  if (sources != 1)
    return outcome(400, "required", "exactly one sourceIdentifier (system|value) is required");
  auto bar = source.find('|');
  if (bar == std::string::npos || bar == 0 || bar + 1 == source.size())
    return outcome(400, "invalid", "sourceIdentifier must be system|value");
  std::string system = source.substr(0, bar), value = source.substr(bar + 1);
  if (!systems.find(system))
    return outcome(400, "code-invalid", "sourceIdentifier Assigning Authority not found");
  for (const auto& t : targets)
    if (!systems.find(t)) return outcome(403, "code-invalid", "targetSystem not found: " + t);
  auto identifiers = store.crossReference(system, value);
  if (!identifiers)
    return outcome(404, "not-found", "sourceIdentifier Patient Identifier not found");

  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("resourceType");
  w.String("Parameters");
  w.Key("parameter");
  w.StartArray();
  std::set<std::string> patients;
  for (const auto& id : *identifiers) {
    if (!id.resourceId.empty()) patients.insert(id.resourceId);
    if ((id.system == system && id.value == value) ||
        (!targets.empty() && !targets.count(id.system)))
      continue;
    w.StartObject();
    w.Key("name");
    w.String("targetIdentifier");
    w.Key("valueIdentifier");
    w.StartObject();
    w.Key("system");
    w.String(id.system.c_str());
    w.Key("value");
    w.String(id.value.c_str());
    w.EndObject();
    w.EndObject();
  }
  for (const auto& p : patients) {
    w.StartObject();
    w.Key("name");
    w.String("targetId");
    w.Key("valueReference");
    w.StartObject();
    w.Key("reference");
    w.String(("Patient/" + p).c_str());
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {200, buf.GetString()};
}

}  // namespace medbridge::identity
