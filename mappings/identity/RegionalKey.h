#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "mappings/identity/IdentifierSystems.h"
#include "mappings/identity/PatientFacts.h"

namespace medbridge::mappings::identity {

// The identifiers a hospital's Patient is found by on the regional platform (DESIGN.md, "Who
// owns what"): its national ID number when it has a valid one of its own (not a guardian's), and
// its medical record numbers — either finds it, so a patient whose national ID becomes known
// later is still the same platform Patient. Empty when it has neither. today: YYYY-MM-DD.
std::vector<IdentifierFact> regionalKeys(const rapidjson::Value& patient,
                                         const IdentifierSystems& systems,
                                         const std::string& today);

// "Patient?identifier=<system>|<value>,<system>|<value>", percent-encoded where the query needs.
std::string conditionalPatientUrl(const std::vector<IdentifierFact>& keys);

}  // namespace medbridge::mappings::identity
