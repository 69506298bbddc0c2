#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <string>

#include "gateway/core/Clock.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// Reads the current version of a "Type/id" reference; false when there is none.
using ResourceReader = std::function<bool(const std::string& reference, rapidjson::Document& out)>;

// A resource's name as one text: an Organization's name, a Patient's first name (its text, else
// family and given names run together as Chinese names are written).
std::string nameText(const rapidjson::Value& resource);

// The referral form (双向转诊单) of a referral Task: a printable HTML page in Chinese with the
// patient, both institutions (name and level), direction, emergency, indications and purpose,
// the prior consultation, what travels with the patient, and the signatures block. `date`: the
// form's date (YYYY-MM-DD).
std::string referralFormHtml(const rapidjson::Value& task, const ResourceReader& read,
                             const std::string& date);

// The form as a DocumentReference (id referral-form-<Task id>, LOINC 57133-1 referral note,
// the page base64 in content[0].attachment, context.related = the Task).
std::string referralFormDocument(const rapidjson::Value& task, const std::string& html,
                                 const std::string& now);

// GET Task/{id}/$referral-form: the form of a referral Task as it reads now (text/html).
void registerReferralForm(fhir::FhirServer& fhir, store::IStore& store,
                          std::function<std::string()> today);

}  // namespace medbridge::app
