#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/store/SqliteStatement.h"

namespace medbridge::store {

// Read-only connections for concurrent readers (WAL lets them read while the writer commits),
// each with its own cache of prepared statements.
class SqliteReaderPool {
 public:
  struct Connection {
    sqlite3* db = nullptr;
    // A prepared statement for `sql`, prepared once per connection; reset it after use.
    SqliteStatement& statement(const std::string& sql);
    std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> cache;
  };

  SqliteReaderPool(const std::string& path, int size);
  ~SqliteReaderPool();
  SqliteReaderPool(const SqliteReaderPool&) = delete;
  SqliteReaderPool& operator=(const SqliteReaderPool&) = delete;

  // Runs f(Connection&) on a free connection (waits for one).
  template <typename F>
  auto with(F&& f) {
    Lease lease(*this);
    return f(*lease.connection);
  }

 private:
  struct Lease {
    explicit Lease(SqliteReaderPool& p);
    ~Lease();
    SqliteReaderPool& pool;
    Connection* connection;
  };
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> free_;
};

}  // namespace medbridge::store
