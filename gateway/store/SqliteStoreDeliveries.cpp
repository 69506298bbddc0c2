// SqliteStore's queue of changes for the regional platform, and the gateway's small settings.
#include "gateway/store/SqliteStore.h"
#include "gateway/store/SqliteStoreWriter.h"

namespace medbridge::store {

void SqliteStore::routeChanges(DeliveryRouter router) {
  write([router](Writer& w) { w.router = router; });
}

std::vector<Delivery> SqliteStore::deliveries(const DeliveryFilter& filter) {
  // Only the conditions asked for, so that the (destination, state, id) index serves the
  // sender's scan of what is pending instead of a walk over everything already sent.
  std::string sql =
      "SELECT id, destination, patient, seq, resource_type, resource_id, version, state,"
      " attempts, available_at, last_error, created_at, version_seq FROM deliveries WHERE id > ?";
  if (filter.destination) sql += " AND destination = ?";
  if (!filter.state.empty()) sql += " AND state = ?";
  sql += " ORDER BY id LIMIT ?";
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(sql);
    int n = 1;
    st.bind(n++, filter.afterId);
    if (filter.destination) st.bind(n++, *filter.destination);
    if (!filter.state.empty()) st.bind(n++, filter.state);
    st.bind(n, static_cast<std::int64_t>(filter.limit));
    std::vector<Delivery> out;
    while (st.step())
      out.push_back({st.integer(0), st.text(1), st.text(2), st.integer(3), st.text(4), st.text(5),
                     static_cast<int>(st.integer(6)), st.text(7), static_cast<int>(st.integer(8)),
                     st.integer(9), st.text(10), st.integer(11), st.integer(12)});
    st.reset();
    return out;
  });
}

std::vector<std::optional<ResourceVersion>> SqliteStore::deliveredVersions(
    const std::vector<Delivery>& batch) {
  std::vector<std::optional<ResourceVersion>> out(batch.size());
  readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT version, last_updated, deleted, json FROM resource_versions WHERE seq = ?");
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].versionSeq == 0) continue;
      st.bind(1, batch[i].versionSeq);
      if (st.step())
        out[i] = ResourceVersion{batch[i].type,
                                 batch[i].resourceId,
                                 st.text(3),
                                 st.text(1),
                                 static_cast<int>(st.integer(0)),
                                 st.integer(2) != 0};
      st.reset();
    }
    return 0;
  });
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (batch[i].versionSeq == 0)
      out[i] = readVersion(batch[i].type, batch[i].resourceId, batch[i].version);
  return out;
}

void SqliteStore::finishDeliveries(const std::vector<DeliveryOutcome>& outcomes) {
  write([&](Writer& w) {
    SqliteStatement update{w.db,
                           "UPDATE deliveries SET state = ?, available_at = ?, last_error = ?,"
                           " attempts = attempts + ? WHERE id = ?"};
    for (const auto& o : outcomes)
      update.bind(1, o.state)
          .bind(2, o.availableAt)
          .bind(3, o.error)
          .bind(4, static_cast<std::int64_t>(o.attempted))
          .bind(5, o.id)
          .run();
  });
}

DeliveryStats SqliteStore::deliveryStats(const std::optional<std::string>& destination) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    DeliveryStats stats;
    for (const char* state : {"pending", "sent", "dead", "discarded"}) {
      auto& count =
          c.statement(destination ? "SELECT COUNT(*) FROM deliveries WHERE destination = ?"
                                    " AND state = ?"
                                  : "SELECT COUNT(*) FROM deliveries WHERE state = ?");
      int n = 1;
      if (destination) count.bind(n++, *destination);
      count.bind(n, std::string(state));
      if (count.step() && count.integer(0) > 0) stats.byState[state] = count.integer(0);
      count.reset();
    }
    auto& oldest = c.statement(destination ? "SELECT created_at FROM deliveries WHERE destination"
                                             " = ? AND state = 'pending' ORDER BY id LIMIT 1"
                                           : "SELECT created_at FROM deliveries WHERE state ="
                                             " 'pending' ORDER BY id LIMIT 1");
    if (destination) oldest.bind(1, *destination);
    if (oldest.step()) stats.oldestPendingCreatedAt = oldest.integer(0);
    oldest.reset();
    return stats;
  });
}

namespace {

int changeDead(sqlite3* db, const std::vector<std::int64_t>& ids, const char* sql) {
  SqliteStatement update{db, sql};
  int changed = 0;
  for (auto id : ids) {
    update.bind(1, id).run();
    changed += sqlite3_changes(db);
  }
  return changed;
}

}  // namespace

int SqliteStore::requeueDeliveries(const std::vector<std::int64_t>& ids) {
  int changed = 0;
  write([&](Writer& w) {
    changed = changeDead(w.db, ids,
                         "UPDATE deliveries SET state = 'pending', available_at = 0"
                         " WHERE id = ? AND state = 'dead'");
  });
  return changed;
}

int SqliteStore::discardDeliveries(const std::vector<std::int64_t>& ids) {
  int changed = 0;
  write([&](Writer& w) {
    changed = changeDead(
        w.db, ids, "UPDATE deliveries SET state = 'discarded' WHERE id = ? AND state = 'dead'");
  });
  return changed;
}

std::string SqliteStore::setting(const std::string& name) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement("SELECT value FROM settings WHERE name = ?");
    st.bind(1, name);
    std::string value = st.step() ? st.text(0) : "";
    st.reset();
    return value;
  });
}

void SqliteStore::putSetting(const std::string& name, const std::string& value) {
  write([&](Writer& w) {
    SqliteStatement put{w.db,
                        "INSERT INTO settings(name, value) VALUES(?, ?)"
                        " ON CONFLICT(name) DO UPDATE SET value = excluded.value"};
    put.bind(1, name).bind(2, value).run();
  });
}

}  // namespace medbridge::store
