#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace medbridge::store {

// A prepared statement on a connection that Poco::Data opened, kept for re-use: the hot paths
// (ingest, claim, complete) would otherwise prepare every statement anew for each message.
// Not thread-safe; use on the thread that owns the connection.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bindBlob(int index, std::string_view bytes);
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bindReal(int index, double value);
  // Steps once: true when a row is available. Throws std::runtime_error on errors.
  bool step();
  // Runs to completion (statements without rows).
  void run();
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  bool isNull(int column) const;
  // Resets and clears bindings for the next use.
  void reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace medbridge::store
