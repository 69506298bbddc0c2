#include "gateway/workflow/RatingCheck.h"

#include <algorithm>

#include "mappings/fhir/Json.h"

namespace medbridge::workflow {
namespace {

using Value = rapidjson::Value;

constexpr auto text = mappings::fhir::stringMember;

// The integer answer of an item (-1 when absent, -2 when not an integer).
int integerAnswer(const Value& item) {
  if (!item.HasMember("answer") || !item["answer"].IsArray() || item["answer"].Empty()) return -1;
  const Value& a = item["answer"][0];
  if (!a.HasMember("valueInteger")) return -2;
  if (a["valueInteger"].IsInt()) return a["valueInteger"].GetInt();
  auto number = mappings::fhir::numberText(a["valueInteger"]);
  try {
    return number ? std::stoi(std::string(*number)) : -2;
  } catch (const std::exception&) {
    return -2;
  }
}

}  // namespace

std::string ratingSide(const std::set<std::string>& roles) {
  for (const auto& r : roles)
    if (r.rfind("inviting-", 0) == 0) return "inviting";
  return roles.count("invited-department") || roles.count("expert") ? "invited" : "";
}

std::vector<Problem> checkRating(const Value& response, const Value* task,
                                 const std::set<std::string>& roles) {
  std::vector<Problem> out;
  if (!task) {
    out.push_back(
        {"a rating is basedOn the consultation Task it rates", "QuestionnaireResponse.basedOn"});
    return out;
  }
  if (text(*task, "status") != "completed")
    out.push_back(
        {"only a completed consultation is rated (the Task is " + text(*task, "status") + ")",
         "QuestionnaireResponse.basedOn"});
  if (ratingSide(roles).empty())
    out.push_back(
        {"the author takes no part in this consultation", "QuestionnaireResponse.author"});
  if (text(response, "status") != "completed")
    out.push_back({"a rating is submitted with status completed", "QuestionnaireResponse.status"});
  bool satisfaction = false;
  if (response.HasMember("item") && response["item"].IsArray())
    for (const auto& item : response["item"].GetArray()) {
      std::string id = text(item, "linkId");
      if (id == "satisfaction" || id == "timeliness") {
        int v = integerAnswer(item);
        if (v == -1 && id == "timeliness") continue;
        if (v < 1 || v > 5)
          out.push_back({id + " is an integer from 1 to 5", "QuestionnaireResponse.item"});
        satisfaction = satisfaction || (id == "satisfaction" && v >= 1 && v <= 5);
      } else if (id != "comment") {
        out.push_back(
            {"item '" + id + "' is not in the rating questionnaire", "QuestionnaireResponse.item"});
      }
    }
  if (!satisfaction && std::none_of(out.begin(), out.end(), [](const Problem& p) {
        return p.message.rfind("satisfaction", 0) == 0;
      }))
    out.push_back({"satisfaction (1 to 5) is required", "QuestionnaireResponse.item"});
  return out;
}

}  // namespace medbridge::workflow
