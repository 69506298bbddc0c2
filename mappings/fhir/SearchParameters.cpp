#include "mappings/fhir/SearchParameters.h"

#include <rapidjson/document.h>

#include <stdexcept>

#include "mappings/fhir/Definitions.h"

namespace medbridge::mappings::fhir {
namespace {

// "telecom[system=phone]" -> name telecom, where system = phone.
PathStep stepFrom(std::string_view text) {
  PathStep step;
  auto open = text.find('[');
  step.name = std::string(text.substr(0, open));
  if (open != std::string_view::npos) {
    auto eq = text.find('=', open);
    step.whereField = std::string(text.substr(open + 1, eq - open - 1));
    step.whereValue = std::string(text.substr(eq + 1, text.size() - eq - 2));
  }
  return step;
}

}  // namespace

const SearchParameters& SearchParameters::r4() {
  static const SearchParameters kParameters;
  return kParameters;
}

SearchParameters::SearchParameters() {
  rapidjson::Document doc;
  doc.Parse(embeddedFhirDefinitions().at("search-parameters").c_str());
  if (doc.HasParseError()) throw std::runtime_error("embedded search parameters broken");
  for (const auto& type : doc.GetObject()) {
    auto& params = byType_[type.name.GetString()];
    for (const auto& p : type.value.GetObject()) {
      SearchParamDef def;
      def.code = p.name.GetString();
      def.type = p.value["type"].GetString();
      for (const auto& path : p.value["paths"].GetArray()) {
        SearchPath sp;
        for (const auto& s : path["p"].GetArray()) sp.steps.push_back(stepFrom(s.GetString()));
        sp.leafType = path["t"].GetString();
        if (path.HasMember("to")) sp.targetType = path["to"].GetString();
        def.paths.push_back(std::move(sp));
      }
      if (p.value.HasMember("targets"))
        for (const auto& t : p.value["targets"].GetArray()) def.targets.emplace_back(t.GetString());
      params.emplace(def.code, std::move(def));
    }
  }
}

const SearchParamDef* SearchParameters::find(std::string_view type, std::string_view code) const {
  for (std::string_view t : {type, std::string_view("Resource")}) {
    auto it = byType_.find(t);
    if (it == byType_.end()) continue;
    auto p = it->second.find(code);
    if (p != it->second.end()) return &p->second;
  }
  return nullptr;
}

std::vector<const SearchParamDef*> SearchParameters::forType(std::string_view type) const {
  std::vector<const SearchParamDef*> out;
  for (std::string_view t : {std::string_view("Resource"), type}) {
    auto it = byType_.find(t);
    if (it == byType_.end()) continue;
    for (const auto& [code, def] : it->second) out.push_back(&def);
  }
  return out;
}

}  // namespace medbridge::mappings::fhir
