#pragma once

#include "mappings/dicom/DicomSummary.h"
#include "mappings/identity/IdentifierSystems.h"
#include "mappings/identity/PatientFacts.h"

namespace medbridge::mappings::identity {

// What a DICOM header says about its patient, for the master patient index: PatientID with
// IssuerOfPatientID and every Other Patient ID with its issuer (through the identifier-system
// table; an issuer not in it never links), birth date, sex and the person name's groups
// (alphabetic / pinyin and ideographic / Chinese characters) as name keys.
PatientFacts patientFactsFromDicom(const dicom::DicomSummary& instance,
                                   const IdentifierSystems& systems);

}  // namespace medbridge::mappings::identity
