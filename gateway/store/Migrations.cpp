#include "gateway/store/Migrations.h"

namespace medbridge::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       {
           // Every inbound message as received, with what each stage produced.
           "CREATE TABLE messages ("
           " id INTEGER PRIMARY KEY,"
           " received_at INTEGER NOT NULL,"
           " channel TEXT NOT NULL,"
           " sender TEXT NOT NULL,"
           " control_id TEXT NOT NULL,"
           " message_type TEXT NOT NULL,"
           " version TEXT NOT NULL,"
           " charset TEXT NOT NULL,"
           " content_hash TEXT NOT NULL,"
           " raw BLOB,"
           " ack BLOB,"  // NULL: empty (no ACK sent, enhanced mode)
           " status TEXT NOT NULL,"
           " key_reused INTEGER NOT NULL DEFAULT 0,"
           " bundle TEXT NOT NULL DEFAULT '',"
           " issues TEXT NOT NULL DEFAULT '',"
           " unmapped_segments TEXT NOT NULL DEFAULT '',"
           " identity_instruction TEXT NOT NULL DEFAULT '',"
           " error TEXT NOT NULL DEFAULT '',"
           " process_count INTEGER NOT NULL DEFAULT 0)",
           "CREATE INDEX messages_key ON messages(sender, control_id)",
           // The work queue: leases make a crashed worker's item claimable again.
           "CREATE TABLE queue ("
           " id INTEGER PRIMARY KEY,"
           " message_id INTEGER NOT NULL REFERENCES messages(id),"
           " state TEXT NOT NULL,"  // ready | leased | done | dead
           " attempts INTEGER NOT NULL DEFAULT 0,"
           " available_at INTEGER NOT NULL,"
           " lease_owner TEXT NOT NULL DEFAULT '',"
           " lease_until INTEGER NOT NULL DEFAULT 0,"
           " last_error TEXT NOT NULL DEFAULT '')",
           "CREATE INDEX queue_claim ON queue(state, available_at)",
           // Versioned FHIR resources. Versions are appended in write order (no index of their own,
           // so random resource ids do not scatter page writes); the head row per resource points
           // at its latest version, and each version at the one before it (history).
           "CREATE TABLE resource_versions ("
           " seq INTEGER PRIMARY KEY,"
           " type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
           " last_updated TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL,"
           " previous INTEGER REFERENCES resource_versions(seq))",
           "CREATE TABLE resource_heads ("
           " type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
           " content_hash TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,"
           " latest INTEGER NOT NULL REFERENCES resource_versions(seq),"
           " PRIMARY KEY (type, id)) WITHOUT ROWID",
       }},
      {2,
       {
           // The master patient index. A merged patient points at its survivor.
           "CREATE TABLE mpi_patients ("
           " id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL,"
           " merged_into INTEGER REFERENCES mpi_patients(id))",
           "CREATE TABLE mpi_identifiers ("
           " system TEXT NOT NULL, value TEXT NOT NULL,"
           " patient_id INTEGER NOT NULL REFERENCES mpi_patients(id), type TEXT NOT NULL,"
           " resource_id TEXT NOT NULL DEFAULT '',"  // the FHIR Patient it came with
           " PRIMARY KEY (system, value)) WITHOUT ROWID",
           "CREATE INDEX mpi_identifiers_patient ON mpi_identifiers(patient_id)",
           "CREATE INDEX mpi_patients_merged ON mpi_patients(merged_into) WHERE merged_into IS NOT "
           "NULL",
           "CREATE TABLE mpi_names ("
           " name_key TEXT NOT NULL, birth_date TEXT NOT NULL, gender TEXT NOT NULL,"
           " patient_id INTEGER NOT NULL REFERENCES mpi_patients(id),"
           " PRIMARY KEY (name_key, birth_date, gender, patient_id)) WITHOUT ROWID",
           "CREATE TABLE mpi_reviews ("
           " id INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, kind TEXT NOT NULL,"
           " patient_id INTEGER NOT NULL, other_patient_id INTEGER NOT NULL, detail TEXT NOT NULL,"
           " status TEXT NOT NULL DEFAULT 'open', message_id INTEGER,"
           " UNIQUE (kind, patient_id, other_patient_id))",
           "CREATE TABLE mpi_history ("
           " id INTEGER PRIMARY KEY, at INTEGER NOT NULL, action TEXT NOT NULL,"
           " patient_id INTEGER NOT NULL, other_patient_id INTEGER, system TEXT NOT NULL DEFAULT "
           "'',"
           " value TEXT NOT NULL DEFAULT '', message_id INTEGER, detail TEXT NOT NULL DEFAULT '')",
       }},
      {3,
       {
           // FHIR search. Every resource gets a small integer key (rk, in creation order) that the
           // index rows carry instead of its id: rows of new resources land at the end of each
           // index rather than at random places, and the indexes stay small. One table per kind
           // of search parameter; each search index covers (type, param, value..., rk) so
           // searches read indexes only; the rk index finds a resource's rows when it changes.
           // Filled from the official search parameter definitions (mappings/fhir/
           // SearchIndexer); resources stored before this migration get keys and rows on upgrade.
           "ALTER TABLE resource_heads ADD COLUMN rk INTEGER",
           "CREATE UNIQUE INDEX resource_heads_rk ON resource_heads(rk)",
           // A review can wait for its other side: other_patient_id 0 until someone holds
           // (system, value) (records about one person processed in either order).
           "ALTER TABLE mpi_reviews ADD COLUMN system TEXT NOT NULL DEFAULT ''",
           "ALTER TABLE mpi_reviews ADD COLUMN value TEXT NOT NULL DEFAULT ''",
           "CREATE INDEX mpi_reviews_pending ON mpi_reviews(system, value) WHERE "
           "other_patient_id = 0",
           "CREATE TABLE idx_string (type TEXT NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL,"
           " exact TEXT NOT NULL, rk INTEGER NOT NULL)",
           "CREATE INDEX idx_string_search ON idx_string(type, param, value, rk)",
           "CREATE INDEX idx_string_rk ON idx_string(rk, param)",
           "CREATE TABLE idx_token (type TEXT NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL,"
           " system TEXT NOT NULL, rk INTEGER NOT NULL)",
           "CREATE INDEX idx_token_search ON idx_token(type, param, value, system, rk)",
           "CREATE INDEX idx_token_rk ON idx_token(rk, param)",
           "CREATE TABLE idx_date (type TEXT NOT NULL, param TEXT NOT NULL, lo INTEGER NOT NULL,"
           " hi INTEGER NOT NULL, rk INTEGER NOT NULL)",
           "CREATE INDEX idx_date_search ON idx_date(type, param, lo, hi, rk)",
           "CREATE INDEX idx_date_rk ON idx_date(rk, param)",
           "CREATE TABLE idx_reference (type TEXT NOT NULL, param TEXT NOT NULL,"
           " value TEXT NOT NULL, rk INTEGER NOT NULL)",
           "CREATE INDEX idx_reference_search ON idx_reference(type, param, value, rk)",
           "CREATE INDEX idx_reference_rk ON idx_reference(rk, param)",
           "CREATE TABLE idx_number (type TEXT NOT NULL, param TEXT NOT NULL, lo REAL NOT NULL,"
           " hi REAL NOT NULL, system TEXT NOT NULL, rk INTEGER NOT NULL)",
           "CREATE INDEX idx_number_search ON idx_number(type, param, lo, hi, rk)",
           "CREATE INDEX idx_number_rk ON idx_number(rk, param)",
           "CREATE TABLE idx_uri (type TEXT NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL,"
           " rk INTEGER NOT NULL)",
           "CREATE INDEX idx_uri_search ON idx_uri(type, param, value, rk)",
           "CREATE INDEX idx_uri_rk ON idx_uri(rk, param)",
       }},
      {4,
       {
           // Merges, unmerges, identifier changes and unlinks, in order, for other systems to
           // follow (the platform connector, PACS patient-id coercion). payload: both patients'
           // identifiers after the change, as JSON.
           "CREATE TABLE mpi_events ("
           " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, kind TEXT NOT NULL,"
           " patient_id INTEGER NOT NULL, other_patient_id INTEGER NOT NULL,"
           " system TEXT NOT NULL DEFAULT '', value TEXT NOT NULL DEFAULT '',"
           " message_id INTEGER, payload TEXT NOT NULL)",
       }},
      {5,
       {
           // DICOM instances received (the file under dataDir holds the bytes as received).
           // A re-sent instance replaces its row.
           "CREATE TABLE dicom_instances ("
           " sop_instance_uid TEXT PRIMARY KEY, sop_class_uid TEXT NOT NULL,"
           " study_instance_uid TEXT NOT NULL, series_instance_uid TEXT NOT NULL,"
           " transfer_syntax_uid TEXT NOT NULL, patient_id TEXT NOT NULL,"
           " issuer_of_patient_id TEXT NOT NULL, patient_name TEXT NOT NULL,"
           " modality TEXT NOT NULL, study_date TEXT NOT NULL, accession_number TEXT NOT NULL,"
           " calling_ae TEXT NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL,"
           " received_at INTEGER NOT NULL, master_patient_id INTEGER) WITHOUT ROWID",
           "CREATE INDEX dicom_instances_study ON dicom_instances(study_instance_uid)",
       }},
      {6,
       {
           // The header of each instance in the DICOM JSON model (UTF-8, no bulk data): what
           // C-FIND and QIDO-RS match and answer from.
           "ALTER TABLE dicom_instances ADD COLUMN header TEXT NOT NULL DEFAULT '{}'",
           "CREATE INDEX dicom_instances_series ON dicom_instances(series_instance_uid)",
           "CREATE INDEX dicom_instances_patient ON dicom_instances(patient_id)",
       }},
      {7,
       {
           // Per study: when its last instance came and which of them its ImagingStudy
           // describes; a study quiet for dicom.stableSeconds with newer instances is published.
           "CREATE TABLE dicom_studies (study_instance_uid TEXT PRIMARY KEY,"
           " last_instance_at INTEGER NOT NULL, published_at INTEGER NOT NULL DEFAULT 0)"
           " WITHOUT ROWID",
           "INSERT INTO dicom_studies (study_instance_uid, last_instance_at)"
           " SELECT study_instance_uid, MAX(received_at) FROM dicom_instances GROUP BY 1",
       }},
      {8,
       {
           // Instances to send to a DICOM peer by C-STORE: ready until sent (done), retried
           // with backoff, failed after workers.maxAttempts or when they cannot be sent at all.
           "CREATE TABLE dicom_outbox (id INTEGER PRIMARY KEY, sop_instance_uid TEXT NOT NULL,"
           " peer TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'ready',"
           " attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
           " error TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL)",
           "CREATE INDEX dicom_outbox_due ON dicom_outbox(state, next_at)",
       }},
      {9,
       {
           // Resource versions to deliver to the regional platform, written in the transaction
           // of the version itself; `seq` numbers one patient's changes from 1 so the platform
           // can check their order.
           "CREATE TABLE deliveries (id INTEGER PRIMARY KEY, patient TEXT NOT NULL,"
           " seq INTEGER NOT NULL, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL,"
           " version INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending',"
           " attempts INTEGER NOT NULL DEFAULT 0, available_at INTEGER NOT NULL DEFAULT 0,"
           " last_error TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL)",
           "CREATE INDEX deliveries_state ON deliveries(state, id)",
           "CREATE TABLE delivery_sequences (patient TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)"
           " WITHOUT ROWID",
       }},
      {10,
       {
           // The gateway's own small durable state: a paused destination, a poll cursor.
           "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
           // Deliveries go to a destination: "" the regional platform; on the platform, the
           // hospitals whose Tasks they are. Sequences count per destination and patient.
           "ALTER TABLE deliveries ADD COLUMN destination TEXT NOT NULL DEFAULT ''",
           // The version's row, so a Bundle's versions are read by key.
           "ALTER TABLE deliveries ADD COLUMN version_seq INTEGER NOT NULL DEFAULT 0",
           "UPDATE deliveries SET version_seq = COALESCE((SELECT v.seq FROM resource_versions v"
           " WHERE v.type = deliveries.resource_type AND v.id = deliveries.resource_id"
           " AND v.version = deliveries.version), 0) WHERE state = 'pending'",
           "CREATE INDEX deliveries_destination ON deliveries(destination, state, id)",
           "CREATE TABLE destination_sequences (destination TEXT NOT NULL, patient TEXT NOT NULL,"
           " last_seq INTEGER NOT NULL, PRIMARY KEY (destination, patient)) WITHOUT ROWID",
           "INSERT INTO destination_sequences SELECT '', patient, last_seq FROM delivery_sequences",
           "DROP TABLE delivery_sequences",
           // Resources received from the platform: the platform's version last applied here.
           "CREATE TABLE replicas (type TEXT NOT NULL, id TEXT NOT NULL, version_id INTEGER NOT"
           " NULL, PRIMARY KEY (type, id)) WITHOUT ROWID",
       }},
      {11,
       {
           // HL7 v2 messages for the HIS about a consultation Task version (its report, its new
           // status): queued in the transaction that applies the version, sent until the HIS
           // acknowledges.
           "CREATE TABLE his_outbox (id INTEGER PRIMARY KEY, task_id TEXT NOT NULL,"
           " task_version INTEGER NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL DEFAULT"
           " 'ready', attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
           " error TEXT NOT NULL DEFAULT '', control_id TEXT NOT NULL DEFAULT '',"
           " created_at INTEGER NOT NULL, UNIQUE (task_id, task_version, kind))",
           "CREATE INDEX his_outbox_due ON his_outbox(state, next_at)",
       }},
  };
  return kMigrations;
}

int latestSchemaVersion() {
  return migrations().back().version;
}

}  // namespace medbridge::store
