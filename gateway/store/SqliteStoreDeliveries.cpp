// SqliteStore's queue of changes for the regional platform, and the gateway's small settings.
#include "gateway/store/SqliteStore.h"
#include "gateway/store/SqliteStoreWriter.h"

namespace medbridge::store {

void SqliteStore::routeChanges(DeliveryRouter router) {
  write([router](Writer& w) { w.router = router; });
}

std::vector<Delivery> SqliteStore::deliveries(const DeliveryFilter& filter) {
  return readers_->with([&](SqliteReaderPool::Connection& c) {
    auto& st = c.statement(
        "SELECT id, destination, patient, seq, resource_type, resource_id, version, state,"
        " attempts, available_at, last_error, created_at FROM deliveries"
        " WHERE (?1 OR destination = ?2) AND (?3 = '' OR state = ?3) AND id > ?4"
        " ORDER BY id LIMIT ?5");
    st.bind(1, static_cast<std::int64_t>(!filter.destination))
        .bind(2, filter.destination.value_or(""))
        .bind(3, filter.state)
        .bind(4, filter.afterId)
        .bind(5, static_cast<std::int64_t>(filter.limit));
    std::vector<Delivery> out;
    while (st.step())
      out.push_back({st.integer(0), st.text(1), st.text(2), st.integer(3), st.text(4), st.text(5),
                     static_cast<int>(st.integer(6)), st.text(7), static_cast<int>(st.integer(8)),
                     st.integer(9), st.text(10), st.integer(11)});
    st.reset();
    return out;
  });
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
    auto& byState = c.statement(
        "SELECT state, COUNT(*) FROM deliveries WHERE ?1 OR destination = ?2 GROUP BY state");
    byState.bind(1, static_cast<std::int64_t>(!destination)).bind(2, destination.value_or(""));
    while (byState.step()) stats.byState[byState.text(0)] = byState.integer(1);
    byState.reset();
    auto& oldest = c.statement(
        "SELECT created_at FROM deliveries WHERE state = 'pending' AND (?1 OR destination = ?2)"
        " ORDER BY id LIMIT 1");
    oldest.bind(1, static_cast<std::int64_t>(!destination)).bind(2, destination.value_or(""));
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
    changed = changeDead(w.db, ids,
                         "UPDATE deliveries SET state = 'discarded' WHERE id = ? AND state = 'dead'");
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
