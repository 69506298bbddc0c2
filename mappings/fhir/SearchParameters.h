#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace medbridge::mappings::fhir {

// One step of a search parameter's path: a JSON member, optionally filtered on a child's value
// (Patient.telecom.where(system='phone')).
struct PathStep {
  std::string name;
  std::string whereField, whereValue;
};

struct SearchPath {
  std::vector<PathStep> steps;
  std::string leafType;    // the FHIR type at the end: "HumanName", "Reference", "dateTime"
  std::string targetType;  // for where(resolve() is X): only references to X
};

struct SearchParamDef {
  std::string code;  // "birthdate"
  std::string type;  // string | token | date | reference | quantity | number | uri
  std::vector<SearchPath> paths;
  std::vector<std::string> targets;  // reference target types
};

// The official R4 search parameters, derived into mappings/fhir/definitions/r4/
// search-parameters.json; those on "Resource" (_id, _lastUpdated, _tag, _profile, _security,
// _source) apply to every type.
class SearchParameters {
 public:
  static const SearchParameters& r4();
  const SearchParamDef* find(std::string_view type, std::string_view code) const;
  // Every parameter of the type, the common ones included, by code.
  std::vector<const SearchParamDef*> forType(std::string_view type) const;

 private:
  SearchParameters();
  std::map<std::string, std::map<std::string, SearchParamDef, std::less<>>, std::less<>> byType_;
};

}  // namespace medbridge::mappings::fhir
