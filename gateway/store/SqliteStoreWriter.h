#pragma once

// The writer connection of SqliteStore and its prepared statements (shared by the store's
// source files; only the writer thread uses it).
#include <Poco/Data/SQLite/Utility.h>

#include <set>
#include <string>

#include "gateway/store/SqliteIndexTables.h"
#include "gateway/store/SqliteSearchIndex.h"
#include "gateway/store/SqliteStatement.h"
#include "gateway/store/SqliteStore.h"

namespace medbridge::store {

struct SqliteStore::Writer {
  explicit Writer(Session& s) : session(s), db(Poco::Data::SQLite::Utility::dbHandle(s)) {}
  Session& session;
  sqlite3* db;
  SqliteStatement begin{db, "BEGIN IMMEDIATE"};
  SqliteStatement commit{db, "COMMIT"};
  SqliteStatement savepoint{db, "SAVEPOINT job"};
  SqliteStatement release{db, "RELEASE job"};
  SqliteStatement rollbackTo{db, "ROLLBACK TO job"};
  SqliteStatement outcomeSavepoint{db, "SAVEPOINT outcome"};
  SqliteStatement outcomeRelease{db, "RELEASE outcome"};
  SqliteStatement outcomeRollback{db, "ROLLBACK TO outcome"};
  SqliteStatement duplicates{db,
                             "SELECT id, content_hash, COALESCE(ack, X'') FROM messages WHERE "
                             "sender = ? AND control_id = ? ORDER BY id"};
  SqliteStatement insertMessage{
      db,
      "INSERT INTO messages (received_at, channel, sender, control_id, message_type, version, "
      "charset,"
      " content_hash, raw, ack, status, key_reused, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"};
  SqliteStatement insertQueue{
      db, "INSERT INTO queue (message_id, state, available_at) VALUES (?, 'ready', 0)"};
  // Ready items that are due, and leased items whose lease ran out (their worker died).
  SqliteStatement claim{
      db,
      "UPDATE queue SET state = 'leased', lease_owner = ?1, lease_until = ?2, attempts = attempts "
      "+ 1"
      " WHERE id IN (SELECT id FROM queue WHERE (state = 'ready' AND available_at <= ?3)"
      " OR (state = 'leased' AND lease_until <= ?3) ORDER BY id LIMIT ?4)"
      " RETURNING id, message_id, attempts"};
  SqliteStatement head{
      db,
      "SELECT version, content_hash, deleted, latest, rk FROM resource_heads WHERE "
      "type = ? AND id = ?"};
  SqliteStatement insertVersion{
      db,
      "INSERT INTO resource_versions (type, id, version, last_updated, deleted, json, previous)"
      " VALUES (?,?,?,?,?,?,?)"};
  SqliteStatement upsertHead{db,
                             "INSERT INTO resource_heads (type, id, version, content_hash, "
                             "deleted, latest, rk) VALUES (?,?,?,?,?,?,?)"
                             " ON CONFLICT(type, id) DO UPDATE SET version = excluded.version, "
                             "content_hash = excluded.content_hash,"
                             " deleted = excluded.deleted, latest = excluded.latest"};
  SqliteStatement currentVersion{
      db,
      "SELECT v.version, v.last_updated, v.deleted, v.json FROM resource_heads h JOIN "
      "resource_versions v ON v.seq = h.latest WHERE h.type = ? AND h.id = ?"};
  SqliteSearchIndex searchIndex{db};
  // The next resource key (resource_heads.rk); 0 until read from the store.
  std::int64_t nextKey = 0;
  SqliteStatement updateMessage{db,
                                "UPDATE messages SET status = ?, bundle = ?, issues = ?, "
                                "unmapped_segments = ?, identity_instruction = ?,"
                                " error = ?, process_count = process_count + 1 WHERE id = ?"};
  SqliteStatement queueDone{
      db, "UPDATE queue SET state = 'done', lease_owner = '', lease_until = 0 WHERE id = ?"};
  SqliteIndexTables index{db};
  SqliteStatement dicomInstanceFile{db,
                                    "SELECT file FROM dicom_instances WHERE sop_instance_uid = ?"};
  SqliteStatement putDicomInstance{
      db,
      "INSERT OR REPLACE INTO dicom_instances (sop_instance_uid, sop_class_uid,"
      " study_instance_uid, series_instance_uid, transfer_syntax_uid, patient_id,"
      " issuer_of_patient_id, patient_name, modality, study_date, accession_number, calling_ae,"
      " file, size, received_at, master_patient_id, header)"
      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"};
  SqliteStatement touchDicomStudy{
      db,
      "INSERT INTO dicom_studies (study_instance_uid, last_instance_at) VALUES (?, ?)"
      " ON CONFLICT (study_instance_uid) DO UPDATE SET"
      " last_instance_at = MAX(last_instance_at, excluded.last_instance_at)"};
  // Regional deliveries (routeChanges): where each new version goes; nothing while a
  // transaction writes replicas of the platform's resources.
  DeliveryRouter router;
  bool replicating = false;
  SqliteStatement nextDeliverySeq{
      db,
      "INSERT INTO destination_sequences (destination, patient, last_seq) VALUES (?, ?, 1)"
      " ON CONFLICT (destination, patient) DO UPDATE SET last_seq = last_seq + 1"
      " RETURNING last_seq"};
  SqliteStatement insertDelivery{
      db,
      "INSERT INTO deliveries (destination, patient, seq, resource_type, resource_id, version,"
      " created_at, version_seq) VALUES (?,?,?,?,?,?,?,?)"};
  SqliteStatement replicaVersion{db, "SELECT version_id FROM replicas WHERE type = ? AND id = ?"};
  SqliteStatement setReplicaVersion{
      db,
      "INSERT INTO replicas (type, id, version_id) VALUES (?, ?, ?) ON CONFLICT (type, id)"
      " DO UPDATE SET version_id = excluded.version_id"};
  SqliteStatement markStudyPublished{
      db,
      "UPDATE dicom_studies SET published_at = MAX(published_at, ?) WHERE study_instance_uid = ?"};
};

}  // namespace medbridge::store
