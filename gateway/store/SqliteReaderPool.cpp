#include "gateway/store/SqliteReaderPool.h"

#include <stdexcept>

namespace medbridge::store {

SqliteStatement& SqliteReaderPool::Connection::statement(const std::string& sql) {
  auto it = cache.find(sql);
  if (it == cache.end())
    it = cache.emplace(sql, std::make_unique<SqliteStatement>(db, sql.c_str())).first;
  return *it->second;
}

SqliteReaderPool::SqliteReaderPool(const std::string& path, int size) {
  for (int i = 0; i < size; ++i) {
    auto c = std::make_unique<Connection>();
    if (sqlite3_open_v2(path.c_str(), &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string error = c->db ? sqlite3_errmsg(c->db) : "out of memory";
      sqlite3_close(c->db);
      throw std::runtime_error("cannot open " + path + " for reading: " + error);
    }
    sqlite3_busy_timeout(c->db, 5000);
    sqlite3_exec(c->db, "PRAGMA query_only=1", nullptr, nullptr, nullptr);
    free_.push_back(c.get());
    all_.push_back(std::move(c));
  }
}

SqliteReaderPool::~SqliteReaderPool() {
  for (auto& c : all_) {
    c->cache.clear();
    sqlite3_close(c->db);
  }
}

SqliteReaderPool::Lease::Lease(SqliteReaderPool& p) : pool(p) {
  std::unique_lock lock(pool.mutex_);
  pool.available_.wait(lock, [&] { return !pool.free_.empty(); });
  connection = pool.free_.back();
  pool.free_.pop_back();
}

SqliteReaderPool::Lease::~Lease() {
  {
    std::lock_guard lock(pool.mutex_);
    pool.free_.push_back(connection);
  }
  pool.available_.notify_one();
}

}  // namespace medbridge::store
