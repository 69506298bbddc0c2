// SqliteStore's reads of received DICOM instances (C-FIND, C-GET, C-MOVE, DICOMweb).
#include "gateway/store/SqliteStore.h"
#include "gateway/store/SqliteStoreWriter.h"

namespace medbridge::store {
namespace {

std::string jsonArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    out += '"';
  }
  return out + "]";
}

constexpr const char* kColumns =
    "SELECT sop_instance_uid, sop_class_uid, study_instance_uid, series_instance_uid,"
    " transfer_syntax_uid, patient_id, issuer_of_patient_id, patient_name, modality, study_date,"
    " accession_number, calling_ae, file, size, header FROM dicom_instances";

}  // namespace

std::vector<PendingStudy> SqliteStore::studiesToPublish(std::int64_t quietSinceMs, int limit) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT study_instance_uid, last_instance_at FROM dicom_studies"
        " WHERE last_instance_at > published_at AND last_instance_at <= ?"
        " ORDER BY last_instance_at LIMIT ?");
    st.bind(1, quietSinceMs).bind(2, static_cast<std::int64_t>(limit));
    std::vector<PendingStudy> out;
    while (st.step()) out.push_back({st.text(0), st.integer(1)});
    st.reset();
    return out;
  });
}

std::vector<std::int64_t> SqliteStore::queueDicomForwards(const std::vector<std::string>& sopUids,
                                                          const std::string& peer,
                                                          std::int64_t nowMs) {
  std::vector<std::int64_t> ids;
  write([&](Writer& w) {
    SqliteStatement insert{w.db,
                           "INSERT INTO dicom_outbox (sop_instance_uid, peer, next_at, created_at)"
                           " VALUES (?, ?, ?, ?)"};
    for (const auto& uid : sopUids) {
      insert.bind(1, uid).bind(2, peer).bind(3, nowMs).bind(4, nowMs).run();
      ids.push_back(sqlite3_last_insert_rowid(w.db));
    }
  });
  return ids;
}

std::vector<DicomForward> SqliteStore::dueDicomForwards(std::int64_t nowMs, int limit) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT id, sop_instance_uid, peer, attempts FROM dicom_outbox"
        " WHERE state = 'ready' AND next_at <= ? ORDER BY id LIMIT ?");
    st.bind(1, nowMs).bind(2, static_cast<std::int64_t>(limit));
    std::vector<DicomForward> out;
    while (st.step())
      out.push_back({st.integer(0), st.text(1), st.text(2), static_cast<int>(st.integer(3))});
    st.reset();
    return out;
  });
}

void SqliteStore::finishDicomForward(std::int64_t id, const std::string& state,
                                     const std::string& error, std::int64_t retryAtMs) {
  write([&](Writer& w) {
    SqliteStatement update{w.db,
                           "UPDATE dicom_outbox SET state = ?, error = ?, next_at = ?,"
                           " attempts = attempts + 1 WHERE id = ?"};
    update.bind(1, state).bind(2, error).bind(3, retryAtMs).bind(4, id).run();
  });
}

std::vector<HisMessage> SqliteStore::dueHisMessages(std::int64_t nowMs, int limit) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT id, task_id, task_version, kind, attempts FROM his_outbox"
        " WHERE state = 'ready' AND next_at <= ? ORDER BY id LIMIT ?");
    st.bind(1, nowMs).bind(2, static_cast<std::int64_t>(limit));
    std::vector<HisMessage> out;
    while (st.step())
      out.push_back({st.integer(0), st.text(1), static_cast<int>(st.integer(2)), st.text(3),
                     static_cast<int>(st.integer(4))});
    st.reset();
    return out;
  });
}

void SqliteStore::finishHisMessage(std::int64_t id, const std::string& state,
                                   const std::string& error, const std::string& controlId,
                                   std::int64_t retryAtMs) {
  write([&](Writer& w) {
    SqliteStatement update{w.db,
                           "UPDATE his_outbox SET state = ?, error = ?, control_id = ?,"
                           " next_at = ?, attempts = attempts + 1 WHERE id = ?"};
    update.bind(1, state).bind(2, error).bind(3, controlId).bind(4, retryAtMs).bind(5, id).run();
  });
}

std::pair<std::string, std::string> SqliteStore::dicomForwardState(std::int64_t id) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement("SELECT state, error FROM dicom_outbox WHERE id = ?");
    st.bind(1, id);
    std::pair<std::string, std::string> out;
    if (st.step()) out = {st.text(0), st.text(1)};
    st.reset();
    return out;
  });
}

std::vector<mappings::dicom::DicomSummary> SqliteStore::dicomInstances(
    const mappings::dicom::InstanceFilter& filter) {
  // The narrowest list drives the read; DicomQuery matches every key afterwards.
  std::string where;
  const std::vector<std::string>* values = nullptr;
  if (!filter.sopInstanceUids.empty()) {
    where = " WHERE sop_instance_uid IN (SELECT value FROM json_each(?))";
    values = &filter.sopInstanceUids;
  } else if (!filter.seriesInstanceUids.empty()) {
    where = " WHERE series_instance_uid IN (SELECT value FROM json_each(?))";
    values = &filter.seriesInstanceUids;
  } else if (!filter.studyInstanceUids.empty()) {
    where = " WHERE study_instance_uid IN (SELECT value FROM json_each(?))";
    values = &filter.studyInstanceUids;
  } else if (!filter.patientIds.empty()) {
    where = " WHERE patient_id IN (SELECT value FROM json_each(?))";
    values = &filter.patientIds;
  }
  std::string sql = kColumns + where + " ORDER BY received_at, sop_instance_uid";
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(sql.c_str());
    if (values) st.bind(1, jsonArray(*values));
    std::vector<mappings::dicom::DicomSummary> out;
    while (st.step()) {
      mappings::dicom::DicomSummary s;
      s.sopInstanceUid = st.text(0);
      s.sopClassUid = st.text(1);
      s.studyInstanceUid = st.text(2);
      s.seriesInstanceUid = st.text(3);
      s.transferSyntaxUid = st.text(4);
      s.patientId = st.text(5);
      s.issuerOfPatientId = st.text(6);
      s.patientName = st.text(7);
      s.modality = st.text(8);
      s.studyDate = st.text(9);
      s.accessionNumber = st.text(10);
      s.callingAe = st.text(11);
      s.file = st.text(12);
      s.size = st.integer(13);
      s.header = st.text(14);
      out.push_back(std::move(s));
    }
    st.reset();
    return out;
  });
}

}  // namespace medbridge::store
