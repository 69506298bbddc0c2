#include "gateway/identity/PatientLinker.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

namespace medbridge::identity {
namespace {

using mappings::identity::IdentifierFact;
using mappings::identity::PatientFacts;

// The index tables in memory.
class FakeTables : public IIndexTables {
 public:
  std::optional<PatientId> holderOf(const std::string& system, const std::string& value) override {
    auto it = identifiers.find({system, value});
    if (it == identifiers.end()) return std::nullopt;
    return it->second;
  }
  std::optional<PatientId> patientFor(const std::string& system,
                                      const std::string& value) override {
    auto holder = holderOf(system, value);
    if (holder) holder = survivorOf(*holder);
    return holder;
  }
  PatientId survivorOf(PatientId p) override {
    while (merged.count(p)) p = merged[p];
    return p;
  }
  void markMerged(PatientId prior, PatientId survivor) override { merged[prior] = survivor; }
  void clearMerged(PatientId prior) override { merged.erase(prior); }
  std::optional<PatientId> mergedInto(PatientId prior) override {
    auto it = merged.find(prior);
    if (it == merged.end()) return std::nullopt;
    return it->second;
  }
  int identifierCount(PatientId p) override {
    int n = 0;
    for (const auto& [key, holder] : identifiers) n += holder == p;
    return n;
  }
  void moveIdentifier(const std::string& system, const std::string& value, PatientId to) override {
    identifiers[{system, value}] = to;
  }
  PatientId createPatient() override { return ++patients; }
  void addIdentifier(PatientId p, const std::string& system, const std::string& value,
                     const std::string&, const std::string&) override {
    identifiers[{system, value}] = p;
  }
  std::vector<PatientId> patientsWithName(const std::string& k, const std::string& b,
                                          const std::string& g) override {
    std::vector<PatientId> out;
    for (const auto& [key, p] : names)
      if (std::get<0>(key) == k && std::get<1>(key) == b && std::get<2>(key) == g) out.push_back(p);
    return out;
  }
  void addName(PatientId p, const std::string& k, const std::string& b,
               const std::string& g) override {
    names.insert({{k, b, g}, p});
  }
  void addReview(const std::string& kind, PatientId p, PatientId o, const std::string&) override {
    reviews.insert({kind, p, o});
  }
  void addPendingReview(const std::string& kind, PatientId p, const std::string& system,
                        const std::string& value, const std::string&) override {
    pending.insert({kind, p, system + "|" + value});
  }
  void completePendingReviews(const std::string& system, const std::string& value,
                              PatientId holder) override {
    for (auto it = pending.begin(); it != pending.end();) {
      if (std::get<2>(*it) == system + "|" + value && std::get<1>(*it) != holder) {
        reviews.insert({std::get<0>(*it), std::get<1>(*it), holder});
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
  }
  void addHistory(const std::string& action, PatientId, std::optional<PatientId>,
                  const std::string&, const std::string&, const std::string&) override {
    history.push_back(action);
  }
  void addEvent(const std::string& kind, PatientId, PatientId, const std::string&,
                const std::string&) override {
    events.push_back(kind);
  }

  PatientId patients = 0;
  std::map<PatientId, PatientId> merged;
  std::map<std::pair<std::string, std::string>, PatientId> identifiers;
  std::multimap<std::tuple<std::string, std::string, std::string>, PatientId> names;
  std::set<std::tuple<std::string, PatientId, PatientId>> reviews;
  std::set<std::tuple<std::string, PatientId, std::string>> pending;
  std::vector<std::string> history;
  std::vector<std::string> events;
};

const std::string kToday = "2026-11-23";
const std::string kNid = "urn:oid:2.16.156.10011.1.3";
const std::string kMother = "11010519491231002X";  // born 1949-12-31, female

IdentifierFact mrn(const std::string& hospital, const std::string& value) {
  return {"urn:oid:" + hospital, value, "mrn", true};
}
IdentifierFact nid(const std::string& value) {
  return {kNid, value, "national-id", true};
}

PatientFacts record(std::vector<IdentifierFact> ids, std::string birth = "1949-12-31",
                    std::string gender = "female", std::vector<std::string> names = {"王秀英"}) {
  return {"p", std::move(ids), std::move(birth), std::move(gender), std::move(names)};
}

TEST(PatientLinker, TwoHospitalsWithTheSameNationalIdAreOnePatient) {
  FakeTables t;
  auto a = PatientLinker::link(record({mrn("1.1", "A1"), nid(kMother)}), t, kToday);
  auto b = PatientLinker::link(record({mrn("2.2", "B7"), nid("11010519491231002x")}), t, kToday);
  EXPECT_TRUE(a.created);
  EXPECT_FALSE(b.created);
  EXPECT_EQ(a.patient, b.patient);
  EXPECT_EQ(b.identifiersAdded, 1);
  EXPECT_EQ(t.patients, 1);
  EXPECT_EQ(*t.patientFor(kNid, kMother), a.patient) << "the national ID is stored normalised";
  EXPECT_TRUE(t.reviews.empty());
}

TEST(PatientLinker, ANewbornUnderTheMothersIdIsANewPatientAndAReviewCandidate) {
  FakeTables t;
  auto mother = PatientLinker::link(record({mrn("1.1", "M1"), nid(kMother)}), t, kToday);
  auto baby = PatientLinker::link(
      record({mrn("1.1", "M2"), nid(kMother)}, "2026-11-20", "male", {"王宝宝"}), t, kToday);
  EXPECT_NE(baby.patient, mother.patient);
  EXPECT_EQ(t.patients, 2);
  EXPECT_EQ(t.reviews, (std::set<std::tuple<std::string, PatientId, PatientId>>{
                           {"national-id-conflict", baby.patient, mother.patient}}));
  EXPECT_EQ(*t.patientFor(kNid, kMother), mother.patient);
}

TEST(PatientLinker, TheNewbornsRecordFirstWaitsForTheMother) {
  // Two workers may map the newborn's message before the mother's: same outcome.
  FakeTables t;
  auto baby = PatientLinker::link(
      record({mrn("1.1", "M2"), nid(kMother)}, "2026-11-20", "male", {"王宝宝"}), t, kToday);
  EXPECT_TRUE(t.reviews.empty());
  EXPECT_EQ(t.pending.size(), 1u);
  auto mother = PatientLinker::link(record({mrn("1.1", "M1"), nid(kMother)}), t, kToday);
  EXPECT_NE(baby.patient, mother.patient);
  EXPECT_EQ(t.reviews, (std::set<std::tuple<std::string, PatientId, PatientId>>{
                           {"national-id-conflict", baby.patient, mother.patient}}));
  EXPECT_TRUE(t.pending.empty());
  EXPECT_EQ(*t.patientFor(kNid, kMother), mother.patient);
}

TEST(PatientLinker, UntrustedAndInvalidIdentifiersNeverLink) {
  FakeTables t;
  IdentifierFact unknown{"urn:medbridge:aa:X", "123", "", false};
  EXPECT_EQ(PatientLinker::link(record({unknown}), t, kToday).patient, 0);
  auto a = PatientLinker::link(record({mrn("1.1", "A1"), unknown, nid("110105194912310021")}), t,
                               kToday);
  auto b = PatientLinker::link(record({mrn("2.2", "B1"), unknown, nid("110105194912310021")}), t,
                               kToday);
  EXPECT_NE(a.patient, b.patient) << "a shared untrusted id or an invalid national ID links nobody";
  EXPECT_FALSE(t.patientFor("urn:medbridge:aa:X", "123"));
}

TEST(PatientLinker, IdentifiersOfTwoPatientsAreNotMergedAutomatically) {
  FakeTables t;
  auto a =
      PatientLinker::link(record({mrn("1.1", "A1")}, "1980-01-01", "male", {"李雷"}), t, kToday);
  auto b = PatientLinker::link(record({mrn("2.2", "B1")}, "1990-01-01", "female", {"韩梅梅"}), t,
                               kToday);
  auto c = PatientLinker::link(record({mrn("1.1", "A1"), mrn("2.2", "B1")}, "", "", {}), t, kToday);
  EXPECT_EQ(c.patient, a.patient);
  EXPECT_EQ(t.patients, 2);
  EXPECT_EQ(t.reviews.count({"identifier-conflict", a.patient, b.patient}), 1u);
}

TEST(PatientLinker, SameNameBirthDateAndGenderIsAPossibleDuplicate) {
  FakeTables t;
  auto a = PatientLinker::link(record({mrn("1.1", "A1")}, "1980-01-01", "male", {"zhangsan"}), t,
                               kToday);
  auto b = PatientLinker::link(record({mrn("2.2", "B1")}, "1980-01-01", "male", {"zhangsan"}), t,
                               kToday);
  EXPECT_NE(a.patient, b.patient);
  EXPECT_EQ(t.reviews.count({"possible-duplicate", b.patient, a.patient}), 1u);
}

using mappings::identity::IdentityChange;

TEST(PatientLinker, MergeGuards) {
  FakeTables t;
  auto a = PatientLinker::link(record({mrn("1.1", "X1")}, "1980-01-01", "male", {"a"}), t, kToday)
               .patient;
  auto b = PatientLinker::link(record({mrn("1.1", "X2")}, "1981-01-01", "male", {"b"}), t, kToday)
               .patient;
  PatientFacts survivor = record({mrn("1.1", "X1")});
  IdentityChange merge{"merge", {mrn("1.1", "X2")}};
  EXPECT_EQ(PatientLinker::applyChange(survivor, merge, t), "");
  EXPECT_EQ(t.survivorOf(b), a);
  EXPECT_EQ(*t.patientFor("urn:oid:1.1", "X2"), a) << "found from either identifier";
  EXPECT_EQ(PatientLinker::applyChange(survivor, merge, t), "")
      << "a repeated merge changes nothing";
  EXPECT_EQ(t.history.back(), "merge-repeated");
  EXPECT_EQ(
      PatientLinker::applyChange(record({mrn("1.1", "X2")}), {"merge", {mrn("1.1", "X1")}}, t),
      "the prior and the surviving identifiers are the same patient (an inverse or self merge)");
  EXPECT_EQ(PatientLinker::applyChange(survivor, {"merge", {mrn("1.1", "X1")}}, t),
            "identifier urn:oid:1.1|X1 cannot be merged into itself");
  EXPECT_EQ(PatientLinker::applyChange(survivor, {"merge", {mrn("1.1", "X9")}}, t),
            "no patient holds prior identifier urn:oid:1.1|X9");
  EXPECT_EQ(
      PatientLinker::applyChange(survivor, {"merge", {{"urn:medbridge:aa:Z", "X2", "", false}}}, t),
      "prior identifier urn:medbridge:aa:Z|X2 is not from a trusted authority");
}

TEST(PatientLinker, UnmergeAndUnlinkWithTheirGuards) {
  FakeTables t;
  auto a = PatientLinker::link(record({mrn("1.1", "X1")}, "1980-01-01", "male", {"a"}), t, kToday)
               .patient;
  auto b = PatientLinker::link(
               record({mrn("1.1", "X2"), mrn("2.2", "I2")}, "1981-01-01", "male", {"b"}), t, kToday)
               .patient;
  EXPECT_EQ(PatientLinker::unmerge(mrn("1.1", "X2"), t),
            "the patient holding urn:oid:1.1|X2 is not merged");
  ASSERT_EQ(
      PatientLinker::applyChange(record({mrn("1.1", "X1")}), {"merge", {mrn("1.1", "X2")}}, t), "");
  EXPECT_EQ(PatientLinker::unmerge(mrn("1.1", "X2"), t), "");
  EXPECT_EQ(t.survivorOf(b), b) << "stands on its own again";
  EXPECT_EQ(*t.patientFor("urn:oid:1.1", "X1"), a);
  EXPECT_EQ(PatientLinker::unmerge(mrn("1.1", "X9"), t),
            "no patient holds identifier urn:oid:1.1|X9");

  EXPECT_EQ(PatientLinker::unlink(mrn("2.2", "I2"), t), "");
  auto own = *t.patientFor("urn:oid:2.2", "I2");
  EXPECT_NE(own, b);
  EXPECT_EQ(*t.patientFor("urn:oid:1.1", "X2"), b);
  EXPECT_EQ(PatientLinker::unlink(mrn("2.2", "I2"), t),
            "identifier urn:oid:2.2|I2 is the patient's only identifier: there is nothing to "
            "unlink it from");
  EXPECT_EQ(t.events, (std::vector<std::string>{"merge", "unmerge", "unlink"}));
}

TEST(PatientLinker, AGuardiansIdNeverLinks) {
  FakeTables t;
  auto mother = PatientLinker::link(record({mrn("1.1", "M1"), nid(kMother)}), t, kToday).patient;
  IdentifierFact guardian = nid(kMother);
  guardian.guardian = true;
  auto baby = PatientLinker::link(
      record({mrn("1.1", "M3"), guardian}, "2026-11-20", "female", {"王贝贝"}), t, kToday);
  EXPECT_NE(baby.patient, mother);
  EXPECT_TRUE(t.reviews.empty()) << "marked as the guardian's: expected, nothing to review";
  EXPECT_TRUE(t.pending.empty());
}

TEST(PatientLinker, IdentifierChangeMovesTheNewIdentifierToThePriorPatient) {
  FakeTables t;
  auto p = PatientLinker::link(record({mrn("1.1", "Y1")}), t, kToday).patient;
  PatientLinker::link(record({mrn("1.1", "Z1")}, "1970-01-01", "male", {"z"}), t, kToday);
  EXPECT_EQ(PatientLinker::applyChange(record({mrn("1.1", "Y2")}),
                                       {"change-identifier", {mrn("1.1", "Y1")}}, t),
            "");
  EXPECT_EQ(*t.patientFor("urn:oid:1.1", "Y2"), p);
  EXPECT_EQ(PatientLinker::link(record({mrn("1.1", "Y2")}), t, kToday).patient, p);
  EXPECT_EQ(PatientLinker::applyChange(record({mrn("1.1", "Z1")}),
                                       {"change-identifier", {mrn("1.1", "Y1")}}, t),
            "new identifier urn:oid:1.1|Z1 already belongs to another patient");
}

TEST(PatientLinker, PossibleDuplicatesAreBoundedPerRecord) {
  FakeTables t;
  for (int i = 0; i < 20; ++i)
    PatientLinker::link(
        record({mrn("1.1", "P" + std::to_string(i))}, "1980-01-01", "male", {"zhangwei"}), t,
        kToday);
  EXPECT_EQ(t.patients, 20);
  // Each record is compared with at most five earlier namesakes.
  EXPECT_EQ(t.reviews.size(), 0u + 1 + 2 + 3 + 4 + 5 * 15);
}

}  // namespace
}  // namespace medbridge::identity
