#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mappings/fhir/SearchIndexer.h"
#include "mappings/fhir/SearchParameters.h"

namespace medbridge::mappings::fhir {

// One alternative of a search parameter's value (a comma separates alternatives: OR).
struct SearchValue {
  std::string prefix = "eq";      // date / number / quantity: eq ne gt lt ge le sa eb ap
  std::string value;              // string: searchText form (or as written for :exact); token code;
                                  // uri; quantity code
  std::string system;             // token / quantity system
  bool hasSystem = false;         // "system|code" or "|code" was given
  std::int64_t from = 0, to = 0;  // date: the instants the search value covers
  double low = 0, high = 0;       // number / quantity
  std::vector<std::string> references;  // reference: candidate "Type/id" values
};

// One search parameter (all alternatives ORed); clauses of a query are ANDed.
struct SearchClause {
  std::string param;
  IndexKind kind = IndexKind::String;
  std::string modifier;  // "", exact, contains, not, missing, below, above, text
  bool missing = false;  // with :missing
  std::vector<SearchValue> anyOf;
  // A chain (subject:Patient.identifier=...): references to `chainType` resources matching this.
  std::string chainType;
  std::shared_ptr<SearchClause> chained;
};

struct SortKey {
  std::string param;  // a search parameter code, or _id / _lastUpdated
  IndexKind kind = IndexKind::String;
  bool descending = false;
};

struct IncludeSpec {
  std::string sourceType, param, targetType;  // Observation:subject[:Patient]
};

struct SearchQuery {
  std::string type;
  std::vector<SearchClause> clauses;
  std::vector<SortKey> sort;
  std::vector<IncludeSpec> includes, revIncludes;
  int count = 20;
  bool summaryCount = false;
  std::vector<std::string> ignored;  // unknown or unsupported parameters (warnings)
};

// A search request that cannot be understood (400 with an OperationOutcome).
struct SearchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses a type-level search's parameters against the type's search parameter definitions.
// Unknown parameters are listed in `ignored`, or refused when `strict` (Prefer: handling=strict).
// `base` is this server's FHIR base URL, stripped from absolute references.
SearchQuery parseSearch(const std::string& type,
                        const std::vector<std::pair<std::string, std::string>>& params, bool strict,
                        const std::string& base = "",
                        const SearchParameters& definitions = SearchParameters::r4());

}  // namespace medbridge::mappings::fhir
