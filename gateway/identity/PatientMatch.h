#pragma once

#include <string>

#include "gateway/identity/FhirAnswer.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::identity {

// `Patient/$match` (POST, Parameters: resource = a Patient, onlyCertainMatches, count): a
// searchset Bundle of scored candidates, best first, each with search.mode = match, a score
// and the match-grade extension:
// - certain (1.0): holds, through the master patient index, a trusted identifier of the input
//   (a national ID only when the input's birth date and sex agree with it; guardian IDs never);
// - probable (0.8): same normalised name, birth date and gender;
// - possible (0.6): same normalised name and birth date, gender unknown on one side.
// Demographic candidates whose gender contradicts the input are left out. 400 for a body
// without a Patient.
FhirAnswer answerMatch(const std::string& body, const std::string& base, store::IStore& store,
                       const mappings::identity::IdentifierSystems& systems,
                       const std::string& today);

}  // namespace medbridge::identity
