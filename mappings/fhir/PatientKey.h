#pragma once

// The patient a resource change belongs to, for ordering deliveries to the regional platform:
// changes of one patient are sent in order, one at a time.
#include <string>
#include <vector>

#include "mappings/fhir/SearchIndexer.h"

namespace medbridge::mappings::fhir {

// "Patient/<id>" for a Patient; else the Patient its `patient` search parameter names (subject,
// patient, beneficiary… as R4 defines it per type), else its `subject` when that is a Patient;
// a resource of no patient is its own key ("<type>/<id>").
std::string patientKey(const std::string& type, const std::string& id,
                       const std::vector<IndexEntry>& index);

}  // namespace medbridge::mappings::fhir
