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
    // Unknown or untrusted authorities never link, nor does an ID marked as a guardian's.
    if (!f.trusted || f.guardian) continue;
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
    auto holder = tables.holderOf(u.fact->system, u.value);
    if (holder && *holder != *chosen && tables.survivorOf(*holder) == *chosen) {
      // An identifier of a merged patient: the record goes to the survivor, and it is flagged.
      tables.addHistory("redirected", *chosen, *holder, u.fact->system, u.value,
                        "Patient/" + facts.resourceId);
      tables.addReview("merged-identifier-used", *chosen, *holder,
                       "a record used an identifier of a merged patient");
      ++result.reviews;
    }
    if (holder) continue;  // already held (by this or another patient)
    tables.addIdentifier(*chosen, u.fact->system, u.value, u.fact->type, facts.resourceId);
    tables.completePendingReviews(u.fact->system, u.value, *chosen);
    tables.addHistory("link", *chosen, std::nullopt, u.fact->system, u.value,
                      "Patient/" + facts.resourceId);
    ++result.identifiersAdded;
  }
  for (const auto& [fact, why] : conflictingNationalIds) {
    std::string value = mappings::identity::checkNationalId(fact->value, today).normalized;
    auto holder = tables.patientFor(fact->system, value);
    // The person the number belongs to may not have arrived yet: the review then waits for them.
    if (holder && *holder != *chosen)
      tables.addReview("national-id-conflict", *chosen, *holder, why);
    else if (!holder)
      tables.addPendingReview("national-id-conflict", *chosen, fact->system, value, why);
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

std::string PatientLinker::applyChange(const mappings::identity::PatientFacts& record,
                                       const mappings::identity::IdentityChange& change,
                                       IIndexTables& tables) {
  if (change.prior.empty()) return "MRG-1 names no prior identifier";
  for (const auto& p : change.prior)
    if (!p.trusted)
      return "prior identifier " + p.system + "|" + p.value + " is not from a trusted authority";
  std::vector<const IdentifierFact*> current;
  for (const auto& f : record.identifiers)
    if (f.trusted && !f.guardian && f.type != "national-id") current.push_back(&f);
  if (current.empty()) return "the record has no trusted identifier";
  for (const auto& p : change.prior)
    for (const auto* c : current)
      if (p.system == c->system && p.value == c->value)
        return "identifier " + p.system + "|" + p.value + " cannot be merged into itself";
  std::optional<PatientId> priorHolder;
  for (const auto& p : change.prior)
    if ((priorHolder = tables.holderOf(p.system, p.value))) break;
  if (!priorHolder)
    return "no patient holds prior identifier " + change.prior[0].system + "|" +
           change.prior[0].value;
  PatientId prior = tables.survivorOf(*priorHolder);

  if (change.kind == "change-identifier") {
    for (const auto* c : current) {
      auto holder = tables.patientFor(c->system, c->value);
      if (holder && *holder != prior)
        return "new identifier " + c->system + "|" + c->value +
               " already belongs to another patient";
      if (holder) continue;
      tables.addIdentifier(prior, c->system, c->value, c->type, record.resourceId);
      tables.completePendingReviews(c->system, c->value, prior);
      tables.addHistory("change-identifier", prior, std::nullopt, c->system, c->value,
                        "replaces " + change.prior[0].system + "|" + change.prior[0].value);
      tables.addEvent("change-identifier", prior, 0, c->system, c->value);
    }
    return "";
  }
  std::optional<PatientId> survivor;
  for (const auto* c : current)
    if ((survivor = tables.patientFor(c->system, c->value))) break;
  if (!survivor) return "the surviving patient is not in the index";
  if (*survivor == prior) {
    if (*priorHolder != prior) {  // merged before: applying it again changes nothing
      tables.addHistory("merge-repeated", *survivor, *priorHolder, change.prior[0].system,
                        change.prior[0].value, "");
      return "";
    }
    return "the prior and the surviving identifiers are the same patient (an inverse or self "
           "merge)";
  }
  tables.markMerged(prior, *survivor);
  tables.addHistory("merge", *survivor, prior, change.prior[0].system, change.prior[0].value, "");
  tables.addEvent("merge", *survivor, prior, change.prior[0].system, change.prior[0].value);
  return "";
}

std::string PatientLinker::unmerge(const IdentifierFact& prior, IIndexTables& tables) {
  if (!prior.trusted)
    return "identifier " + prior.system + "|" + prior.value + " is not from a trusted authority";
  auto holder = tables.holderOf(prior.system, prior.value);
  if (!holder) return "no patient holds identifier " + prior.system + "|" + prior.value;
  auto survivor = tables.mergedInto(*holder);
  if (!survivor)
    return "the patient holding " + prior.system + "|" + prior.value + " is not merged";
  tables.clearMerged(*holder);
  tables.addHistory("unmerge", *survivor, *holder, prior.system, prior.value, "");
  tables.addEvent("unmerge", *survivor, *holder, prior.system, prior.value);
  return "";
}

std::string PatientLinker::unlink(const IdentifierFact& identifier, IIndexTables& tables) {
  if (!identifier.trusted)
    return "identifier " + identifier.system + "|" + identifier.value +
           " is not from a trusted authority";
  auto holder = tables.holderOf(identifier.system, identifier.value);
  if (!holder) return "no patient holds identifier " + identifier.system + "|" + identifier.value;
  if (tables.identifierCount(*holder) < 2)
    return "identifier " + identifier.system + "|" + identifier.value +
           " is the patient's only identifier: there is nothing to unlink it from";
  PatientId own = tables.createPatient();
  tables.moveIdentifier(identifier.system, identifier.value, own);
  tables.addHistory("unlink", *holder, own, identifier.system, identifier.value, "");
  tables.addEvent("unlink", *holder, own, identifier.system, identifier.value);
  return "";
}

}  // namespace medbridge::identity
