#pragma once

#include <string>

#include "gateway/identity/IIndexTables.h"
#include "mappings/identity/PatientFacts.h"

namespace medbridge::identity {

// The deterministic linking rules of the master patient index:
// - trusted identifiers (MRN, PACS id, platform id, insurance number) link to the patient that
//   already holds them; untrusted or unknown systems never link and are not indexed;
// - the national ID links only when it is valid (GB 11643) and the record's birth date and sex
//   agree with those encoded in it (or the record has neither); otherwise it is a review
//   candidate, never a link (newborns registered under a guardian's ID, mistyped numbers);
// - records whose identifiers point at different master patients are not merged: a review
//   candidate is recorded and the record stays with the patient of its own first identifier;
// - the same normalised name + birth date + gender under another master patient is a possible
//   duplicate for review, never merged automatically.
class PatientLinker {
 public:
  struct Result {
    PatientId patient = 0;
    bool created = false;
    int identifiersAdded = 0;
    int reviews = 0;
  };
  // Nothing is indexed (result.patient = 0) when the record has no usable identifier.
  // today: YYYY-MM-DD, for the national ID's birth-date check.
  static Result link(const mappings::identity::PatientFacts& facts, IIndexTables& tables,
                     const std::string& today);

  // Applies an ADT A40 merge (after the record is linked) or an A47 identifier change (before it
  // is linked). Guards: merges and changes only with trusted identifiers; no merge of a patient
  // into itself; a repeated merge changes nothing; an inverse merge is rejected; the prior patient
  // must be known; a new identifier that belongs to another patient is rejected.
  // Returns "" when applied (or already applied), else why it was rejected.
  static std::string applyChange(const mappings::identity::PatientFacts& record,
                                 const mappings::identity::IdentityChange& change,
                                 IIndexTables& tables);

  // Undoes the merge of the patient holding `prior`: it stands on its own again with its own
  // identifiers. Rejected unless that patient is merged.
  static std::string unmerge(const mappings::identity::IdentifierFact& prior, IIndexTables& tables);
  // Takes `identifier` off its master patient onto a new one of its own (a wrong link undone).
  // Rejected when it is the patient's only identifier.
  static std::string unlink(const mappings::identity::IdentifierFact& identifier,
                            IIndexTables& tables);
};

}  // namespace medbridge::identity
