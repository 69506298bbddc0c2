#include "gateway/store/SqliteSearchIndex.h"

#include "mappings/fhir/SearchValues.h"

namespace medbridge::store {

using mappings::fhir::IndexKind;

std::optional<mappings::fhir::IndexEntry> lastUpdatedEntry(const std::string& instant) {
  auto range = mappings::fhir::dateRange(instant);
  if (!range) return std::nullopt;
  mappings::fhir::IndexEntry e;
  e.param = "_lastUpdated";
  e.kind = IndexKind::Date;
  e.from = range->from;
  e.to = range->to;
  return e;
}

SqliteSearchIndex::SqliteSearchIndex(sqlite3* db)
    : insertString_(db,
                    "INSERT INTO idx_string (type, param, value, exact, rk) VALUES (?,?,?,?,?)"),
      insertToken_(db, "INSERT INTO idx_token (type, param, value, system, rk) VALUES (?,?,?,?,?)"),
      insertDate_(db, "INSERT INTO idx_date (type, param, lo, hi, rk) VALUES (?,?,?,?,?)"),
      insertReference_(db, "INSERT INTO idx_reference (type, param, value, rk) VALUES (?,?,?,?)"),
      insertNumber_(
          db, "INSERT INTO idx_number (type, param, lo, hi, system, rk) VALUES (?,?,?,?,?,?)"),
      insertUri_(db, "INSERT INTO idx_uri (type, param, value, rk) VALUES (?,?,?,?)") {
  for (const char* table :
       {"idx_string", "idx_token", "idx_date", "idx_reference", "idx_number", "idx_uri"}) {
    std::string sql = std::string("DELETE FROM ") + table + " WHERE rk = ?";
    remove_.push_back(std::make_unique<SqliteStatement>(db, sql.c_str()));
  }
}

void SqliteSearchIndex::replace(const std::string& type, std::int64_t rk,
                                const std::vector<mappings::fhir::IndexEntry>& entries,
                                bool existed) {
  if (existed)
    for (auto& remove : remove_) remove->bind(1, rk).run();
  for (const auto& e : entries) {
    if (e.param == "_id") continue;  // resource_heads answers _id
    switch (e.kind) {
      case IndexKind::String:
        insertString_.bind(1, type).bind(2, e.param).bind(3, e.value).bind(4, e.exact).bind(5, rk);
        insertString_.run();
        break;
      case IndexKind::Token:
        insertToken_.bind(1, type).bind(2, e.param).bind(3, e.value).bind(4, e.system).bind(5, rk);
        insertToken_.run();
        break;
      case IndexKind::Date:
        insertDate_.bind(1, type).bind(2, e.param).bind(3, e.from).bind(4, e.to).bind(5, rk);
        insertDate_.run();
        break;
      case IndexKind::Reference:
        insertReference_.bind(1, type).bind(2, e.param).bind(3, e.value).bind(4, rk);
        insertReference_.run();
        break;
      case IndexKind::Number:
        insertNumber_.bind(1, type).bind(2, e.param).bindReal(3, e.low).bindReal(4, e.high);
        insertNumber_.bind(5, e.system).bind(6, rk);
        insertNumber_.run();
        break;
      case IndexKind::Uri:
        insertUri_.bind(1, type).bind(2, e.param).bind(3, e.value).bind(4, rk);
        insertUri_.run();
        break;
    }
  }
}

}  // namespace medbridge::store
