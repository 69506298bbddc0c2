#pragma once

#include <rapidjson/document.h>

#include <string>

#include "mappings/identity/IdentifierSystems.h"
#include "mappings/identity/PatientFacts.h"

namespace medbridge::mappings::identity {

// What a FHIR Patient says about its patient, for the master patient index: every identifier
// with a system and a value (typed and trusted from the identifier-system table, guardian IDs
// marked by Identifier.type), birthDate, gender and the normalised names (family + given, or
// the text when a name has no parts).
PatientFacts patientFactsFromFhir(const rapidjson::Value& patient, const std::string& id,
                                  const IdentifierSystems& systems);

}  // namespace medbridge::mappings::identity
