#include "gateway/store/SqliteSearch.h"

#include <algorithm>
#include <cmath>
#include <variant>

#include "gateway/store/SqliteStatement.h"
#include "mappings/fhir/SearchValues.h"

namespace medbridge::store {
namespace {

using mappings::fhir::IndexKind;
using mappings::fhir::SearchClause;
using mappings::fhir::SearchQuery;
using mappings::fhir::SearchValue;

using Bind = std::variant<std::string, std::int64_t, double>;

const char* tableOf(IndexKind k) {
  switch (k) {
    case IndexKind::String:
      return "idx_string";
    case IndexKind::Token:
      return "idx_token";
    case IndexKind::Date:
      return "idx_date";
    case IndexKind::Reference:
      return "idx_reference";
    case IndexKind::Number:
      return "idx_number";
    case IndexKind::Uri:
      return "idx_uri";
  }
  return "";
}

// Builds SQL text and its bindings in step (each "?" appended in the order it is bound:
// operands of one `+` expression are evaluated in no fixed order).
struct Sql {
  std::vector<Bind>& binds;
  std::string text;
  Sql& operator<<(const char* s) {
    text += s;
    return *this;
  }
  Sql& operator<<(const std::string& s) {
    text += s;
    return *this;
  }
  Sql& bind(Bind b) {
    binds.push_back(std::move(b));
    text += "?";
    return *this;
  }
};

// Range comparison of a stored [lo, hi] against a search value [from, to] per FHIR's prefixes.
template <typename T>
std::string rangeCondition(const std::string& prefix, T from, T to, T slack,
                           std::vector<Bind>& binds) {
  Sql q{binds, ""};
  if (prefix == "ne") {
    q << "NOT (lo >= ";
    q.bind(from) << " AND hi <= ";
    q.bind(to) << ")";
  } else if (prefix == "gt") {
    q << "hi > ";
    q.bind(to);
  } else if (prefix == "lt") {
    q << "lo < ";
    q.bind(from);
  } else if (prefix == "ge") {
    q << "hi >= ";
    q.bind(from);
  } else if (prefix == "le") {
    q << "lo <= ";
    q.bind(to);
  } else if (prefix == "sa") {
    q << "lo > ";
    q.bind(to);
  } else if (prefix == "eb") {
    q << "hi < ";
    q.bind(from);
  } else if (prefix == "ap") {
    q << "lo <= ";
    q.bind(to + slack) << " AND hi >= ";
    q.bind(from - slack);
  } else {
    // lo <= to follows from hi <= to; said outright, it bounds the index range on lo.
    q << "lo >= ";
    q.bind(from) << " AND lo <= ";
    q.bind(to) << " AND hi <= ";
    q.bind(to);
  }
  return q.text;
}

// The condition one value puts on a row of the clause's table.
std::string valueCondition(const SearchClause& c, const SearchValue& v, std::vector<Bind>& binds) {
  Sql q{binds, ""};
  switch (c.kind) {
    case IndexKind::String:
      if (c.modifier == "exact") {
        q << "value = ";
        q.bind(mappings::fhir::searchText(v.value)) << " AND exact = ";
        q.bind(v.value);
      } else if (c.modifier == "contains") {
        q << "instr(value, ";
        q.bind(v.value) << ") > 0";
      } else {
        q << "value >= ";
        q.bind(v.value) << " AND value < ";
        q.bind(v.value + "\xff");
      }
      return q.text;
    case IndexKind::Token:
      if (!v.value.empty()) {
        q << "value = ";
        q.bind(v.value);
      }
      if (v.hasSystem) {
        q << (q.text.empty() ? "system = " : " AND system = ");
        q.bind(v.system);
      }
      return q.text.empty() ? "1" : q.text;
    case IndexKind::Date: {
      std::int64_t slack = std::max<std::int64_t>((v.to - v.from) / 10, 86400000);
      return rangeCondition<std::int64_t>(v.prefix, v.from, v.to, slack, binds);
    }
    case IndexKind::Number: {
      double slack = std::fabs((v.low + v.high) / 2) * 0.1;
      q << rangeCondition<double>(v.prefix, v.low, v.high, slack, binds);
      if (v.hasSystem && !v.system.empty()) {
        q << " AND system = ";
        q.bind(v.system + "|" + v.value);
      } else if (v.hasSystem) {
        q << " AND system LIKE ";
        q.bind("%|" + v.value);
      }
      return q.text;
    }
    case IndexKind::Reference:
      if (v.references.empty()) return "0";
      q << "value IN (";
      for (std::size_t i = 0; i < v.references.size(); ++i) {
        if (i > 0) q << ", ";
        q.bind(v.references[i]);
      }
      q << ")";
      return q.text;
    case IndexKind::Uri:
      if (c.modifier == "below") {
        q << "value >= ";
        q.bind(v.value) << " AND value < ";
        q.bind(v.value + "\xff");
      } else {
        q << "value = ";
        q.bind(v.value);
      }
      return q.text;
  }
  return "0";
}

std::string standalone(const std::string& type, const SearchClause& c, std::vector<Bind>& binds);

// A chain to Patient.identifier with system|value also reaches, through the master patient
// index, every FHIR Patient of the same person: those linked to the same master patient (the
// same national ID from another hospital) and those merged into it or it into.
bool reachesLinkedPatients(const SearchClause& c) {
  if (c.chainType != "Patient" || c.chained->param != "identifier" || !c.chained->modifier.empty())
    return false;
  for (const auto& v : c.chained->anyOf)
    if (v.system.empty() || v.value.empty()) return false;
  return true;
}

// "Patient/<id>" of the FHIR Patients of the master patients holding the clause's identifiers.
std::string linkedPatients(const SearchClause& identifier, std::vector<Bind>& binds) {
  Sql q{binds, "SELECT 'Patient/' || resource_id FROM mpi_identifiers WHERE resource_id != ''"};
  q << " AND patient_id IN (WITH RECURSIVE up(p) AS (SELECT patient_id FROM mpi_identifiers"
       " WHERE ";
  for (std::size_t i = 0; i < identifier.anyOf.size(); ++i) {
    q << (i == 0 ? "(system = " : " OR (system = ");
    q.bind(identifier.anyOf[i].system) << " AND value = ";
    q.bind(identifier.anyOf[i].value) << ")";
  }
  q << " UNION SELECT merged_into FROM mpi_patients JOIN up ON id = up.p"
       " WHERE merged_into IS NOT NULL),"
       " down(p) AS (SELECT id FROM mpi_patients WHERE id IN (SELECT p FROM up) AND merged_into"
       " IS NULL UNION SELECT id FROM mpi_patients JOIN down ON merged_into = down.p)"
       " SELECT p FROM down)";
  return q.text;
}

// The OR of the clause's values (or its chain) on rows of its table.
std::string anyCondition(const SearchClause& c, std::vector<Bind>& binds) {
  if (c.chained) {
    std::vector<Bind> inner;
    std::string sub = standalone(c.chainType, *c.chained, inner);
    binds.emplace_back(c.chainType + "/");
    std::string cond = "value IN (SELECT ? || h.id FROM (" + sub +
                       ") m JOIN resource_heads h INDEXED BY resource_heads_rk ON h.rk = m.rk";
    for (auto& x : inner) binds.push_back(std::move(x));
    if (reachesLinkedPatients(c)) cond += " UNION " + linkedPatients(*c.chained, binds);
    return cond + ")";
  }
  std::string any;
  for (const auto& v : c.anyOf)
    any += (any.empty() ? "(" : " OR (") + valueCondition(c, v, binds) + ")";
  return any.empty() ? "0" : any;
}

bool negated(const SearchClause& c) {
  return c.modifier == "not" || (c.modifier == "missing" && c.missing);
}

// _id is answered by resource_heads itself: "id IN (...)".
std::string idCondition(const SearchClause& c, std::vector<Bind>& binds) {
  Sql q{binds, "id IN ("};
  for (std::size_t i = 0; i < c.anyOf.size(); ++i) {
    if (i > 0) q << ", ";
    q.bind(c.anyOf[i].value);
  }
  q << ")";
  return q.text;
}

// Keys (rk) of the resources with such a value, ignoring negation.
std::string positive(const std::string& type, const SearchClause& c, std::vector<Bind>& binds) {
  binds.emplace_back(type);
  if (c.param == "_id")
    return "SELECT rk FROM resource_heads WHERE type = ? AND deleted = 0 AND " +
           idCondition(c, binds);
  binds.emplace_back(c.param);
  std::string sql =
      std::string("SELECT rk FROM ") + tableOf(c.kind) + " WHERE type = ? AND param = ?";
  if (c.modifier != "missing") sql += " AND (" + anyCondition(c, binds) + ")";
  return sql;
}

std::string standalone(const std::string& type, const SearchClause& c, std::vector<Bind>& binds) {
  if (!negated(c)) return positive(type, c, binds);
  binds.emplace_back(type);
  std::string sql = "SELECT rk FROM resource_heads WHERE type = ? AND deleted = 0 AND rk NOT IN (";
  return sql + positive(type, c, binds) + ")";
}

// EXISTS / NOT EXISTS of the clause for the candidate d, through the tables' rk index.
std::string correlated(const std::string& type, const SearchClause& c, std::vector<Bind>& binds) {
  std::string exists = negated(c) ? "NOT EXISTS" : "EXISTS";
  if (c.param == "_id")
    return exists + " (SELECT 1 FROM resource_heads x INDEXED BY resource_heads_rk WHERE x.rk = " +
           "d.rk AND x." + idCondition(c, binds) + ")";
  binds.emplace_back(c.param);
  binds.emplace_back(type);
  std::string sql = exists + " (SELECT 1 FROM " + tableOf(c.kind) + " x INDEXED BY " +
                    tableOf(c.kind) + "_rk WHERE x.rk = d.rk AND x.param = ? AND x.type = ?";
  if (c.modifier != "missing") sql += " AND (" + anyCondition(c, binds) + ")";
  return sql + ")";
}

// Lower is more selective: equality lookups drive, open ranges and negations follow.
int rank(const SearchClause& c) {
  if (negated(c) || c.modifier == "missing") return 9;
  if (c.modifier == "contains") return 6;
  switch (c.kind) {
    case IndexKind::Reference:
      return 0;
    case IndexKind::Token:
      return 1;
    case IndexKind::Uri:
      return 2;
    case IndexKind::String:
      return 3;
    case IndexKind::Date:
      return 4;
    case IndexKind::Number:
      return 5;
  }
  return 9;
}

// With a string clause driving (names match hundreds or thousands of Patients), a clause whose
// matches form one short index range (a date equal to a day or less) is read once and each
// candidate looked up among its keys, instead of one random index read per candidate: name +
// birth date over millions of Patients. Behind a reference or token (patient=, identifier=),
// which match few, the per-candidate check stays cheaper than reading a whole day.
bool narrow(const SearchClause& driving, const SearchClause& c) {
  if (driving.kind != IndexKind::String || c.kind != IndexKind::Date || !c.modifier.empty() ||
      c.chained)
    return false;
  for (const auto& v : c.anyOf)
    if (v.prefix != "eq" || v.to - v.from >= 86'400'000) return false;
  return !c.anyOf.empty();
}

void bindAll(SqliteStatement& st, const std::vector<Bind>& binds) {
  for (std::size_t i = 0; i < binds.size(); ++i) {
    int at = static_cast<int>(i + 1);
    if (auto s = std::get_if<std::string>(&binds[i]))
      st.bind(at, *s);
    else if (auto n = std::get_if<std::int64_t>(&binds[i]))
      st.bind(at, *n);
    else
      st.bindReal(at, std::get<double>(binds[i]));
  }
}

}  // namespace

std::vector<std::string> runSearch(sqlite3* db, const SearchQuery& q) {
  std::vector<Bind> binds;
  std::vector<const SearchClause*> clauses;
  for (const auto& c : q.clauses) clauses.push_back(&c);
  std::stable_sort(
      clauses.begin(), clauses.end(),
      [](const SearchClause* a, const SearchClause* b) { return rank(*a) < rank(*b); });
  // The matching keys, then their ids through resource_heads' rk index.
  std::string sql;
  if (clauses.empty()) {
    binds.emplace_back(q.type);
    sql = "SELECT h.id FROM resource_heads h WHERE h.type = ? AND h.deleted = 0";
  } else {
    std::string keys =
        "SELECT DISTINCT d.rk FROM (" + standalone(q.type, *clauses[0], binds) + ") d";
    for (std::size_t i = 1; i < clauses.size(); ++i)
      keys += (i == 1 ? " WHERE " : " AND ") +
              (narrow(*clauses[0], *clauses[i])
                   ? "d.rk IN (" + standalone(q.type, *clauses[i], binds) + ")"
                   : correlated(q.type, *clauses[i], binds));
    sql = "SELECT h.id FROM (" + keys +
          ") m JOIN resource_heads h INDEXED BY resource_heads_rk ON h.rk = m.rk WHERE "
          "h.deleted = 0";
  }
  std::string order;
  for (const auto& k : q.sort) {
    binds.emplace_back(k.param);
    binds.emplace_back(q.type);
    std::string column = k.kind == IndexKind::Date || k.kind == IndexKind::Number
                             ? (k.descending ? "MAX(hi)" : "MIN(lo)")
                             : (k.descending ? "MAX(value)" : "MIN(value)");
    order += std::string("(SELECT ") + column + " FROM " + tableOf(k.kind) + " s INDEXED BY " +
             tableOf(k.kind) + "_rk WHERE s.rk = h.rk AND s.param = ? AND s.type = ?)" +
             (k.descending ? " DESC NULLS LAST" : " ASC NULLS LAST") + ", ";
  }
  sql += " ORDER BY " + order + "h.id";
  SqliteStatement st(db, sql.c_str());
  bindAll(st, binds);
  std::vector<std::string> ids;
  while (st.step()) ids.push_back(st.text(0));
  return ids;
}

std::vector<std::string> referringIds(sqlite3* db, const std::string& type,
                                      const std::string& param,
                                      const std::vector<std::string>& targets) {
  std::vector<std::string> out;
  SqliteStatement st(db,
                     "SELECT DISTINCT h.id FROM idx_reference r JOIN resource_heads h INDEXED BY "
                     "resource_heads_rk ON h.rk = r.rk WHERE r.type = ? AND r.param = ? AND "
                     "r.value = ? AND h.deleted = 0");
  for (const auto& t : targets) {
    st.bind(1, type).bind(2, param).bind(3, t);
    while (st.step()) out.push_back(st.text(0));
    st.reset();
  }
  return out;
}

std::vector<std::string> referencesOf(sqlite3* db, const std::string& type, const std::string& id,
                                      const std::string& param) {
  std::vector<std::string> out;
  SqliteStatement st(
      db,
      "SELECT r.value FROM resource_heads h JOIN idx_reference r INDEXED BY "
      "idx_reference_rk ON r.rk = h.rk AND r.param = ? WHERE h.type = ? AND h.id = ?");
  st.bind(1, param).bind(2, type).bind(3, id);
  while (st.step()) out.push_back(st.text(0));
  return out;
}

}  // namespace medbridge::store
