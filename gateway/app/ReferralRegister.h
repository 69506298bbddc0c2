#pragma once

#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// The referral register (双向转诊登记表, docs/referral-workflow.md "The register"):
// GET Task/$referral-register?organization=Organization/x&start=YYYY-MM-DD&end=YYYY-MM-DD lists
// every referral Task submitted in the period (Task.authoredOn, the workflow's dates) that
// Organization/x sent (out) or received (in): as a Bundle (collection: the register as a List,
// then its Tasks), or with _format=csv as CSV.
void registerReferralRegister(fhir::FhirServer& fhir, store::IStore& store);

}  // namespace medbridge::app
