#include "gateway/workflow/ExpertPool.h"

#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"
#include "mappings/tables/Tables.h"

namespace medbridge::workflow {
namespace {

using Value = rapidjson::Value;

constexpr auto text = mappings::fhir::stringMember;

std::vector<const Value*> extensions(const Value& resource, const char* url) {
  std::vector<const Value*> out;
  if (auto it = resource.FindMember("extension"); it != resource.MemberEnd() && it->value.IsArray())
    for (const auto& e : it->value.GetArray())
      if (text(e, "url") == url) out.push_back(&e);
  return out;
}

bool flag(const Value& resource, const char* url) {
  for (const Value* e : extensions(resource, url))
    if (e->HasMember("valueBoolean") && (*e)["valueBoolean"].IsBool() &&
        (*e)["valueBoolean"].GetBool())
      return true;
  return false;
}

std::vector<std::string> codes(const Value& role, const char* member, const char* system) {
  std::vector<std::string> out;
  auto it = role.FindMember(member);
  if (it == role.MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& c : it->value.GetArray())
    if (c.HasMember("coding") && c["coding"].IsArray())
      for (const auto& x : c["coding"].GetArray())
        if (text(x, "system") == system) out.push_back(text(x, "code"));
  return out;
}

}  // namespace

int yearsBetween(const std::string& since, const std::string& today) {
  if (since.size() < 10 || today.size() < 10) return -1;
  int years = std::stoi(today.substr(0, 4)) - std::stoi(since.substr(0, 4));
  if (today.substr(5, 5) < since.substr(5, 5)) --years;
  return years;
}

bool inPool(const Value& role) {
  return flag(role, kPoolExtension);
}

int titleSeniority(const Value& role) {
  static const rapidjson::Document table = [] {
    rapidjson::Document d;
    d.Parse(mappings::embeddedTables().at("professional-titles").c_str());
    return d;
  }();
  for (const auto& title : codes(role, "code", kTitleSystem))
    for (const auto& c : table["concept"].GetArray())
      if (text(c, "code") == title) return c["property"][0]["valueInteger"].GetInt();
  return -1;
}

bool departmentCovers(const std::string& registered, const std::string& requested) {
  return registered == requested || requested.rfind(registered + ".", 0) == 0;
}

bool practisesIn(const Value& role, const std::string& department) {
  for (const auto& s : codes(role, "specialty", kDepartmentSystem))
    if (departmentCovers(s, department)) return true;
  return false;
}

std::vector<Problem> checkPoolEntry(const Value& role, const std::string& today) {
  std::vector<Problem> out;
  if (titleSeniority(role) < 3)
    out.push_back({"the expert pool takes deputy-senior titles or above (副高及以上)",
                   "PractitionerRole.code"});
  int years = -1;
  for (const Value* e : extensions(role, kPracticeSinceExtension))
    years = yearsBetween(text(*e, "valueDate"), today);
  if (years < 5)
    out.push_back(
        {"the expert pool takes physicians with at least 5 years of practice in the "
         "specialty (" +
             (years < 0 ? std::string("none recorded") : std::to_string(years)) + ")",
         "PractitionerRole.extension"});
  for (const Value* e : extensions(role, kAccidentExtension)) {
    int grade = 0;
    std::string date;
    if (auto it = e->FindMember("extension"); it != e->MemberEnd() && it->value.IsArray())
      for (const auto& p : it->value.GetArray()) {
        if (text(p, "url") == "grade" && p.HasMember("valueInteger")) {
          // Parsed by the FHIR server, numbers are kept as their text.
          auto number = mappings::fhir::numberText(p["valueInteger"]);
          grade = p["valueInteger"].IsInt() ? p["valueInteger"].GetInt()
                  : number                  ? std::stoi(std::string(*number))
                                            : 0;
        }
        if (text(p, "url") == "date") date = text(p, "valueDate");
      }
    int ago = yearsBetween(date, today);
    if (grade >= 1 && grade <= 2 && ago >= 0 && ago < 3)
      out.push_back({"a grade-" + std::to_string(grade) + " medical accident on " + date +
                         " keeps the physician out of the expert pool for 3 years",
                     "PractitionerRole.extension"});
  }
  if (!flag(role, kEmployerApprovalExtension))
    out.push_back({"the employer's approval (extension employer-approved) is missing",
                   "PractitionerRole.extension"});
  if (!flag(role, kTrainingExtension))
    out.push_back({"telemedicine training (extension telemedicine-trained) is missing",
                   "PractitionerRole.extension"});
  return out;
}

}  // namespace medbridge::workflow
