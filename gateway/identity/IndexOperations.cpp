#include "gateway/identity/IndexOperations.h"

#include <rapidjson/document.h>

#include "gateway/identity/PatientLinker.h"
#include "mappings/identity/FhirPatientFacts.h"
#include "mappings/identity/NationalId.h"

namespace medbridge::identity {
namespace {

using mappings::identity::IdentifierFact;
using mappings::identity::IdentifierSystems;

// An answer thrown out of the store transaction so that nothing it wrote stays.
struct Refused {
  FhirAnswer answer;
};

// The Identifier parameter `name` of a Parameters body, typed from the identifier systems.
IdentifierFact identifierParameter(const rapidjson::Document& body, const char* name,
                                   const IdentifierSystems& systems) {
  auto params = body.FindMember("parameter");
  if (params != body.MemberEnd() && params->value.IsArray()) {
    for (const auto& p : params->value.GetArray()) {
      if (!p.IsObject() || !p.HasMember("name") || !p["name"].IsString() ||
          p["name"].GetString() != std::string(name))
        continue;
      auto id = p.FindMember("valueIdentifier");
      if (id == p.MemberEnd() || !id->value.IsObject()) break;
      IdentifierFact fact;
      if (id->value.HasMember("system") && id->value["system"].IsString())
        fact.system = id->value["system"].GetString();
      if (id->value.HasMember("value") && id->value["value"].IsString())
        fact.value = id->value["value"].GetString();
      if (fact.system.empty() || fact.value.empty())
        throw Refused{outcomeAnswer(400, "error", "required",
                                    std::string(name) + " needs a system and a value")};
      const auto* known = systems.find(fact.system);
      if (!known)
        throw Refused{outcomeAnswer(400, "error", "code-invalid",
                                    std::string(name) + ": unknown system " + fact.system)};
      fact.system = known->system;
      fact.type = known->type;
      fact.trusted = known->trusted;
      return fact;
    }
  }
  throw Refused{outcomeAnswer(400, "error", "required",
                              std::string("the Parameters need ") + name + " (valueIdentifier)")};
}

rapidjson::Document parameters(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("resourceType") ||
      !doc["resourceType"].IsString() ||
      doc["resourceType"].GetString() != std::string("Parameters"))
    throw Refused{
        outcomeAnswer(400, "error", "structure", "the body must be a Parameters resource")};
  return doc;
}

void requireHolder(IIndexTables& tables, const IdentifierFact& f) {
  if (!tables.holderOf(f.system, f.value))
    throw Refused{outcomeAnswer(404, "error", "not-found",
                                "no patient holds identifier " + f.system + "|" + f.value)};
}

void refuseIf(const std::string& why) {
  if (!why.empty()) throw Refused{outcomeAnswer(422, "error", "business-rule", why)};
}

// Parses the body, then runs `change` in one store transaction.
template <typename Change>
FhirAnswer run(const std::string& body, store::IStore& store, Change change) {
  try {
    rapidjson::Document doc = parameters(body);
    std::string done;
    store.transact([&](store::IResourceTx& tx) { done = change(doc, tx.patientIndex()); });
    return outcomeAnswer(200, "information", "informational", done);
  } catch (const Refused& r) {
    return r.answer;
  }
}

std::string text(const IdentifierFact& f) {
  return f.system + "|" + f.value;
}

}  // namespace

FhirAnswer answerMerge(const std::string& body, store::IStore& store,
                       const IdentifierSystems& systems) {
  return run(body, store, [&](const rapidjson::Document& doc, IIndexTables& tables) {
    IdentifierFact source = identifierParameter(doc, "source-patient-identifier", systems);
    IdentifierFact target = identifierParameter(doc, "target-patient-identifier", systems);
    requireHolder(tables, source);
    requireHolder(tables, target);
    mappings::identity::PatientFacts record;
    record.identifiers = {target};
    refuseIf(PatientLinker::applyChange(record, {"merge", {source}}, tables));
    return "the patient of " + text(source) + " is merged into the patient of " + text(target);
  });
}

FhirAnswer answerUnmerge(const std::string& body, store::IStore& store,
                         const IdentifierSystems& systems) {
  return run(body, store, [&](const rapidjson::Document& doc, IIndexTables& tables) {
    IdentifierFact source = identifierParameter(doc, "source-patient-identifier", systems);
    requireHolder(tables, source);
    refuseIf(PatientLinker::unmerge(source, tables));
    return "the patient of " + text(source) + " is no longer merged";
  });
}

FhirAnswer answerUnlink(const std::string& body, store::IStore& store,
                        const IdentifierSystems& systems) {
  return run(body, store, [&](const rapidjson::Document& doc, IIndexTables& tables) {
    IdentifierFact identifier = identifierParameter(doc, "identifier", systems);
    requireHolder(tables, identifier);
    refuseIf(PatientLinker::unlink(identifier, tables));
    return text(identifier) + " now identifies a master patient of its own";
  });
}

void linkFhirPatient(IIndexTables& tables, const std::string& json, const std::string& id,
                     const IdentifierSystems& systems, const std::string& today) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return;  // stored JSON is always well-formed
  PatientLinker::link(mappings::identity::patientFactsFromFhir(doc, id, systems), tables, today);
}

std::string invalidNationalId(const std::string& json, const std::string& id,
                              const IdentifierSystems& systems, const std::string& today) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return "";
  for (const auto& identifier :
       mappings::identity::patientFactsFromFhir(doc, id, systems).identifiers) {
    if (identifier.type != "national-id" || identifier.guardian) continue;
    auto checked = mappings::identity::checkNationalId(identifier.value, today);
    if (checked.valid) continue;
    std::string why;
    for (const auto& e : checked.errors) why += (why.empty() ? "" : "; ") + e;
    return "the national ID number (" + identifier.system + ") is not valid (GB 11643): " + why;
  }
  return "";
}

}  // namespace medbridge::identity
