#include "gateway/store/SqliteStore.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Statement.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>

#include <ctime>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/store/Migrations.h"

namespace medbridge::store {
namespace {

using namespace Poco::Data::Keywords;
using Poco::Data::BLOB;
using core::Error;
using core::ErrorCode;

BLOB blobOf(const std::string& s) {
  return BLOB(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

std::string stringOf(const BLOB& b) {
  return b.size() == 0 ? std::string() : std::string(reinterpret_cast<const char*>(b.rawContent()), b.size());
}

std::string instantOf(std::int64_t ms) {
  std::time_t t = ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

Poco::Logger& log() { return Poco::Logger::get("medbridge.store.sqlite"); }

}  // namespace

SqliteStore::SqliteStore(const std::string& path, int maxBatch) : path_(path), maxBatch_(maxBatch) {
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Path parent = Poco::Path(path).parent();
  if (!parent.toString().empty()) Poco::File(parent).createDirectories();
  writer_ = std::make_unique<Session>("SQLite", path);
  std::string mode;
  *writer_ << "PRAGMA journal_mode=WAL", into(mode), now;
  *writer_ << "PRAGMA synchronous=FULL", now;
  *writer_ << "PRAGMA foreign_keys=ON", now;
  *writer_ << "PRAGMA busy_timeout=5000", now;
  migrate(*writer_);
  reader_ = std::make_unique<Session>("SQLite", path);
  *reader_ << "PRAGMA busy_timeout=5000", now;
  *reader_ << "PRAGMA synchronous=FULL", now;
  writerThread_ = std::thread([this] { writerLoop(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(jobsMutex_);
    stopping_ = true;
  }
  jobsCv_.notify_all();
  if (writerThread_.joinable()) writerThread_.join();
}

void SqliteStore::migrate(Session& s) {
  s << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", now;
  int current = 0;
  s << "SELECT COALESCE(MAX(version), 0) FROM schema_version", into(current), now;
  if (current > latestSchemaVersion())
    throw Error(ErrorCode::StoreSchemaTooNew, "store has schema " + std::to_string(current) +
                                                  ", this binary knows up to " + std::to_string(latestSchemaVersion()));
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
}

void SqliteStore::submit(Job job) {
  {
    std::lock_guard lock(jobsMutex_);
    jobs_.push_back(std::move(job));
  }
  jobsCv_.notify_one();
}

void SqliteStore::write(std::function<void(Session&)> fn) {
  auto promise = std::make_shared<std::promise<void>>();
  auto result = promise->get_future();
  submit({std::move(fn), [promise](const std::string& error) {
            if (error.empty()) promise->set_value();
            else promise->set_exception(std::make_exception_ptr(Error(ErrorCode::StoreUnavailable, error)));
          }});
  result.get();
}

void SqliteStore::writerLoop() {
  Session& s = *writer_;
  while (true) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(jobsMutex_);
      jobsCv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty() && stopping_) return;
      while (!jobs_.empty() && static_cast<int>(batch.size()) < maxBatch_) {
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    std::vector<std::string> errors(batch.size());
    std::string batchError;
    try {
      if (failWrites_) throw Error(ErrorCode::StoreUnavailable, "writes disabled (test)");
      s << "BEGIN IMMEDIATE", now;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        s << "SAVEPOINT job", now;
        try {
          batch[i].run(s);
          s << "RELEASE job", now;
        } catch (const std::exception& e) {
          errors[i] = e.what();
          s << "ROLLBACK TO job", now;
          s << "RELEASE job", now;
        }
      }
      s << "COMMIT", now;
      writerHealthy_ = true;
    } catch (const std::exception& e) {
      batchError = e.what();
      writerHealthy_ = false;
      log().error("group commit of %z writes failed: %s", batch.size(), batchError);
      try {
        s << "ROLLBACK", now;
      } catch (...) {
      }
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
  submit({[outcome, message](Session& s) {
            const InboundMessage& msg = *message;
            // A duplicate is the same sender + control id *and* the same content.
            std::vector<std::string> hashes;
            std::vector<BLOB> acks;
            std::vector<Poco::Int64> ids;
            std::string sender = msg.sender, controlId = msg.controlId;
            s << "SELECT id, content_hash, COALESCE(ack, X'') FROM messages WHERE sender = ? AND control_id = ? ORDER BY id",
                into(ids), into(hashes), into(acks), use(sender), use(controlId), now;
            for (std::size_t i = 0; i < ids.size(); ++i) {
              if (hashes[i] == msg.contentHash) {
                outcome->kind = AcceptOutcome::Kind::Duplicate;
                outcome->messageId = ids[i];
                outcome->ack = stringOf(acks[i]);
                return;
              }
            }
            int keyReused = ids.empty() || controlId.empty() ? 0 : 1;
            BLOB raw = blobOf(msg.raw), ack = blobOf(msg.ack);
            Poco::Int64 receivedAt = msg.receivedAt;
            s << "INSERT INTO messages (received_at, channel, sender, control_id, message_type, version, charset,"
                 " content_hash, raw, ack, status, key_reused, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                use(receivedAt), bind(msg.channel), use(sender), use(controlId), bind(msg.messageType),
                bind(msg.version), bind(msg.charset), bind(msg.contentHash), use(raw), use(ack), bind(msg.status),
                use(keyReused), bind(msg.error), now;
            Poco::Int64 id = 0;
            s << "SELECT last_insert_rowid()", into(id), now;
            if (msg.status == kReceived)
              s << "INSERT INTO queue (message_id, state, available_at) VALUES (?, 'ready', 0)", use(id), now;
            outcome->kind = AcceptOutcome::Kind::Stored;
            outcome->messageId = id;
            outcome->keyReused = keyReused != 0;
            outcome->ack = msg.ack;
          },
          [outcome, promise](const std::string& error) {
            if (!error.empty()) {
              outcome->kind = AcceptOutcome::Kind::Failed;
              outcome->error = error;
            }
            promise->set_value(*outcome);
          }});
  return future;
}

std::optional<QueueItem> SqliteStore::claim(const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs) {
  std::optional<QueueItem> item;
  write([&](Session& s) {
    std::vector<Poco::Int64> ids, messageIds;
    std::vector<int> attempts;
    Poco::Int64 t = nowMs;
    // Ready items that are due, and leased items whose lease ran out (their worker died).
    s << "SELECT id, message_id, attempts FROM queue WHERE (state = 'ready' AND available_at <= ?)"
         " OR (state = 'leased' AND lease_until <= ?) ORDER BY id LIMIT 1",
        into(ids), into(messageIds), into(attempts), use(t), use(t), now;
    if (ids.empty()) return;
    Poco::Int64 until = nowMs + leaseMs, id = ids[0];
    s << "UPDATE queue SET state = 'leased', lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?",
        bind(owner), use(until), use(id), now;
    item = QueueItem{ids[0], messageIds[0], attempts[0] + 1};
  });
  return item;
}

int SqliteStore::putResourceIn(Session& s, const std::string& type, const std::string& id, const std::string& json,
                               std::int64_t nowMs) {
  std::string hash = core::sha256Hex(json);
  std::vector<int> versions;
  std::vector<std::string> hashes;
  std::vector<int> deleted;
  s << "SELECT version, content_hash, deleted FROM resource_heads WHERE type = ? AND id = ?", into(versions),
      into(hashes), into(deleted), bind(type), bind(id), now;
  if (!versions.empty() && hashes[0] == hash && deleted[0] == 0) return versions[0];  // identical: no new version
  int version = versions.empty() ? 1 : versions[0] + 1;
  std::string updated = instantOf(nowMs);
  s << "INSERT INTO resource_versions (type, id, version, last_updated, deleted, json) VALUES (?,?,?,?,0,?)",
      bind(type), bind(id), use(version), use(updated), bind(json), now;
  s << "INSERT INTO resource_heads (type, id, version, content_hash, deleted) VALUES (?,?,?,?,0)"
       " ON CONFLICT(type, id) DO UPDATE SET version = excluded.version, content_hash = excluded.content_hash,"
       " deleted = 0",
      bind(type), bind(id), use(version), use(hash), now;
  return version;
}

void SqliteStore::complete(const ProcessOutcome& o, std::int64_t nowMs) {
  write([&](Session& s) {
    for (const auto& [key, json] : o.resources) {
      auto slash = key.find('/');
      putResourceIn(s, key.substr(0, slash), key.substr(slash + 1), json, nowMs);
    }
    Poco::Int64 messageId = o.messageId, itemId = o.queueItemId;
    s << "UPDATE messages SET status = ?, bundle = ?, issues = ?, unmapped_segments = ?, identity_instruction = ?,"
         " error = ?, process_count = process_count + 1 WHERE id = ?",
        bind(o.status), bind(o.bundle), bind(o.issues), bind(o.unmappedSegments), bind(o.identityInstruction),
        bind(o.error), use(messageId), now;
    s << "UPDATE queue SET state = 'done', lease_owner = '', lease_until = 0 WHERE id = ?", use(itemId), now;
  });
}

void SqliteStore::retryAt(std::int64_t queueItemId, std::int64_t atMs, const std::string& error) {
  write([&](Session& s) {
    Poco::Int64 id = queueItemId, at = atMs;
    s << "UPDATE queue SET state = 'ready', available_at = ?, last_error = ?, lease_owner = '', lease_until = 0"
         " WHERE id = ?",
        use(at), bind(error), use(id), now;
  });
}

void SqliteStore::deadLetter(std::int64_t queueItemId, const std::string& error) {
  write([&](Session& s) {
    Poco::Int64 id = queueItemId;
    s << "UPDATE queue SET state = 'dead', last_error = ?, lease_owner = '', lease_until = 0 WHERE id = ?",
        bind(error), use(id), now;
    s << "UPDATE messages SET status = ?, error = ? WHERE id = (SELECT message_id FROM queue WHERE id = ?)",
        bind(std::string(kDeadLettered)), bind(error), use(id), now;
  });
}

int SqliteStore::releaseLeases() {
  int released = 0;
  write([&](Session& s) {
    s << "UPDATE queue SET state = 'ready', lease_owner = '', lease_until = 0 WHERE state = 'leased'", now;
    s << "SELECT changes()", into(released), now;
  });
  return released;
}

namespace {

using Row = Poco::Tuple<Poco::Int64, std::string, std::string, std::string, std::string, std::string, std::string,
                        BLOB, BLOB, std::string, std::string, std::string, std::string, std::string, std::string,
                        int, int, Poco::Int64>;

constexpr const char* kMessageColumns =
    "SELECT id, channel, sender, control_id, message_type, charset, content_hash, COALESCE(raw, X''),"
    " COALESCE(ack, X''), status, bundle, issues,"
    " unmapped_segments, identity_instruction, error, key_reused, process_count, received_at FROM messages";

StoredMessage toMessage(const Row& r) {
  StoredMessage m;
  m.id = r.get<0>();
  m.channel = r.get<1>();
  m.sender = r.get<2>();
  m.controlId = r.get<3>();
  m.messageType = r.get<4>();
  m.charset = r.get<5>();
  m.contentHash = r.get<6>();
  m.raw = stringOf(r.get<7>());
  m.ack = stringOf(r.get<8>());
  m.status = r.get<9>();
  m.bundle = r.get<10>();
  m.issues = r.get<11>();
  m.unmappedSegments = r.get<12>();
  m.identityInstruction = r.get<13>();
  m.error = r.get<14>();
  m.keyReused = r.get<15>() != 0;
  m.processCount = r.get<16>();
  m.receivedAt = r.get<17>();
  return m;
}

}  // namespace

std::optional<StoredMessage> SqliteStore::message(std::int64_t id) {
  std::lock_guard lock(readerMutex_);
  std::vector<Row> rows;
  Poco::Int64 key = id;
  *reader_ << std::string(kMessageColumns) + " WHERE id = ?", into(rows), use(key), now;
  if (rows.empty()) return std::nullopt;
  return toMessage(rows[0]);
}

std::vector<StoredMessage> SqliteStore::messages() {
  std::lock_guard lock(readerMutex_);
  std::vector<Row> rows;
  *reader_ << std::string(kMessageColumns) + " ORDER BY id", into(rows), now;
  std::vector<StoredMessage> out;
  for (const auto& r : rows) out.push_back(toMessage(r));
  return out;
}

std::optional<ResourceVersion> SqliteStore::readResource(const std::string& type, const std::string& id) {
  std::lock_guard lock(readerMutex_);
  std::vector<int> versions, deleted;
  std::vector<std::string> json, updated;
  *reader_ << "SELECT v.version, v.last_updated, v.deleted, v.json FROM resource_heads h JOIN resource_versions v"
              " ON v.type = h.type AND v.id = h.id AND v.version = h.version WHERE h.type = ? AND h.id = ?",
      into(versions), into(updated), into(deleted), into(json), bind(type), bind(id), now;
  if (versions.empty()) return std::nullopt;
  return ResourceVersion{type, id, json[0], updated[0], versions[0], deleted[0] != 0};
}

std::vector<ResourceVersion> SqliteStore::history(const std::string& type, const std::string& id) {
  std::lock_guard lock(readerMutex_);
  std::vector<int> versions, deleted;
  std::vector<std::string> json, updated;
  *reader_ << "SELECT version, last_updated, deleted, json FROM resource_versions WHERE type = ? AND id = ?"
              " ORDER BY version",
      into(versions), into(updated), into(deleted), into(json), bind(type), bind(id), now;
  std::vector<ResourceVersion> out;
  for (std::size_t i = 0; i < versions.size(); ++i)
    out.push_back({type, id, json[i], updated[i], versions[i], deleted[i] != 0});
  return out;
}

int SqliteStore::putResource(const std::string& type, const std::string& id, const std::string& json,
                             std::int64_t nowMs) {
  int version = 0;
  write([&](Session& s) { version = putResourceIn(s, type, id, json, nowMs); });
  return version;
}

StoreStats SqliteStore::stats() {
  std::lock_guard lock(readerMutex_);
  StoreStats st;
  std::vector<std::string> statuses;
  std::vector<Poco::Int64> counts;
  *reader_ << "SELECT status, COUNT(*) FROM messages GROUP BY status", into(statuses), into(counts), now;
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
  write([&](Session& s) {
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
