#include "mappings/identity/FhirPatientFacts.h"

namespace medbridge::mappings::identity {
namespace {

std::string stringMember(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

const rapidjson::Value* arrayMember(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

bool markedAsGuardian(const rapidjson::Value& identifier, const IdentifierSystems& systems) {
  auto type = identifier.FindMember("type");
  if (type == identifier.MemberEnd()) return false;
  if (const auto* codings = arrayMember(type->value, "coding"))
    for (const auto& c : codings->GetArray())
      if (systems.isGuardianType(stringMember(c, "code"))) return true;
  return false;
}

}  // namespace

PatientFacts patientFactsFromFhir(const rapidjson::Value& patient, const std::string& id,
                                  const IdentifierSystems& systems) {
  PatientFacts facts;
  facts.resourceId = id;
  if (const auto* identifiers = arrayMember(patient, "identifier")) {
    for (const auto& i : identifiers->GetArray()) {
      IdentifierFact fact;
      fact.system = stringMember(i, "system");
      fact.value = stringMember(i, "value");
      if (fact.system.empty() || fact.value.empty()) continue;
      if (const auto* known = systems.find(fact.system)) {
        fact.system = known->system;  // an authority name used as system: the canonical URI
        fact.type = known->type;
        fact.trusted = known->trusted;
      }
      fact.guardian = markedAsGuardian(i, systems);
      facts.identifiers.push_back(std::move(fact));
    }
  }
  facts.birthDate = stringMember(patient, "birthDate");
  if (facts.birthDate.size() != 10) facts.birthDate.clear();  // only full dates compare
  facts.gender = stringMember(patient, "gender");
  if (const auto* names = arrayMember(patient, "name")) {
    for (const auto& n : names->GetArray()) {
      std::string given;
      if (const auto* parts = arrayMember(n, "given"))
        for (const auto& g : parts->GetArray())
          if (g.IsString()) given += g.GetString();
      std::string family = stringMember(n, "family");
      std::string key = family.empty() && given.empty() ? nameKey(stringMember(n, "text"), "")
                                                        : nameKey(family, given);
      if (!key.empty()) facts.nameKeys.push_back(key);
    }
  }
  return facts;
}

}  // namespace medbridge::mappings::identity
