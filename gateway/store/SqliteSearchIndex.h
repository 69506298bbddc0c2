#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/store/SqliteStatement.h"
#include "mappings/fhir/SearchIndexer.h"

namespace medbridge::store {

// The _lastUpdated entry of a version written at `instant` (the store indexes it for every
// version); nullopt when the instant cannot be read.
std::optional<mappings::fhir::IndexEntry> lastUpdatedEntry(const std::string& instant);

// Writes and removes a resource's rows in the idx_* search tables (migration 3), on the writer's
// connection inside its transaction.
class SqliteSearchIndex {
 public:
  explicit SqliteSearchIndex(sqlite3* db);
  // Replaces the entries of the resource with key rk (none for a deleted resource).
  void replace(const std::string& type, std::int64_t rk,
               const std::vector<mappings::fhir::IndexEntry>& entries, bool existed);

 private:
  SqliteStatement insertString_, insertToken_, insertDate_, insertReference_, insertNumber_,
      insertUri_;
  std::vector<std::unique_ptr<SqliteStatement>> remove_;
};

}  // namespace medbridge::store
