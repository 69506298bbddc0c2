#include "gateway/store/SqliteIndexTables.h"

#include <algorithm>

namespace medbridge::store {

SqliteIndexTables::SqliteIndexTables(sqlite3* db)
    : db_(db),
      findIdentifier_(db, "SELECT patient_id FROM mpi_identifiers WHERE system = ? AND value = ?"),
      mergedInto_(db, "SELECT merged_into FROM mpi_patients WHERE id = ?"),
      insertPatient_(db, "INSERT INTO mpi_patients (created_at) VALUES (?)"),
      setMergedInto_(db, "UPDATE mpi_patients SET merged_into = ? WHERE id = ?"),
      insertIdentifier_(db,
                        "INSERT INTO mpi_identifiers (system, value, patient_id, type, "
                        "resource_id) VALUES (?,?,?,?,?)"),
      findNames_(db,
                 "SELECT patient_id FROM mpi_names WHERE name_key = ? AND birth_date = ? AND "
                 "gender = ? LIMIT 16"),
      insertName_(db,
                  "INSERT OR IGNORE INTO mpi_names (name_key, birth_date, gender, patient_id) "
                  "VALUES (?,?,?,?)"),
      insertReview_(db,
                    "INSERT OR IGNORE INTO mpi_reviews (created_at, kind, patient_id, "
                    "other_patient_id, detail,"
                    " message_id) VALUES (?,?,?,?,?,?)"),
      insertHistory_(db,
                     "INSERT INTO mpi_history (at, action, patient_id, other_patient_id, system, "
                     "value, message_id,"
                     " detail) VALUES (?,?,?,?,?,?,?,?)"),
      insertPendingReview_(db,
                           "INSERT OR IGNORE INTO mpi_reviews (created_at, kind, patient_id, "
                           "other_patient_id, detail, message_id, system, value)"
                           " VALUES (?,?,?,0,?,?,?,?)"),
      completeReviews_(db,
                       "UPDATE OR IGNORE mpi_reviews SET other_patient_id = ?1 WHERE "
                       "other_patient_id = 0 AND system = ?2 AND value = ?3 AND patient_id != ?1"),
      dropCompletedDuplicates_(db,
                               "DELETE FROM mpi_reviews WHERE other_patient_id = 0 AND system = ?2 "
                               "AND value = ?3 AND patient_id != ?1"),
      clearMerged_(db, "UPDATE mpi_patients SET merged_into = NULL WHERE id = ?"),
      countIdentifiers_(db, "SELECT COUNT(*) FROM mpi_identifiers WHERE patient_id = ?"),
      moveIdentifier_(db,
                      "UPDATE mpi_identifiers SET patient_id = ? WHERE system = ? AND value = ?"),
      insertEvent_(db,
                   "INSERT INTO mpi_events (at, kind, patient_id, other_patient_id, system, value,"
                   " message_id, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, json_object("
                   "'kind', ?2,"
                   " 'patient', json((SELECT json_group_array(json_object('system', system, "
                   "'value', value)) FROM mpi_identifiers WHERE patient_id = ?3)),"
                   " 'other', json((SELECT json_group_array(json_object('system', system, "
                   "'value', value)) FROM mpi_identifiers WHERE patient_id = ?4)),"
                   " 'identifier', CASE WHEN ?5 = '' THEN NULL ELSE json_object('system', ?5, "
                   "'value', ?6) END))") {}

identity::PatientId SqliteIndexTables::survivorOf(identity::PatientId patient) {
  // Merge chains are short; the bound guards against a cycle written by hand.
  for (int hops = 0; hops < 64; ++hops) {
    mergedInto_.bind(1, patient);
    std::int64_t next = 0;
    if (mergedInto_.step()) next = mergedInto_.integer(0);
    mergedInto_.reset();
    if (next == 0) return patient;
    patient = next;
  }
  return patient;
}

std::optional<identity::PatientId> SqliteIndexTables::holderOf(const std::string& system,
                                                               const std::string& value) {
  findIdentifier_.bind(1, system).bind(2, value);
  std::optional<identity::PatientId> found;
  if (findIdentifier_.step()) found = findIdentifier_.integer(0);
  findIdentifier_.reset();
  return found;
}

std::optional<identity::PatientId> SqliteIndexTables::patientFor(const std::string& system,
                                                                 const std::string& value) {
  auto found = holderOf(system, value);
  if (found) found = survivorOf(*found);
  return found;
}

void SqliteIndexTables::markMerged(identity::PatientId prior, identity::PatientId survivor) {
  setMergedInto_.bind(1, survivor).bind(2, prior).run();
}

void SqliteIndexTables::clearMerged(identity::PatientId prior) {
  clearMerged_.bind(1, prior).run();
}

std::optional<identity::PatientId> SqliteIndexTables::mergedInto(identity::PatientId prior) {
  mergedInto_.bind(1, prior);
  std::optional<identity::PatientId> out;
  if (mergedInto_.step() && !mergedInto_.isNull(0)) out = mergedInto_.integer(0);
  mergedInto_.reset();
  return out;
}

int SqliteIndexTables::identifierCount(identity::PatientId patient) {
  countIdentifiers_.bind(1, patient);
  int n = countIdentifiers_.step() ? static_cast<int>(countIdentifiers_.integer(0)) : 0;
  countIdentifiers_.reset();
  return n;
}

void SqliteIndexTables::moveIdentifier(const std::string& system, const std::string& value,
                                       identity::PatientId to) {
  moveIdentifier_.bind(1, to).bind(2, system).bind(3, value).run();
}

identity::PatientId SqliteIndexTables::createPatient() {
  insertPatient_.bind(1, nowMs_).run();
  return sqlite3_last_insert_rowid(db_);
}

void SqliteIndexTables::addIdentifier(identity::PatientId patient, const std::string& system,
                                      const std::string& value, const std::string& type,
                                      const std::string& resourceId) {
  insertIdentifier_.bind(1, system)
      .bind(2, value)
      .bind(3, patient)
      .bind(4, type)
      .bind(5, resourceId);
  insertIdentifier_.run();
}

std::vector<identity::PatientId> SqliteIndexTables::patientsWithName(const std::string& nameKey,
                                                                     const std::string& birthDate,
                                                                     const std::string& gender) {
  std::vector<identity::PatientId> out;
  findNames_.bind(1, nameKey).bind(2, birthDate).bind(3, gender);
  while (findNames_.step()) out.push_back(findNames_.integer(0));
  findNames_.reset();
  for (auto& p : out) p = survivorOf(p);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void SqliteIndexTables::addName(identity::PatientId patient, const std::string& nameKey,
                                const std::string& birthDate, const std::string& gender) {
  insertName_.bind(1, nameKey).bind(2, birthDate).bind(3, gender).bind(4, patient).run();
}

void SqliteIndexTables::addReview(const std::string& kind, identity::PatientId patient,
                                  identity::PatientId other, const std::string& detail) {
  insertReview_.bind(1, nowMs_)
      .bind(2, kind)
      .bind(3, patient)
      .bind(4, other)
      .bind(5, detail)
      .bind(6, messageId_);
  insertReview_.run();
}

void SqliteIndexTables::addPendingReview(const std::string& kind, identity::PatientId patient,
                                         const std::string& system, const std::string& value,
                                         const std::string& detail) {
  insertPendingReview_.bind(1, nowMs_).bind(2, kind).bind(3, patient).bind(4, detail);
  insertPendingReview_.bind(5, messageId_).bind(6, system).bind(7, value).run();
}

void SqliteIndexTables::completePendingReviews(const std::string& system, const std::string& value,
                                               identity::PatientId holder) {
  completeReviews_.bind(1, holder).bind(2, system).bind(3, value).run();
  // What is still pending duplicates a review already recorded.
  dropCompletedDuplicates_.bind(1, holder).bind(2, system).bind(3, value).run();
}

void SqliteIndexTables::addHistory(const std::string& action, identity::PatientId patient,
                                   std::optional<identity::PatientId> other,
                                   const std::string& system, const std::string& value,
                                   const std::string& detail) {
  insertHistory_.bind(1, nowMs_).bind(2, action).bind(3, patient);
  if (other) insertHistory_.bind(4, *other);
  insertHistory_.bind(5, system).bind(6, value).bind(7, messageId_).bind(8, detail).run();
}

void SqliteIndexTables::addEvent(const std::string& kind, identity::PatientId patient,
                                 identity::PatientId other, const std::string& system,
                                 const std::string& value) {
  insertEvent_.bind(1, nowMs_).bind(2, kind).bind(3, patient).bind(4, other).bind(5, system);
  insertEvent_.bind(6, value);
  if (messageId_ != 0) insertEvent_.bind(7, messageId_);
  insertEvent_.run();
}

}  // namespace medbridge::store
