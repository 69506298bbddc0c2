#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "gateway/workflow/ConsultationMachine.h"

namespace medbridge::workflow {

// The expert pool's entry rules [A5]: deputy-senior title or above, ≥ 5 years of practice in the
// specialty, no medical accident of grade 2 or worse (grades 1–2) in the last 3 years, approved
// by the employer, trained in telemedicine. Checked when a PractitionerRole is written with
// extension expert-pool = true; every problem found.
std::vector<Problem> checkPoolEntry(const rapidjson::Value& role, const std::string& today);

bool inPool(const rapidjson::Value& role);
// The professional title's seniority (professional-titles.json): 4 chief … 0; -1 when none.
int titleSeniority(const rapidjson::Value& role);
// Whether the role's practice scope (specialty) covers the department ("03" covers "03.01").
bool practisesIn(const rapidjson::Value& role, const std::string& department);
// A registered department or practice scope covers its sub-specialties: "03" covers "03.01".
bool departmentCovers(const std::string& registered, const std::string& requested);
// Whole years from YYYY-MM-DD `since` to `today`; -1 when unknown.
int yearsBetween(const std::string& since, const std::string& today);

}  // namespace medbridge::workflow
