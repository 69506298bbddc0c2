#pragma once

#include <string>

#include "gateway/core/Clock.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// GET /fhir/Task/{id}/$export-case: the whole consultation as one FHIR document Bundle — a
// Composition (sections: application, records, session, report, signatures, audit trail) followed
// by the Task, the ServiceRequest, the patient, the institutions and people involved, the
// consent and records, the appointment, the report with its PDF and signature Provenance, and one
// AuditEvent per transition — for archiving by both sides.
// That Bundle for Task/taskId, its fullUrls under `base` (the FHIR base URL). Throws
// fhir::FhirError: 404 for an unknown Task, 422 for one that is not a consultation.
std::string caseBundle(store::IStore& store, const core::IClock& clock, const std::string& taskId,
                       const std::string& base);
void registerCaseExport(fhir::FhirServer& fhir, store::IStore& store, const core::IClock& clock);

}  // namespace medbridge::app
