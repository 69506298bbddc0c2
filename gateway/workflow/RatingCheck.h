#pragma once

#include <rapidjson/document.h>

#include <set>
#include <string>
#include <vector>

#include "gateway/workflow/ConsultationMachine.h"

namespace medbridge::workflow {

inline constexpr const char* kRatingQuestionnaire =
    "urn:medbridge:questionnaire:consultation-rating";

// A rating of a consultation (QuestionnaireResponse to the shipped Questionnaire,
// mappings/tables/consultation-rating-questionnaire.json): on a completed consultation Task
// (basedOn), by a party of either side (`roles` of its author on that Task), with satisfaction an
// integer 1–5 (required) and timeliness 1–5, comment text. Every problem found.
std::vector<Problem> checkRating(const rapidjson::Value& response, const rapidjson::Value* task,
                                 const std::set<std::string>& roles);

// "inviting" or "invited": the side these roles rate for ("" when neither).
std::string ratingSide(const std::set<std::string>& roles);

}  // namespace medbridge::workflow
