#include "mappings/fhir/Definitions.h"

#include <rapidjson/document.h>

#include <stdexcept>

namespace medbridge::mappings::fhir {
namespace {

std::string upperFirst(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

rapidjson::Document parsed(const std::string& name) {
  rapidjson::Document doc;
  doc.Parse(embeddedFhirDefinitions().at(name).c_str());
  if (doc.HasParseError()) throw std::runtime_error("embedded FHIR definitions broken: " + name);
  return doc;
}

ElementDef elementFrom(const rapidjson::Value& e) {
  ElementDef d;
  d.name = e["n"].GetString();
  d.choice = e.HasMember("c");
  for (const auto& t : e["t"].GetArray()) d.types.emplace_back(t.GetString());
  d.min = e["min"].GetInt();
  d.max = e["max"].GetInt();
  if (e.HasMember("b")) d.binding = e["b"].GetString();
  d.xmlAttribute = e.HasMember("x");
  d.summary = e.HasMember("s");
  if (e.HasMember("r")) d.backbone = e["r"].GetString();
  return d;
}

}  // namespace

const Definitions& Definitions::r4() {
  static const Definitions kDefinitions;
  return kDefinitions;
}

Definitions::Definitions() {
  const auto structures = parsed("structures");
  fhirVersion_ = structures["fhirVersion"].GetString();
  for (const auto& t : structures["types"].GetObject()) {
    TypeDef type;
    type.name = t.name.GetString();
    std::string kind = t.value["kind"].GetString();
    type.kind = kind == "primitive-type" ? TypeDef::Kind::Primitive
                : kind == "resource"     ? TypeDef::Kind::Resource
                                         : TypeDef::Kind::Complex;
    type.abstract = t.value["abstract"].GetBool();
    if (t.value.HasMember("base")) type.base = t.value["base"].GetString();
    for (const auto& parent : t.value["elements"].GetObject()) {
      auto& list = type.children[parent.name.GetString()];
      for (const auto& e : parent.value.GetArray()) list.push_back(elementFrom(e));
    }
    types_.emplace(type.name, std::move(type));
  }
  // Backbone children: an element of type BackboneElement/Element with children of its own.
  for (auto& [name, type] : types_) {
    for (auto& [parent, list] : type.children) {
      for (auto& e : list) {
        std::string path = parent.empty() ? e.name : parent + "." + e.name;
        if (e.backbone.empty() && type.children.count(path)) e.backbone = path;
      }
    }
    for (const auto& [parent, list] : type.children) {
      auto& members = type.members[parent];
      for (const auto& e : list) {
        if (!e.choice) {
          members[e.name] = {&e, e.types.empty() ? "" : e.types.front()};
          continue;
        }
        for (const auto& t : e.types) members[e.name + upperFirst(t)] = {&e, t};
      }
    }
    if (type.kind == TypeDef::Kind::Resource && !type.abstract) resourceTypes_.push_back(name);
  }
  const auto valueSets = parsed("valuesets");
  for (const auto& vs : valueSets.GetObject()) {
    if (!vs.value.IsArray()) continue;
    auto& codes = valueSets_[vs.name.GetString()];
    for (const auto& c : vs.value.GetArray()) codes.emplace(c.GetString());
  }
}

const TypeDef* Definitions::type(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

bool Definitions::isResourceType(std::string_view name) const {
  const TypeDef* t = type(name);
  return t && t->kind == TypeDef::Kind::Resource && !t->abstract;
}

const ResolvedMember* Definitions::member(const TypeDef& type, std::string_view parent,
                                          std::string_view jsonName) const {
  auto p = type.members.find(parent);
  if (p == type.members.end()) return nullptr;
  auto it = p->second.find(std::string(jsonName));
  return it == p->second.end() ? nullptr : &it->second;
}

const std::set<std::string, std::less<>>* Definitions::valueSet(std::string_view url) const {
  auto it = valueSets_.find(url);
  return it == valueSets_.end() ? nullptr : &it->second;
}

}  // namespace medbridge::mappings::fhir
