#pragma once

#include <string>
#include <vector>

namespace medbridge::mappings::identity {

// One identifier of a patient record as the index sees it.
struct IdentifierFact {
  std::string system, value;
  std::string type;  // from the identifier-system table ("" when the system is not in it)
  bool trusted = false;
  bool guardian = false;  // marked as a guardian's (a newborn registered under a mother's ID)
};

// What a source record says about a patient, for the master patient index.
struct PatientFacts {
  std::string resourceId;  // the FHIR Patient id the mapping produced
  std::vector<IdentifierFact> identifiers;
  std::string birthDate;              // YYYY-MM-DD or ""
  std::string gender;                 // FHIR administrative-gender or ""
  std::vector<std::string> nameKeys;  // normalised names (see nameKey)
};

// A merge (ADT A40) or an identifier change (ADT A47): the record's patient is the survivor /
// the new identity; `prior` are the identifiers of MRG-1.
struct IdentityChange {
  std::string kind;  // "merge" or "change-identifier"
  std::vector<IdentifierFact> prior;
};

// A name normalised for duplicate detection: Chinese characters as written without spaces
// ("王秀英"), other scripts lower-case letters only ("wangxiuying" for "Wang Xiu-Ying").
std::string nameKey(const std::string& family, const std::string& given);

}  // namespace medbridge::mappings::identity
