#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace medbridge::identity {

using PatientId = std::int64_t;

// The master patient index as stored, seen from the linking rules. Calls run inside one store
// transaction, so a rule's reads and writes are atomic with respect to other messages.
class IIndexTables {
 public:
  virtual ~IIndexTables() = default;
  // The master patient holding (system, value), following merges to the survivor.
  virtual std::optional<PatientId> patientFor(const std::string& system,
                                              const std::string& value) = 0;
  // The master patient a (system, value) was linked to, without following merges.
  virtual std::optional<PatientId> holderOf(const std::string& system,
                                            const std::string& value) = 0;
  virtual PatientId survivorOf(PatientId patient) = 0;
  virtual void markMerged(PatientId prior, PatientId survivor) = 0;
  // Undoes markMerged: `prior` stands on its own again.
  virtual void clearMerged(PatientId prior) = 0;
  // The patient `prior` was merged into directly (nullopt when it was not merged).
  virtual std::optional<PatientId> mergedInto(PatientId prior) = 0;
  virtual int identifierCount(PatientId patient) = 0;
  // Gives (system, value) to another master patient (unlink).
  virtual void moveIdentifier(const std::string& system, const std::string& value,
                              PatientId to) = 0;
  virtual PatientId createPatient() = 0;
  // resourceId: the FHIR Patient the identifier came with (PIXm answers it as targetId).
  virtual void addIdentifier(PatientId patient, const std::string& system, const std::string& value,
                             const std::string& type, const std::string& resourceId) = 0;
  // Other master patients with the same normalised name, birth date and gender.
  virtual std::vector<PatientId> patientsWithName(const std::string& nameKey,
                                                  const std::string& birthDate,
                                                  const std::string& gender) = 0;
  virtual void addName(PatientId patient, const std::string& nameKey, const std::string& birthDate,
                       const std::string& gender) = 0;
  // A pair for a person to review; recorded once per (kind, patient, other).
  virtual void addReview(const std::string& kind, PatientId patient, PatientId other,
                         const std::string& detail) = 0;
  // A review whose other side is not known yet: whoever comes to hold (system, value).
  virtual void addPendingReview(const std::string& kind, PatientId patient,
                                const std::string& system, const std::string& value,
                                const std::string& detail) = 0;
  // `holder` now has (system, value): pending reviews waiting for it name it as their other side.
  virtual void completePendingReviews(const std::string& system, const std::string& value,
                                      PatientId holder) = 0;
  virtual void addHistory(const std::string& action, PatientId patient,
                          std::optional<PatientId> other, const std::string& system,
                          const std::string& value, const std::string& detail) = 0;
  // A merge, unmerge, identifier change or unlink, for other systems to follow (the platform
  // connector delivers these; the PACS adapter coerces patient ids with them). The store records
  // both patients' identifiers as they are after the change.
  virtual void addEvent(const std::string& kind, PatientId patient, PatientId other,
                        const std::string& system, const std::string& value) = 0;
};

}  // namespace medbridge::identity
