// `medbridge id check` agrees with an independent checker, Debian's python3-stdnum
// (stdnum.cn.ric, 18-digit form only), on 10,000 generated numbers, valid and corrupted.
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <sstream>

#include "mappings/identity/NationalId.h"
#include "tests/support/TestSupport.h"

namespace medbridge::testing {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// Half valid numbers (a region stdnum knows, a past birth date, a sequence, the right check
// character); half corrupted in one of the ways a clerk or a scanner gets them wrong.
std::vector<std::string> generate(const std::vector<std::string>& regions, int count) {
  std::mt19937 rng(20261123);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    char date[16];
    std::snprintf(date, sizeof date, "%04d%02d%02d", pick(1900, 2020), pick(1, 12), pick(1, 28));
    char seq[8];
    std::snprintf(seq, sizeof seq, "%03d", pick(0, 999));
    std::string first17 = regions[i % regions.size()] + date + seq;
    std::string number = first17 + mappings::identity::nationalIdCheckCharacter(first17);
    if (i % 2 == 1) {
      switch (pick(0, 4)) {
        case 0: {  // another digit somewhere
          int pos = pick(0, 16);
          number[pos] = static_cast<char>('0' + (number[pos] - '0' + pick(1, 9)) % 10);
          break;
        }
        case 1:  // wrong check character
          number[17] = number[17] == 'X'
                           ? '0'
                           : (number[17] == '9' ? 'X' : static_cast<char>(number[17] + 1));
          break;
        case 2: {  // an impossible date, check character recomputed
          std::string bad = number.substr(0, 10) + (pick(0, 1) ? "13" : "02") +
                            (pick(0, 1) ? "30" : "32") + number.substr(14, 3);
          number = bad + mappings::identity::nationalIdCheckCharacter(bad);
          break;
        }
        case 3: {  // two neighbouring digits swapped
          int pos = pick(0, 15);
          std::swap(number[pos], number[pos + 1]);
          break;
        }
        default:  // a digit lost
          number.erase(static_cast<std::size_t>(pick(0, 16)), 1);
      }
    }
    out.push_back(number);
  }
  return out;
}

TEST(NationalIdAgreement, MedbridgeAndPythonStdnumAgreeOn10000Numbers) {
  std::string script = peersDir() + "/stdnum-ric.py";
  CommandResult regions = runCommand({"/usr/bin/python3", script, "regions", "300"});
  ASSERT_EQ(regions.exitCode, 0) << regions.err;
  std::vector<std::string> codes = lines(regions.out);
  ASSERT_EQ(codes.size(), 300u);
  std::vector<std::string> numbers = generate(codes, 10000);

  std::string input;
  for (const auto& n : numbers) input += n + "\n";
  CommandResult theirs = runCommand({"/usr/bin/python3", script, "check"}, input);
  ASSERT_EQ(theirs.exitCode, 0) << theirs.err;
  std::vector<std::string> stdnumVerdicts = lines(theirs.out);
  ASSERT_EQ(stdnumVerdicts.size(), numbers.size());

  std::vector<std::string> ours;
  for (std::size_t start = 0; start < numbers.size(); start += 2000) {
    std::vector<std::string> argv{binaryPath(), "id", "check"};
    for (std::size_t i = start; i < std::min(numbers.size(), start + 2000); ++i)
      argv.push_back(numbers[i]);
    CommandResult r = runCommand(argv);
    ASSERT_NE(r.exitCode, 2) << r.err;
    for (const auto& line : lines(r.out)) ours.push_back(line);
  }
  ASSERT_EQ(ours.size(), numbers.size());
  int valid = 0, disagreements = 0;
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    bool mine = ours[i].rfind(numbers[i] + " valid", 0) == 0;
    bool theirsValid = stdnumVerdicts[i] == "1";
    valid += mine;
    if (mine != theirsValid && ++disagreements <= 10)
      ADD_FAILURE() << numbers[i] << ": medbridge says '" << ours[i] << "', stdnum says "
                    << stdnumVerdicts[i];
  }
  EXPECT_EQ(disagreements, 0);
  std::cout << "medbridge and stdnum agree on " << numbers.size() - disagreements << " of "
            << numbers.size() << " numbers (" << valid << " valid)\n";
  // The valid half, plus swaps of two equal digits (no corruption at all): MOD 11-2 catches
  // every single-digit change and every transposition of two different neighbouring digits.
  EXPECT_GE(valid, 5000);
  EXPECT_LT(valid, 5300);
}

}  // namespace
}  // namespace medbridge::testing
