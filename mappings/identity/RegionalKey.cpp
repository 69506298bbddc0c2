#include "mappings/identity/RegionalKey.h"

#include <cctype>
#include <cstdio>
#include <string_view>

#include "mappings/identity/FhirPatientFacts.h"
#include "mappings/identity/NationalId.h"

namespace medbridge::mappings::identity {
namespace {

std::string queryEncoded(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) ||
        std::string_view("-._~:/").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

std::vector<IdentifierFact> regionalKeys(const rapidjson::Value& patient,
                                         const IdentifierSystems& systems,
                                         const std::string& today) {
  std::vector<IdentifierFact> keys;
  auto facts = patientFactsFromFhir(patient, "", systems);
  for (const auto& i : facts.identifiers)
    if (i.type == "national-id" && !i.guardian && checkNationalId(i.value, today).valid) {
      keys.push_back(i);
      break;
    }
  for (const auto& i : facts.identifiers)
    if (i.type == "mrn") keys.push_back(i);
  return keys;
}

std::string conditionalPatientUrl(const std::vector<IdentifierFact>& keys) {
  std::string url = "Patient?identifier=";
  for (std::size_t i = 0; i < keys.size(); ++i)
    url += (i ? "," : "") + queryEncoded(keys[i].system) + "|" + queryEncoded(keys[i].value);
  return url;
}

}  // namespace medbridge::mappings::identity
