#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gateway/identity/FhirAnswer.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::identity {

// IHE PIXm `Patient/$ihe-pix`: sourceIdentifier = system|value (1), targetSystem (0..*).
// 200 Parameters with a targetIdentifier per other identifier of the patient (merged patients
// included) and a targetId per FHIR Patient; 400 when sourceIdentifier is missing, malformed or
// of an unknown system; 403 when a targetSystem is unknown; 404 when no patient has the identifier.
FhirAnswer answerPix(const std::vector<std::pair<std::string, std::string>>& params,
                     store::IStore& store, const mappings::identity::IdentifierSystems& systems);

}  // namespace medbridge::identity
