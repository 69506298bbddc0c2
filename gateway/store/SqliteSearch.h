#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "mappings/fhir/SearchQuery.h"

namespace medbridge::store {

// Runs a FHIR search over the idx_* tables: the most selective clause drives, the others are
// checked per candidate through the tables' id index; sorted by the _sort keys, then by id.
// Returns the ids of the matching resources of q.type (not deleted).
std::vector<std::string> runSearch(sqlite3* db, const mappings::fhir::SearchQuery& q);

// Resources of `type` whose reference parameter `param` points at one of `targets` ("Type/id"):
// for _revinclude. Returns (id) of the referring resources.
std::vector<std::string> referringIds(sqlite3* db, const std::string& type,
                                      const std::string& param,
                                      const std::vector<std::string>& targets);

// The references ("Type/id") parameter `param` of resource type/id holds: for _include.
std::vector<std::string> referencesOf(sqlite3* db, const std::string& type, const std::string& id,
                                      const std::string& param);

}  // namespace medbridge::store
