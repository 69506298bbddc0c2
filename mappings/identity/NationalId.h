#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medbridge::mappings::identity {

// A resident identity card number (居民身份证号) checked against GB 11643-1999: 17 digits and
// an ISO 7064 MOD 11-2 check character (0-9 or X). Legacy 15-digit numbers are upgraded.
struct NationalId {
  bool valid = false;
  std::string normalized;  // 18 characters, X upper case ("" when the number cannot be read)
  std::string birthDate;   // YYYY-MM-DD
  std::string sex;         // "male" / "female" (FHIR administrative-gender)
  std::string regionCode;  // the first six digits
  std::string regionName;  // from the GB/T 2260 table ("" when unknown)
  bool upgradedFrom15 = false;
  std::vector<std::string> errors;    // why it is not valid
  std::vector<std::string> warnings;  // valid, but worth a look (unknown region)
};

// today: "YYYY-MM-DD", the date a birth date may not be after.
NationalId checkNationalId(std::string_view number, const std::string& today);

// ISO 7064 MOD 11-2 check character of 17 digits.
char nationalIdCheckCharacter(std::string_view first17);

// Conflicts between the ID and what a record says (birth date YYYY-MM-DD, FHIR gender); empty
// fields are not compared. Hospitals register newborns under a guardian's ID, so a conflict
// means "do not link on this ID", not "reject the record".
std::vector<std::string> conflictsWithRecord(const NationalId& id, const std::string& birthDate,
                                             const std::string& gender);

}  // namespace medbridge::mappings::identity
