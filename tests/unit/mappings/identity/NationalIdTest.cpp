#include "mappings/identity/NationalId.h"

#include <gtest/gtest.h>

namespace medbridge::mappings::identity {

const std::string kToday = "2026-11-23";

TEST(NationalId, ValidNumberGivesBirthDateSexAndRegion) {
  // The example number of GB 11643-1999.
  NationalId id = checkNationalId("11010519491231002X", kToday);
  EXPECT_TRUE(id.valid);
  EXPECT_EQ(id.normalized, "11010519491231002X");
  EXPECT_EQ(id.birthDate, "1949-12-31");
  EXPECT_EQ(id.sex, "female");  // 17th digit 2: even
  EXPECT_EQ(id.regionCode, "110105");
  EXPECT_EQ(id.regionName, "北京市");
  EXPECT_TRUE(id.errors.empty());
  EXPECT_TRUE(id.warnings.empty());
  EXPECT_EQ(checkNationalId("110105194912310013", kToday).sex, "male");
}

TEST(NationalId, CheckCharacterIsIso7064Mod11_2) {
  EXPECT_EQ(nationalIdCheckCharacter("11010519491231002"), 'X');
  EXPECT_EQ(nationalIdCheckCharacter("99010519491231002"), '3');
  NationalId wrong = checkNationalId("110105194912310021", kToday);
  EXPECT_FALSE(wrong.valid);
  ASSERT_EQ(wrong.errors.size(), 1u);
  EXPECT_EQ(wrong.errors[0], "check character is 1, expected X");
}

TEST(NationalId, LowerCaseXIsNormalised) {
  NationalId id = checkNationalId(" 11010519491231002x ", kToday);
  EXPECT_TRUE(id.valid);
  EXPECT_EQ(id.normalized, "11010519491231002X");
}

TEST(NationalId, Legacy15DigitNumbersAreUpgraded) {
  NationalId id = checkNationalId("110105491231002", kToday);
  EXPECT_TRUE(id.valid);
  EXPECT_TRUE(id.upgradedFrom15);
  EXPECT_EQ(id.normalized, "11010519491231002X");
  EXPECT_EQ(id.birthDate, "1949-12-31");
}

TEST(NationalId, BirthDateMustBeRealAndNotInTheFuture) {
  std::string feb30 = "11010519490230002";
  NationalId a = checkNationalId(feb30 + nationalIdCheckCharacter(feb30), kToday);
  EXPECT_FALSE(a.valid);
  EXPECT_EQ(a.errors, std::vector<std::string>{"birth date 1949-02-30 is not a real date"});
  std::string leap = "11010520000229002";
  EXPECT_TRUE(checkNationalId(leap + nationalIdCheckCharacter(leap), kToday).valid);
  std::string tomorrow = "11010520261124002";
  NationalId b = checkNationalId(tomorrow + nationalIdCheckCharacter(tomorrow), kToday);
  EXPECT_FALSE(b.valid);
  EXPECT_EQ(b.errors, std::vector<std::string>{"birth date 2026-11-24 is in the future"});
  EXPECT_TRUE(checkNationalId(tomorrow + nationalIdCheckCharacter(tomorrow), "2026-11-24").valid);
}

TEST(NationalId, UnknownRegionIsAWarningNotARejection) {
  NationalId id = checkNationalId("990105194912310023", kToday);
  EXPECT_TRUE(id.valid);
  EXPECT_EQ(id.regionName, "");
  EXPECT_EQ(id.warnings,
            std::vector<std::string>{"region code 990105 is not in the GB/T 2260 table"});
}

TEST(NationalId, MalformedNumbers) {
  EXPECT_EQ(checkNationalId("1234", kToday).errors,
            std::vector<std::string>{"must be 18 characters (or a legacy 15-digit number), not 4"});
  EXPECT_EQ(checkNationalId("11010519491231002Y", kToday).errors,
            std::vector<std::string>{"must be 17 digits and a check character 0-9 or X"});
  EXPECT_EQ(checkNationalId("11010549123100A", kToday).errors,
            std::vector<std::string>{"a 15-character number must be all digits"});
}

TEST(NationalId, RecordsContradictingTheIdAreFlagged) {
  NationalId id = checkNationalId("11010519491231002X", kToday);
  EXPECT_TRUE(conflictsWithRecord(id, "1949-12-31", "female").empty());
  EXPECT_TRUE(conflictsWithRecord(id, "", "").empty());
  EXPECT_TRUE(conflictsWithRecord(id, "1949-12-31", "unknown").empty());
  EXPECT_EQ(
      conflictsWithRecord(id, "2026-11-20", "male"),
      (std::vector<std::string>{"record birth date 2026-11-20 differs from 1949-12-31 in the ID",
                                "record gender male differs from female in the ID"}));
}

}  // namespace medbridge::mappings::identity

#include "mappings/identity/PatientFacts.h"

namespace medbridge::mappings::identity {

TEST(NameKey, ChineseAsWrittenPinyinLowerCaseWithoutSeparators) {
  EXPECT_EQ(nameKey("王", "秀英"), "王秀英");
  EXPECT_EQ(nameKey("Wang", "Xiu-Ying"), "wangxiuying");
  EXPECT_EQ(nameKey("O'Brien ", " Mary Ann"), "obrienmaryann");
}

}  // namespace medbridge::mappings::identity
