#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace medbridge::mappings::fhir {

// One element of a type, as derived from the official StructureDefinitions
// (mappings/fhir/definitions/derive.mjs).
struct ElementDef {
  std::string name;  // JSON name; a choice element's base name ("value" of value[x])
  bool choice = false;
  std::vector<std::string> types;  // type codes ("string", "Reference", "BackboneElement")
  int min = 0;
  int max = 1;                // -1 = unbounded
  std::string binding;        // required value set URL, or ""
  bool xmlAttribute = false;  // written as an XML attribute (Element.id, Extension.url)
  bool summary = false;       // part of _summary=true
  std::string backbone;       // relative path whose children this element has, or ""
  bool array() const { return max != 1; }
};

// A JSON member name resolved against a type: the element and, for a choice, the chosen type.
struct ResolvedMember {
  const ElementDef* element = nullptr;
  std::string type;  // the concrete type of this member's value
};

struct TypeDef {
  enum class Kind { Primitive, Complex, Resource };
  std::string name;
  Kind kind = Kind::Complex;
  bool abstract = false;
  std::string base;
  // Children by relative parent path: "" = the type's own elements, "contact" = Patient.contact's.
  std::map<std::string, std::vector<ElementDef>, std::less<>> children;
  // JSON member name (choice names expanded: "valueQuantity") -> element, per parent path.
  std::map<std::string, std::unordered_map<std::string, ResolvedMember>, std::less<>> members;
};

// The FHIR R4 (4.0.1) type system and required value sets, loaded from the embedded tables.
class Definitions {
 public:
  static const Definitions& r4();

  const TypeDef* type(std::string_view name) const;
  // A concrete (non-abstract) resource type such as "Patient".
  bool isResourceType(std::string_view name) const;
  const std::vector<std::string>& resourceTypes() const { return resourceTypes_; }
  // The element a JSON member names under `parent` of `type`, or nullptr.
  const ResolvedMember* member(const TypeDef& type, std::string_view parent,
                               std::string_view jsonName) const;
  // The codes of a required value set; nullptr when it cannot be enumerated (not checked).
  const std::set<std::string, std::less<>>* valueSet(std::string_view url) const;
  const std::string& fhirVersion() const { return fhirVersion_; }

 private:
  Definitions();
  std::map<std::string, TypeDef, std::less<>> types_;
  std::vector<std::string> resourceTypes_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> valueSets_;
  std::string fhirVersion_;
};

}  // namespace medbridge::mappings::fhir

namespace medbridge::mappings {
// The embedded definition files (mappings/fhir/definitions/r4/*.json) by name.
const std::map<std::string, std::string>& embeddedFhirDefinitions();
}  // namespace medbridge::mappings
