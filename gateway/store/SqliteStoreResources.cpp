// SqliteStore's FHIR side: versioned reads, history, transactions and search.
#include <Poco/Logger.h>

#include <chrono>
#include <stdexcept>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/store/SqliteSearch.h"
#include "gateway/store/SqliteStoreWriter.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::store {
namespace {

ResourceVersion versionFrom(const SqliteStatement& st, int column, const std::string& type,
                            const std::string& id) {
  return ResourceVersion{type,
                         id,
                         st.text(column + 3),
                         st.text(column + 1),
                         static_cast<int>(st.integer(column)),
                         st.integer(column + 2) != 0};
}

}  // namespace

// IResourceTx on the writer's connection, inside the job's savepoint.
class SqliteStore::ResourceTx : public IResourceTx {
 public:
  explicit ResourceTx(Writer& w) : w_(w) {}
  ~ResourceTx() override { w_.replicating = false; }
  std::optional<ResourceVersion> current(const std::string& type, const std::string& id) override {
    w_.currentVersion.bind(1, type).bind(2, id);
    std::optional<ResourceVersion> out;
    if (w_.currentVersion.step()) out = versionFrom(w_.currentVersion, 0, type, id);
    w_.currentVersion.reset();
    return out;
  }
  void put(const ResourceVersion& v, const std::string& hash,
           const std::vector<mappings::fhir::IndexEntry>& index) override {
    appendVersion(w_, v, hash, index);
  }
  std::vector<std::string> search(const mappings::fhir::SearchQuery& q) override {
    return runSearch(w_.db, q);
  }
  identity::IIndexTables& patientIndex() override {
    w_.index.setContext(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
    return w_.index;
  }
  std::string putDicomInstance(const mappings::dicom::DicomSummary& i,
                               identity::PatientId masterPatient,
                               std::int64_t receivedAtMs) override {
    std::string previous;
    w_.dicomInstanceFile.bind(1, i.sopInstanceUid);
    if (w_.dicomInstanceFile.step()) previous = w_.dicomInstanceFile.text(0);
    w_.dicomInstanceFile.reset();
    auto& st = w_.putDicomInstance;
    st.bind(1, i.sopInstanceUid).bind(2, i.sopClassUid).bind(3, i.studyInstanceUid);
    st.bind(4, i.seriesInstanceUid).bind(5, i.transferSyntaxUid).bind(6, i.patientId);
    st.bind(7, i.issuerOfPatientId).bind(8, i.patientName).bind(9, i.modality);
    st.bind(10, i.studyDate).bind(11, i.accessionNumber).bind(12, i.callingAe);
    st.bind(13, i.file).bind(14, i.size).bind(15, receivedAtMs);
    if (masterPatient != 0) st.bind(16, masterPatient);
    st.bind(17, i.header);
    st.run();
    w_.touchDicomStudy.bind(1, i.studyInstanceUid).bind(2, receivedAtMs).run();
    return previous;
  }
  void markStudyPublished(const std::string& studyUid, std::int64_t lastInstanceAt) override {
    w_.markStudyPublished.bind(1, lastInstanceAt).bind(2, studyUid).run();
  }
  bool deliverCurrent(const std::string& type, const std::string& id,
                      const std::string& destination, const std::string& patient) override {
    auto v = current(type, id);
    if (!v || v->deleted) return false;
    w_.head.bind(1, type).bind(2, id);
    std::int64_t seq = w_.head.step() ? w_.head.integer(3) : 0;
    w_.head.reset();
    queueDelivery(w_, *v, seq, patient, destination);
    return true;
  }
  bool queueHisMessage(const std::string& taskId, int taskVersion, const std::string& kind,
                       std::int64_t nowMs) override {
    SqliteStatement insert{w_.db,
                           "INSERT OR IGNORE INTO his_outbox (task_id, task_version, kind, next_at,"
                           " created_at) VALUES (?, ?, ?, ?, ?)"};
    insert.bind(1, taskId)
        .bind(2, static_cast<std::int64_t>(taskVersion))
        .bind(3, kind)
        .bind(4, nowMs)
        .bind(5, nowMs)
        .run();
    return sqlite3_changes(w_.db) > 0;
  }
  void replicaOfPlatform() override { w_.replicating = true; }
  std::int64_t replicaVersion(const std::string& type, const std::string& id) override {
    w_.replicaVersion.bind(1, type).bind(2, id);
    std::int64_t version = w_.replicaVersion.step() ? w_.replicaVersion.integer(0) : 0;
    w_.replicaVersion.reset();
    return version;
  }
  void setReplicaVersion(const std::string& type, const std::string& id,
                         std::int64_t versionId) override {
    w_.setReplicaVersion.bind(1, type).bind(2, id).bind(3, versionId).run();
  }

 private:
  Writer& w_;
};

void SqliteStore::transact(const std::function<void(IResourceTx&)>& work) {
  auto promise = std::make_shared<std::promise<void>>();
  auto result = promise->get_future();
  auto failure = std::make_shared<std::exception_ptr>();
  submit({[&work, failure](Writer& w) {
            ResourceTx tx(w);
            try {
              work(tx);
            } catch (...) {
              *failure = std::current_exception();
              // The writer rolls the job's savepoint back; the caller gets the original.
              throw std::runtime_error("transaction work failed");
            }
          },
          [promise, failure](const std::string& error) {
            if (*failure)
              promise->set_exception(*failure);
            else if (error.empty())
              promise->set_value();
            else
              promise->set_exception(
                  std::make_exception_ptr(core::Error(core::ErrorCode::StoreUnavailable, error)));
          }},
         /*urgent=*/true);
  result.get();
}

std::optional<ResourceVersion> SqliteStore::readResource(const std::string& type,
                                                         const std::string& id) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT v.version, v.last_updated, v.deleted, v.json FROM resource_heads h JOIN "
        "resource_versions v ON v.seq = h.latest WHERE h.type = ? AND h.id = ?");
    st.bind(1, type).bind(2, id);
    std::optional<ResourceVersion> out;
    if (st.step()) out = versionFrom(st, 0, type, id);
    st.reset();
    return out;
  });
}

std::optional<ResourceVersion> SqliteStore::readVersion(const std::string& type,
                                                        const std::string& id, int version) {
  // Walks the version chain back from the head (versions carry no index of their own).
  for (const auto& v : history(type, id))
    if (v.version == version) return v;
  return std::nullopt;
}

std::vector<ResourceVersion> SqliteStore::history(const std::string& type, const std::string& id) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "WITH RECURSIVE chain(seq) AS (SELECT latest FROM resource_heads WHERE type = ? AND id = ?"
        " UNION ALL SELECT v.previous FROM resource_versions v JOIN chain ON v.seq = chain.seq"
        " WHERE v.previous IS NOT NULL)"
        " SELECT v.version, v.last_updated, v.deleted, v.json FROM chain JOIN resource_versions v"
        " ON v.seq = chain.seq ORDER BY v.version");
    st.bind(1, type).bind(2, id);
    std::vector<ResourceVersion> out;
    while (st.step()) out.push_back(versionFrom(st, 0, type, id));
    st.reset();
    return out;
  });
}

std::vector<ResourceVersion> SqliteStore::readResources(const std::string& type,
                                                        const std::vector<std::string>& ids) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT v.version, v.last_updated, v.deleted, v.json FROM resource_heads h JOIN "
        "resource_versions v ON v.seq = h.latest WHERE h.type = ? AND h.id = ? AND h.deleted = 0");
    std::vector<ResourceVersion> out;
    for (const auto& id : ids) {
      st.bind(1, type).bind(2, id);
      if (st.step()) out.push_back(versionFrom(st, 0, type, id));
      st.reset();
    }
    return out;
  });
}

std::vector<ResourceVersion> SqliteStore::changes(const std::string& type, std::int64_t sinceMs,
                                                  int limit) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    // resource_versions is in write order: newest first by seq.
    auto& st = c.statement(
        "SELECT type, id, version, last_updated, deleted, json FROM resource_versions"
        " WHERE (?1 = '' OR type = ?1) AND last_updated >= ?2 ORDER BY seq DESC LIMIT ?3");
    st.bind(1, type).bind(2, core::instantOf(sinceMs)).bind(3, static_cast<std::int64_t>(limit));
    std::vector<ResourceVersion> out;
    while (st.step())
      out.push_back(ResourceVersion{st.text(0), st.text(1), st.text(5), st.text(3),
                                    static_cast<int>(st.integer(2)), st.integer(4) != 0});
    st.reset();
    return out;
  });
}

std::vector<std::string> SqliteStore::search(const mappings::fhir::SearchQuery& q) {
  return readers_->with([&](SqliteReaderPool::Connection& c) { return runSearch(c.db, q); });
}

std::vector<std::string> SqliteStore::referring(const std::string& type, const std::string& param,
                                                const std::vector<std::string>& targets) {
  return readers_->with(
      [&](SqliteReaderPool::Connection& c) { return referringIds(c.db, type, param, targets); });
}

std::vector<std::string> SqliteStore::referencesOf(const std::string& type, const std::string& id,
                                                   const std::string& param) {
  return readers_->with(
      [&](SqliteReaderPool::Connection& c) { return store::referencesOf(c.db, type, id, param); });
}

void SqliteStore::reindexAll() {
  // Runs before the writer thread starts, on the writer connection, in one transaction: gives
  // every stored resource its key and indexes its current version.
  Writer w(*writer_);
  SqliteStatement heads(
      w.db,
      "SELECT h.type, h.id, v.json, v.last_updated, h.deleted FROM resource_heads "
      "h JOIN resource_versions v ON v.seq = h.latest WHERE h.rk IS NULL");
  std::vector<std::tuple<std::string, std::string, std::string, std::string, bool>> all;
  while (heads.step())
    all.emplace_back(heads.text(0), heads.text(1), heads.text(2), heads.text(3),
                     heads.integer(4) != 0);
  heads.reset();
  if (all.empty()) return;
  SqliteStatement setKey(w.db, "UPDATE resource_heads SET rk = ? WHERE type = ? AND id = ?");
  w.begin.run();
  try {
    std::int64_t rk = 0;
    for (const auto& [type, id, json, updated, deleted] : all) {
      setKey.bind(1, ++rk).bind(2, type).bind(3, id).run();
      if (deleted) continue;
      rapidjson::Document doc;
      std::vector<mappings::fhir::IndexEntry> entries;
      if (!mappings::fhir::parseJson(json, doc)) entries = mappings::fhir::indexEntries(doc);
      if (auto e = lastUpdatedEntry(updated)) entries.push_back(std::move(*e));
      w.searchIndex.replace(type, rk, entries, false);
    }
    w.commit.run();
  } catch (...) {
    sqlite3_exec(w.db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  Poco::Logger::get("medbridge.store.sqlite")
      .information("search index built for %z existing resources", all.size());
}

}  // namespace medbridge::store
