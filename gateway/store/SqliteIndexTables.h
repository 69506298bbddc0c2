#pragma once

#include <sqlite3.h>

#include "gateway/identity/IIndexTables.h"
#include "gateway/store/SqliteStatement.h"

namespace medbridge::store {

// The patient index tables on the writer's connection, used inside its transaction.
class SqliteIndexTables : public identity::IIndexTables {
 public:
  explicit SqliteIndexTables(sqlite3* db);
  // What history and review rows record as their cause.
  void setContext(std::int64_t messageId, std::int64_t nowMs) {
    messageId_ = messageId;
    nowMs_ = nowMs;
  }

  std::optional<identity::PatientId> patientFor(const std::string& system,
                                                const std::string& value) override;
  std::optional<identity::PatientId> holderOf(const std::string& system,
                                              const std::string& value) override;
  identity::PatientId survivorOf(identity::PatientId patient) override;
  void markMerged(identity::PatientId prior, identity::PatientId survivor) override;
  void clearMerged(identity::PatientId prior) override;
  std::optional<identity::PatientId> mergedInto(identity::PatientId prior) override;
  int identifierCount(identity::PatientId patient) override;
  void moveIdentifier(const std::string& system, const std::string& value,
                      identity::PatientId to) override;
  identity::PatientId createPatient() override;
  void addIdentifier(identity::PatientId patient, const std::string& system,
                     const std::string& value, const std::string& type,
                     const std::string& resourceId) override;
  std::vector<identity::PatientId> patientsWithName(const std::string& nameKey,
                                                    const std::string& birthDate,
                                                    const std::string& gender) override;
  void addName(identity::PatientId patient, const std::string& nameKey,
               const std::string& birthDate, const std::string& gender) override;
  void addReview(const std::string& kind, identity::PatientId patient, identity::PatientId other,
                 const std::string& detail) override;
  void addPendingReview(const std::string& kind, identity::PatientId patient,
                        const std::string& system, const std::string& value,
                        const std::string& detail) override;
  void completePendingReviews(const std::string& system, const std::string& value,
                              identity::PatientId holder) override;
  void addHistory(const std::string& action, identity::PatientId patient,
                  std::optional<identity::PatientId> other, const std::string& system,
                  const std::string& value, const std::string& detail) override;
  void addEvent(const std::string& kind, identity::PatientId patient, identity::PatientId other,
                const std::string& system, const std::string& value) override;

 private:
  sqlite3* db_;
  std::int64_t messageId_ = 0;
  std::int64_t nowMs_ = 0;
  SqliteStatement findIdentifier_;
  SqliteStatement mergedInto_;
  SqliteStatement insertPatient_;
  SqliteStatement setMergedInto_;
  SqliteStatement insertIdentifier_;
  SqliteStatement findNames_;
  SqliteStatement insertName_;
  SqliteStatement insertReview_;
  SqliteStatement insertHistory_;
  SqliteStatement insertPendingReview_;
  SqliteStatement completeReviews_;
  SqliteStatement dropCompletedDuplicates_;
  SqliteStatement clearMerged_;
  SqliteStatement countIdentifiers_;
  SqliteStatement moveIdentifier_;
  SqliteStatement insertEvent_;
};

}  // namespace medbridge::store
