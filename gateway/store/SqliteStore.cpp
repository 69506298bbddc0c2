#include "gateway/store/SqliteStore.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Statement.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>

#include <algorithm>
#include <tuple>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/core/Time.h"
#include "gateway/store/Migrations.h"
#include "gateway/store/SqliteIndexTables.h"
#include "gateway/store/SqliteStoreWriter.h"
#include "mappings/fhir/Json.h"
#include "mappings/fhir/PatientKey.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::store {
namespace {

using namespace Poco::Data::Keywords;
using core::Error;
using core::ErrorCode;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.store.sqlite");
}

}  // namespace

// The patient-index lookups on the reader connection, prepared once.
struct SqliteStore::Lookup {
  explicit Lookup(sqlite3* db)
      : holder(db, "SELECT patient_id FROM mpi_identifiers WHERE system = ? AND value = ?"),
        mergedInto(db, "SELECT merged_into FROM mpi_patients WHERE id = ?"),
        mergedFrom(db, "SELECT id FROM mpi_patients WHERE merged_into = ?"),
        identifiers(
            db,
            "SELECT system, value, type, resource_id FROM mpi_identifiers WHERE patient_id = ?") {}
  SqliteStatement holder, mergedInto, mergedFrom, identifiers;
};

SqliteStore::SqliteStore(const std::string& path, int maxBatch) : path_(path), maxBatch_(maxBatch) {
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Path parent = Poco::Path(path).parent();
  if (!parent.toString().empty()) Poco::File(parent).createDirectories();
  writer_ = std::make_unique<Session>("SQLite", path);
  std::string mode;
  *writer_ << "PRAGMA journal_mode=WAL", into(mode), now;
  *writer_ << "PRAGMA synchronous=FULL", now;
  *writer_ << "PRAGMA foreign_keys=ON", now;
  // 64 MiB of page cache for the writer: the patient index's random-keyed inserts stay in memory
  // far longer than with SQLite's 2 MiB default.
  *writer_ << "PRAGMA cache_size=-65536", now;
  // Checkpoints run on their own thread (checkpointLoop), so most of the copying back happens
  // while the writer commits; the writer's own checkpoint (every 64 MiB of WAL, so that the WAL
  // restarts) then finds little left to do. SQLite's default (every 4 MiB, synchronously in the
  // committing thread) halved FHIR transaction throughput here.
  *writer_ << "PRAGMA wal_autocheckpoint=16384", now;
  *writer_ << "PRAGMA journal_size_limit=67108864", now;
  *writer_ << "PRAGMA busy_timeout=5000", now;
  if (migrate(*writer_) < 3) reindexAll();
  reader_ = std::make_unique<Session>("SQLite", path);
  readers_ = std::make_unique<SqliteReaderPool>(path, 4);
  *reader_ << "PRAGMA busy_timeout=5000", now;
  *reader_ << "PRAGMA synchronous=FULL", now;
  writerThread_ = std::thread([this] { writerLoop(); });
  checkpointThread_ = std::thread([this] { checkpointLoop(); });
}

void SqliteStore::checkpointLoop() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    log().error("checkpoint connection failed: %s", std::string(sqlite3_errmsg(db)));
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 1000);
  std::unique_lock lock(checkpointMutex_);
  while (!stopCheckpoints_) {
    checkpointCv_.wait_for(lock, std::chrono::milliseconds(500));
    if (stopCheckpoints_) break;
    lock.unlock();
    // PASSIVE: copies what it can without blocking the writer or readers.
    int logFrames = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      log().warning("checkpoint failed: %s", std::string(sqlite3_errmsg(db)));
    lock.lock();
  }
  sqlite3_close(db);
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(checkpointMutex_);
    stopCheckpoints_ = true;
  }
  checkpointCv_.notify_all();
  if (checkpointThread_.joinable()) checkpointThread_.join();
  {
    std::lock_guard lock(jobsMutex_);
    stopping_ = true;
  }
  jobsCv_.notify_all();
  if (writerThread_.joinable()) writerThread_.join();
}

int SqliteStore::migrate(Session& s) {
  s << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", now;
  int current = 0;
  s << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(current), now;
  if (current > latestSchemaVersion())
    throw Error(ErrorCode::StoreSchemaTooNew, "store has schema " + std::to_string(current) +
                                                  ", this binary knows up to " +
                                                  std::to_string(latestSchemaVersion()));
  for (const auto& m : migrations()) {
    if (m.version <= current) continue;
    s << "BEGIN IMMEDIATE", now;
    try {
      for (const auto& sql : m.statements) s << sql, now;
      s << "DELETE FROM schema_version", now;
      int v = m.version;
      s << "INSERT INTO schema_version (version) VALUES (?)", use(v), now;
      s << "COMMIT", now;
    } catch (...) {
      s << "ROLLBACK", now;
      throw;
    }
    log().information("store schema migrated to version %d", m.version);
  }
  return current;
}

void SqliteStore::submit(Job job, bool urgent) {
  job.queuedAt = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(jobsMutex_);
    if (urgent) lastUrgentAt_ = job.queuedAt;
    (urgent ? urgentJobs_ : backgroundJobs_).push_back(std::move(job));
  }
  jobsCv_.notify_one();
}

std::vector<SqliteStore::Job> SqliteStore::nextBatch() {
  // Peers wait for their ACK on urgent jobs; background work (processing) runs when ingest is
  // quiet, or when it has waited kBackgroundMaxWait, so bursts are acknowledged at full speed and
  // mapped right after.
  constexpr auto kIngestQuiet = std::chrono::milliseconds(2);
  constexpr auto kBackgroundMaxWait = std::chrono::milliseconds(200);
  std::vector<Job> batch;
  std::unique_lock lock(jobsMutex_);
  while (true) {
    if (!urgentJobs_.empty()) break;
    if (stopping_ && backgroundJobs_.empty()) return batch;
    if (!backgroundJobs_.empty()) {
      auto now = std::chrono::steady_clock::now();
      if (stopping_ || now - lastUrgentAt_ >= kIngestQuiet ||
          now - backgroundJobs_.front().queuedAt >= kBackgroundMaxWait)
        break;
      jobsCv_.wait_for(lock, kIngestQuiet - (now - lastUrgentAt_));
    } else {
      jobsCv_.wait(lock);
    }
  }
  while (!urgentJobs_.empty() && static_cast<int>(batch.size()) < maxBatch_) {
    batch.push_back(std::move(urgentJobs_.front()));
    urgentJobs_.pop_front();
  }
  bool overdue =
      !backgroundJobs_.empty() &&
      std::chrono::steady_clock::now() - backgroundJobs_.front().queuedAt >= kBackgroundMaxWait;
  std::size_t budget = batch.empty() ? static_cast<std::size_t>(maxBatch_) : overdue ? 1 : 0;
  while (!backgroundJobs_.empty() && budget-- > 0) {
    batch.push_back(std::move(backgroundJobs_.front()));
    backgroundJobs_.pop_front();
  }
  return batch;
}

void SqliteStore::write(std::function<void(Writer&)> fn, bool urgent) {
  auto promise = std::make_shared<std::promise<void>>();
  auto result = promise->get_future();
  submit({std::move(fn),
          [promise](const std::string& error) {
            if (error.empty())
              promise->set_value();
            else
              promise->set_exception(
                  std::make_exception_ptr(Error(ErrorCode::StoreUnavailable, error)));
          }},
         urgent);
  result.get();
}

void SqliteStore::writerLoop() {
  Writer w(*writer_);
  while (true) {
    std::vector<Job> batch = nextBatch();
    if (batch.empty()) return;
    std::vector<std::string> errors(batch.size());
    std::string batchError;
    try {
      if (failWrites_) throw Error(ErrorCode::StoreUnavailable, "writes disabled (test)");
      w.begin.run();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        w.savepoint.run();
        try {
          batch[i].run(w);
          w.release.run();
        } catch (const std::exception& e) {
          errors[i] = e.what();
          w.rollbackTo.run();
          w.release.run();
        }
      }
      w.commit.run();
      writerHealthy_ = true;
    } catch (const std::exception& e) {
      batchError = e.what();
      writerHealthy_ = false;
      log().error("group commit of %z writes failed: %s", batch.size(), batchError);
      if (!sqlite3_get_autocommit(w.db)) sqlite3_exec(w.db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i].done(batchError.empty() ? errors[i] : batchError);
  }
}

std::future<AcceptOutcome> SqliteStore::accept(InboundMessage m) {
  auto outcome = std::make_shared<AcceptOutcome>();
  auto promise = std::make_shared<std::promise<AcceptOutcome>>();
  auto future = promise->get_future();
  auto message = std::make_shared<InboundMessage>(std::move(m));
  submit({[outcome, message](Writer& w) {
            const InboundMessage& msg = *message;
            // A duplicate is the same sender + control id *and* the same content.
            bool earlier = false;
            w.duplicates.bind(1, msg.sender).bind(2, msg.controlId);
            while (w.duplicates.step()) {
              earlier = true;
              if (w.duplicates.text(1) == msg.contentHash) {
                outcome->kind = AcceptOutcome::Kind::Duplicate;
                outcome->messageId = w.duplicates.integer(0);
                outcome->ack = w.duplicates.text(2);
                w.duplicates.reset();
                return;
              }
            }
            w.duplicates.reset();
            bool keyReused = earlier && !msg.controlId.empty();
            w.insertMessage.bind(1, msg.receivedAt)
                .bind(2, msg.channel)
                .bind(3, msg.sender)
                .bind(4, msg.controlId);
            w.insertMessage.bind(5, msg.messageType)
                .bind(6, msg.version)
                .bind(7, msg.charset)
                .bind(8, msg.contentHash);
            w.insertMessage.bindBlob(9, msg.raw).bindBlob(10, msg.ack).bind(11, msg.status);
            w.insertMessage.bind(12, static_cast<std::int64_t>(keyReused)).bind(13, msg.error);
            w.insertMessage.run();
            std::int64_t id = sqlite3_last_insert_rowid(w.db);
            if (msg.status == kReceived) w.insertQueue.bind(1, id).run();
            outcome->kind = AcceptOutcome::Kind::Stored;
            outcome->messageId = id;
            outcome->keyReused = keyReused;
            outcome->ack = msg.ack;
          },
          [outcome, promise](const std::string& error) {
            if (!error.empty()) {
              outcome->kind = AcceptOutcome::Kind::Failed;
              outcome->error = error;
            }
            promise->set_value(*outcome);
          }},
         /*urgent=*/true);
  return future;
}

std::vector<QueueItem> SqliteStore::claim(const std::string& owner, std::int64_t nowMs,
                                          std::int64_t leaseMs, int max) {
  std::vector<QueueItem> items;
  write([&](Writer& w) {
    w.claim.bind(1, owner)
        .bind(2, nowMs + leaseMs)
        .bind(3, nowMs)
        .bind(4, static_cast<std::int64_t>(max));
    while (w.claim.step())
      items.push_back(
          QueueItem{w.claim.integer(0), w.claim.integer(1), static_cast<int>(w.claim.integer(2))});
    w.claim.reset();
  });
  std::sort(items.begin(), items.end(),
            [](const QueueItem& a, const QueueItem& b) { return a.id < b.id; });
  return items;
}

int SqliteStore::putResourceIn(Writer& w, const ResourceWrite& r, std::int64_t nowMs) {
  int current = 0;
  bool same = false;
  w.head.bind(1, r.type).bind(2, r.id);
  if (w.head.step()) {
    current = static_cast<int>(w.head.integer(0));
    same = w.head.text(1) == r.hash && w.head.integer(2) == 0;
  }
  w.head.reset();
  if (same) return current;  // identical content: no new version
  ResourceVersion v{r.type, r.id, r.json, core::instantOf(nowMs), current + 1, false};
  appendVersion(w, v, r.hash, r.index);
  return v.version;
}

void SqliteStore::appendVersion(Writer& w, const ResourceVersion& v, const std::string& hash,
                                const std::vector<mappings::fhir::IndexEntry>& index) {
  std::int64_t previous = 0, rk = 0;
  w.head.bind(1, v.type).bind(2, v.id);
  if (w.head.step()) {
    previous = w.head.integer(3);
    rk = w.head.integer(4);
  }
  w.head.reset();
  if (rk == 0) {
    if (w.nextKey == 0) {
      SqliteStatement max(w.db, "SELECT COALESCE(MAX(rk), 0) + 1 FROM resource_heads");
      max.step();
      w.nextKey = max.integer(0);
    }
    rk = w.nextKey++;  // a rolled-back write leaves a gap, never a reuse
  }
  w.insertVersion.bind(1, v.type)
      .bind(2, v.id)
      .bind(3, static_cast<std::int64_t>(v.version))
      .bind(4, v.lastUpdated)
      .bind(5, static_cast<std::int64_t>(v.deleted));
  w.insertVersion.bind(6, v.json);
  if (previous != 0) w.insertVersion.bind(7, previous);
  w.insertVersion.run();
  std::int64_t seq = sqlite3_last_insert_rowid(w.db);
  w.upsertHead.bind(1, v.type)
      .bind(2, v.id)
      .bind(3, static_cast<std::int64_t>(v.version))
      .bind(4, hash)
      .bind(5, static_cast<std::int64_t>(v.deleted))
      .bind(6, seq)
      .bind(7, rk);
  w.upsertHead.run();
  std::vector<mappings::fhir::IndexEntry> entries;
  if (!v.deleted) {
    entries = index;
    if (auto e = lastUpdatedEntry(v.lastUpdated)) entries.push_back(std::move(*e));
  }
  w.searchIndex.replace(v.type, rk, entries, previous != 0);
  if (w.router && !w.replicating)
    for (const auto& destination : w.router(v, index))
      queueDelivery(w, v, seq, mappings::fhir::patientKey(v.type, v.id, index), destination);
}

void SqliteStore::queueDelivery(Writer& w, const ResourceVersion& v, std::int64_t versionSeq,
                                const std::string& patient, const std::string& destination) {
  auto created = mappings::fhir::dateRange(v.lastUpdated);
  w.nextDeliverySeq.bind(1, destination).bind(2, patient);
  w.nextDeliverySeq.step();
  std::int64_t seq = w.nextDeliverySeq.integer(0);
  w.nextDeliverySeq.reset();
  w.insertDelivery.bind(1, destination)
      .bind(2, patient)
      .bind(3, seq)
      .bind(4, v.type)
      .bind(5, v.id)
      .bind(6, static_cast<std::int64_t>(v.version))
      .bind(7, created ? created->from : 0)
      .bind(8, versionSeq)
      .run();
}

void SqliteStore::complete(const std::vector<ProcessOutcome>& outcomes, std::int64_t nowMs) {
  write([&](Writer& w) {
    for (const auto& o : outcomes) {
      std::string rejected;
      w.outcomeSavepoint.run();
      if (o.indexUpdate) {
        w.index.setContext(o.messageId, nowMs);
        rejected = o.indexUpdate(w.index);
      }
      if (rejected.empty()) {
        for (const auto& r : o.resources) putResourceIn(w, r, nowMs);
      } else {
        w.outcomeRollback.run();  // nothing of this message changes the index or the resources
      }
      w.outcomeRelease.run();
      w.updateMessage.bind(1, rejected.empty() ? o.status : std::string(kFailed))
          .bind(2, rejected.empty() ? o.bundle : std::string())
          .bind(3, o.issues)
          .bind(4, o.unmappedSegments);
      w.updateMessage.bind(5, o.identityInstruction)
          .bind(6, rejected.empty() ? o.error : "patient index: " + rejected)
          .bind(7, o.messageId)
          .run();
      w.queueDone.bind(1, o.queueItemId).run();
    }
  });
}

void SqliteStore::retryAt(std::int64_t queueItemId, std::int64_t atMs, const std::string& error) {
  write([&](Writer& w) {
    Session& s = w.session;
    Poco::Int64 id = queueItemId, at = atMs;
    s << "UPDATE queue SET state = 'ready', available_at = ?, last_error = ?, lease_owner = '', "
         "lease_until = 0"
         " WHERE id = ?",
        use(at), bind(error), use(id), now;
  });
}

void SqliteStore::deadLetter(std::int64_t queueItemId, const std::string& error) {
  write([&](Writer& w) {
    Session& s = w.session;
    Poco::Int64 id = queueItemId;
    s << "UPDATE queue SET state = 'dead', last_error = ?, lease_owner = '', lease_until = 0 WHERE "
         "id = ?",
        bind(error), use(id), now;
    s << "UPDATE messages SET status = ?, error = ? WHERE id = (SELECT message_id FROM queue WHERE "
         "id = ?)",
        bind(std::string(kDeadLettered)), bind(error), use(id), now;
  });
}

int SqliteStore::releaseLeases() {
  int released = 0;
  write([&](Writer& w) {
    Session& s = w.session;
    s << "UPDATE queue SET state = 'ready', lease_owner = '', lease_until = 0 WHERE state = "
         "'leased'",
        now;
    s << "SELECT changes()", into(released), now;
  });
  return released;
}

namespace {

constexpr const char* kMessageColumns =
    "SELECT id, channel, sender, control_id, message_type, charset, content_hash, COALESCE(raw, "
    "X''),"
    " COALESCE(ack, X''), status, bundle, issues, unmapped_segments, identity_instruction, error, "
    "key_reused,"
    " process_count, received_at FROM messages";

StoredMessage toMessage(const SqliteStatement& r) {
  StoredMessage m;
  m.id = r.integer(0);
  m.channel = r.text(1);
  m.sender = r.text(2);
  m.controlId = r.text(3);
  m.messageType = r.text(4);
  m.charset = r.text(5);
  m.contentHash = r.text(6);
  m.raw = r.text(7);
  m.ack = r.text(8);
  m.status = r.text(9);
  m.bundle = r.text(10);
  m.issues = r.text(11);
  m.unmappedSegments = r.text(12);
  m.identityInstruction = r.text(13);
  m.error = r.text(14);
  m.keyReused = r.integer(15) != 0;
  m.processCount = static_cast<int>(r.integer(16));
  m.receivedAt = r.integer(17);
  return m;
}

}  // namespace

std::optional<StoredMessage> SqliteStore::message(std::int64_t id) {
  std::lock_guard lock(readerMutex_);
  // Workers read every message they process: keep this statement prepared.
  if (!messageById_)
    messageById_ =
        std::make_unique<SqliteStatement>(Poco::Data::SQLite::Utility::dbHandle(*reader_),
                                          (std::string(kMessageColumns) + " WHERE id = ?").c_str());
  messageById_->bind(1, id);
  std::optional<StoredMessage> out;
  if (messageById_->step()) out = toMessage(*messageById_);
  messageById_->reset();
  return out;
}

std::vector<StoredMessage> SqliteStore::messages() {
  std::lock_guard lock(readerMutex_);
  SqliteStatement all(Poco::Data::SQLite::Utility::dbHandle(*reader_),
                      (std::string(kMessageColumns) + " ORDER BY id").c_str());
  std::vector<StoredMessage> out;
  while (all.step()) out.push_back(toMessage(all));
  return out;
}

int SqliteStore::putResource(const std::string& type, const std::string& id,
                             const std::string& json, std::int64_t nowMs) {
  int version = 0;
  ResourceWrite r{type, id, json, core::sha256Hex(json), {}};
  write([&](Writer& w) { version = putResourceIn(w, r, nowMs); });
  return version;
}

std::optional<std::vector<IndexedIdentifier>> SqliteStore::crossReference(
    const std::string& system, const std::string& value) {
  std::lock_guard lock(readerMutex_);
  if (!lookup_) lookup_ = std::make_unique<Lookup>(Poco::Data::SQLite::Utility::dbHandle(*reader_));
  Lookup& q = *lookup_;
  q.holder.bind(1, system).bind(2, value);
  std::optional<std::int64_t> patient;
  if (q.holder.step()) patient = q.holder.integer(0);
  q.holder.reset();
  if (!patient) return std::nullopt;
  for (int hops = 0; hops < 64; ++hops) {  // to the survivor
    q.mergedInto.bind(1, *patient);
    std::int64_t next = 0;
    if (q.mergedInto.step()) next = q.mergedInto.integer(0);
    q.mergedInto.reset();
    if (next == 0) break;
    patient = next;
  }
  std::vector<std::int64_t> members{*patient};  // the survivor and everything merged into it
  for (std::size_t k = 0; k < members.size() && members.size() < 1024; ++k) {
    q.mergedFrom.bind(1, members[k]);
    while (q.mergedFrom.step()) members.push_back(q.mergedFrom.integer(0));
    q.mergedFrom.reset();
  }
  std::vector<IndexedIdentifier> out;
  for (std::int64_t member : members) {
    q.identifiers.bind(1, member);
    while (q.identifiers.step())
      out.push_back({q.identifiers.text(0), q.identifiers.text(1), q.identifiers.text(2),
                     q.identifiers.text(3)});
    q.identifiers.reset();
  }
  std::sort(out.begin(), out.end(), [](const IndexedIdentifier& a, const IndexedIdentifier& b) {
    return std::tie(a.system, a.value) < std::tie(b.system, b.value);
  });
  return out;
}

StoreStats SqliteStore::stats() {
  std::lock_guard lock(readerMutex_);
  StoreStats st;
  std::vector<std::string> statuses;
  std::vector<Poco::Int64> counts;
  *reader_ << "SELECT status, COUNT(*) FROM messages GROUP BY status", into(statuses), into(counts),
      now;
  for (std::size_t i = 0; i < statuses.size(); ++i) st.messagesByStatus[statuses[i]] = counts[i];
  Poco::Int64 depth = 0, dead = 0;
  *reader_ << "SELECT COUNT(*) FROM queue WHERE state IN ('ready', 'leased')", into(depth), now;
  *reader_ << "SELECT COUNT(*) FROM queue WHERE state = 'dead'", into(dead), now;
  st.queueDepth = depth;
  st.deadLettered = dead;
  return st;
}

std::string SqliteStore::pragma(const std::string& name) {
  // Read on the writer's connection: synchronous and journal_mode are per connection.
  std::string value;
  write([&](Writer& w) {
    Session& s = w.session;
    s << "PRAGMA " + name, into(value), now;
  });
  return value;
}

bool SqliteStore::healthy() {
  if (!writerHealthy_ || failWrites_) return false;
  try {
    std::lock_guard lock(readerMutex_);
    int one = 0;
    *reader_ << "SELECT 1", into(one), now;
    return one == 1;
  } catch (const std::exception&) {
    return false;
  }
}

void SqliteStore::snapshotTo(const std::string& file) {
  // VACUUM INTO gives a consistent copy while the gateway keeps running; it cannot run inside
  // the writer's transaction, so it uses the reader connection.
  std::lock_guard lock(readerMutex_);
  *reader_ << "VACUUM INTO ?", bind(file), now;
}

}  // namespace medbridge::store
