#pragma once

#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// The FHIR side of same-level result recognition (docs/referral-workflow.md, "Shared results"):
// a ServiceRequest written here (not a workflow application) ordering an examination with a
// recognised result of the patient made within referral.resultValidityDays is stored, and the
// answer carries the warning (MB-6001, FhirServer::adviseWrites).
void adviseRepeatOrders(fhir::FhirServer& fhir, store::IStore& store,
                        const core::GatewayConfig& config, const core::IClock& clock);

}  // namespace medbridge::app
