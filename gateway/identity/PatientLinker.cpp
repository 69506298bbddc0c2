#include "gateway/identity/PatientLinker.h"

#include <algorithm>

#include "mappings/identity/NationalId.h"

namespace medbridge::identity {
namespace {

using mappings::identity::IdentifierFact;

constexpr int kMaxDuplicateCandidates = 5;

struct Usable {
  const IdentifierFact* fact;
  std::string value;  // normalised (national IDs: 18 characters, X upper case)
};

}  // namespace

PatientLinker::Result PatientLinker::link(const mappings::identity::PatientFacts& facts,
                                          IIndexTables& tables, const std::string& today) {
  Result result;
  std::vector<Usable> usable;
  std::vector<std::pair<const IdentifierFact*, std::string>> conflictingNationalIds;  // (fact, why)
  for (const auto& f : facts.identifiers) {
    if (!f.trusted) continue;  // unknown or untrusted authorities never link
    if (f.type != "national-id") {
      usable.push_back({&f, f.value});
      continue;
    }
    auto id = mappings::identity::checkNationalId(f.value, today);
    if (!id.valid) continue;  // a number that fails GB 11643 identifies nobody
    auto conflicts = mappings::identity::conflictsWithRecord(id, facts.birthDate, facts.gender);
    if (conflicts.empty()) {
      usable.push_back({&f, id.normalized});
    } else {
      std::string why;
      for (const auto& c : conflicts) why += (why.empty() ? "" : "; ") + c;
      conflictingNationalIds.push_back({&f, why});
    }
  }
  if (usable.empty() && conflictingNationalIds.empty()) return result;

  // Which master patients do the record's identifiers already belong to?
  std::optional<PatientId> chosen;
  std::vector<PatientId> others;
  for (const auto& u : usable) {
    auto p = tables.patientFor(u.fact->system, u.value);
    if (!p) continue;
    if (!chosen)
      chosen = p;
    else if (*p != *chosen && std::find(others.begin(), others.end(), *p) == others.end())
      others.push_back(*p);
  }
  if (!chosen) {
    chosen = tables.createPatient();
    result.created = true;
    tables.addHistory("create", *chosen, std::nullopt, "", "", "Patient/" + facts.resourceId);
  }
  result.patient = *chosen;
  for (PatientId other : others) {
    tables.addReview("identifier-conflict", *chosen, other,
                     "the record's identifiers belong to two master patients; not merged");
    ++result.reviews;
  }
  for (const auto& u : usable) {
    if (tables.patientFor(u.fact->system, u.value)) continue;  // already held (by this or another)
    tables.addIdentifier(*chosen, u.fact->system, u.value, u.fact->type);
    tables.addHistory("link", *chosen, std::nullopt, u.fact->system, u.value,
                      "Patient/" + facts.resourceId);
    ++result.identifiersAdded;
  }
  for (const auto& [fact, why] : conflictingNationalIds) {
    auto holder = tables.patientFor(
        fact->system, mappings::identity::checkNationalId(fact->value, today).normalized);
    tables.addReview("national-id-conflict", *chosen, holder.value_or(*chosen), why);
    ++result.reviews;
  }
  if (!facts.birthDate.empty() && !facts.gender.empty()) {
    for (const auto& key : facts.nameKeys) {
      int candidates = 0;
      for (PatientId other : tables.patientsWithName(key, facts.birthDate, facts.gender)) {
        // A common name on a common birth date can match many people: a few candidates are
        // worth a look, hundreds are noise.
        if (other == *chosen || ++candidates > kMaxDuplicateCandidates) continue;
        tables.addReview("possible-duplicate", *chosen, other, "same name, birth date and gender");
        ++result.reviews;
      }
      tables.addName(*chosen, key, facts.birthDate, facts.gender);
    }
  }
  return result;
}

}  // namespace medbridge::identity
