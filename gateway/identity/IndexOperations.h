#pragma once

#include <string>

#include "gateway/identity/FhirAnswer.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::identity {

// FHIR operations that change the master patient index, each POSTed with a Parameters body
// whose parameters are Identifiers (valueIdentifier, system + value):
//   Patient/$merge    source-patient-identifier into target-patient-identifier
//   Patient/$unmerge  source-patient-identifier (a merged patient stands on its own again)
//   Patient/$unlink   identifier (moved off its master patient onto a new one)
// Each runs in one store transaction with PatientLinker's guard rules and writes history and a
// change event. 200 OperationOutcome (information) when applied; 400 for a malformed body or an
// unknown system; 404 when no patient holds an identifier; 422 when a guard rule refuses.
FhirAnswer answerMerge(const std::string& body, store::IStore& store,
                       const mappings::identity::IdentifierSystems& systems);
FhirAnswer answerUnmerge(const std::string& body, store::IStore& store,
                         const mappings::identity::IdentifierSystems& systems);
FhirAnswer answerUnlink(const std::string& body, store::IStore& store,
                        const mappings::identity::IdentifierSystems& systems);

// Links a FHIR Patient that is being stored into the index (its write transaction's tables).
// today: YYYY-MM-DD in China, for the national ID's birth-date check.
void linkFhirPatient(IIndexTables& tables, const std::string& json, const std::string& id,
                     const mappings::identity::IdentifierSystems& systems,
                     const std::string& today);

// Why the platform refuses this Patient: a national-ID identifier (not a guardian's) that fails
// GB 11643 — the regional index is keyed on them. "" when it has none such. The number itself is
// not repeated (the answer ends up in logs).
std::string invalidNationalId(const std::string& json, const std::string& id,
                              const mappings::identity::IdentifierSystems& systems,
                              const std::string& today);

}  // namespace medbridge::identity
