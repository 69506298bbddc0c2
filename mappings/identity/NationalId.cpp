#include "mappings/identity/NationalId.h"

#include "mappings/tables/Tables.h"

namespace medbridge::mappings::identity {
namespace {

bool digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int toInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool realDate(int y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1800 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= (m == 2 && leap ? 29 : kDays[m - 1]);
}

}  // namespace

char nationalIdCheckCharacter(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

NationalId checkNationalId(std::string_view number, const std::string& today) {
  NationalId id;
  std::string n(number);
  while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.pop_back();
  while (!n.empty() && (n.front() == ' ' || n.front() == '\t')) n.erase(0, 1);
  if (n.size() == 18 && n[17] == 'x') n[17] = 'X';
  if (n.size() == 15) {
    if (!digits(n)) {
      id.errors.push_back("a 15-character number must be all digits");
      return id;
    }
    // Legacy form: region, YYMMDD (1900s), sequence; no check character.
    std::string first17 = n.substr(0, 6) + "19" + n.substr(6);
    n = first17 + nationalIdCheckCharacter(first17);
    id.upgradedFrom15 = true;
  }
  if (n.size() != 18) {
    id.errors.push_back("must be 18 characters (or a legacy 15-digit number), not " +
                        std::to_string(n.size()));
    return id;
  }
  if (!digits(std::string_view(n).substr(0, 17)) ||
      !(digits(std::string_view(n).substr(17)) || n[17] == 'X')) {
    id.errors.push_back("must be 17 digits and a check character 0-9 or X");
    return id;
  }
  id.normalized = n;
  char expected = nationalIdCheckCharacter(n);
  if (n[17] != expected)
    id.errors.push_back(std::string("check character is ") + n[17] + ", expected " + expected);
  int y = toInt(n.substr(6, 4)), m = toInt(n.substr(10, 2)), d = toInt(n.substr(12, 2));
  std::string birth = n.substr(6, 4) + "-" + n.substr(10, 2) + "-" + n.substr(12, 2);
  if (!realDate(y, m, d)) {
    id.errors.push_back("birth date " + birth + " is not a real date");
  } else if (birth > today) {
    id.errors.push_back("birth date " + birth + " is in the future");
  } else {
    id.birthDate = birth;
  }
  id.sex = (n[16] - '0') % 2 == 1 ? "male" : "female";
  id.regionCode = n.substr(0, 6);
  const auto& regions = CodeTable::get("gb2260-regions");
  std::string province = regions.lookup(id.regionCode.substr(0, 2) + "0000");
  std::string exact = regions.lookup(id.regionCode);
  if (province.empty())
    id.warnings.push_back("region code " + id.regionCode + " is not in the GB/T 2260 table");
  else
    id.regionName = exact.empty() ? province : exact;
  id.valid = id.errors.empty();
  return id;
}

std::vector<std::string> conflictsWithRecord(const NationalId& id, const std::string& birthDate,
                                             const std::string& gender) {
  std::vector<std::string> out;
  if (!id.birthDate.empty() && !birthDate.empty() && birthDate.substr(0, 10) != id.birthDate)
    out.push_back("record birth date " + birthDate + " differs from " + id.birthDate +
                  " in the ID");
  if (!gender.empty() && (gender == "male" || gender == "female") && gender != id.sex)
    out.push_back("record gender " + gender + " differs from " + id.sex + " in the ID");
  return out;
}

}  // namespace medbridge::mappings::identity
