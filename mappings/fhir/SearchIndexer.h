#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchParameters.h"

namespace medbridge::mappings::fhir {

enum class IndexKind { String, Token, Date, Reference, Number, Uri };

// One searchable value of a resource, as the store indexes it.
struct IndexEntry {
  std::string param;  // search parameter code
  IndexKind kind = IndexKind::String;
  std::string value;              // string: searchText form; token: code; reference: "Type/id"; uri
  std::string system;             // token: system; quantity: system|code
  std::string exact;              // string: as written (for :exact)
  std::int64_t from = 0, to = 0;  // date: covered instants (ms, inclusive)
  double low = 0, high = 0;       // number / quantity: covered range
  bool operator==(const IndexEntry&) const = default;
};

// Every index entry of a resource (meta included, so _tag, _profile and _lastUpdated work) for
// the search parameters of its type. Duplicates are removed.
std::vector<IndexEntry> indexEntries(const Value& resource,
                                     const SearchParameters& params = SearchParameters::r4());

}  // namespace medbridge::mappings::fhir
