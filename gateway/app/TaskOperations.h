#pragma once

#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// $accept, $reject, $assign, $schedule, $start, $complete, $cancel on Task/{id}: POST a
// Parameters resource (actor = Reference, the acting party; reason = code of workflow-reason;
// expert, appointment, report = Reference). Each builds the next version from the stored Task
// and PUTs it with If-Match (the request's, else the stored version), so it passes the same
// checks as any update: the workflow on the platform, the proposal to the platform on a hospital.
void registerTaskOperations(fhir::FhirServer& fhir, store::IStore& store);

}  // namespace medbridge::app
