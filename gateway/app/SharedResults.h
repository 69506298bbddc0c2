#pragma once

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

#include "gateway/app/ReferralForm.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// The results a referral shares with the receiving institution (检查结果互认,
// docs/referral-workflow.md "Shared results"): the DiagnosticReports and ImagingStudies of the
// application's supportingInfo, each marked recognised when the receiving institution's level
// recognises the performing one's (workflow::recognises; the performer is the report's
// Organization or its PractitionerRole's, else the sending institution), as
// List/shared-results-<Task id> (code result-recognition|shared-results, subject the patient,
// entry.flag recognised / not-recognised). `now`: the List's date.
std::string sharedResultsList(const rapidjson::Value& task, const ResourceReader& read,
                              const std::map<std::string, std::vector<std::string>>& matrix,
                              const std::string& now);

// GET Task/{id}/$shared-results: the stored List of a referral's shared results and each result,
// as a Bundle (collection); 404 before the referral is submitted.
void registerSharedResults(fhir::FhirServer& fhir, store::IStore& store);

}  // namespace medbridge::app
