#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mappings/fhir/SearchQuery.h"

namespace medbridge::fhir {

// The result of a search, kept so that its next/previous pages show the same matches however
// the resources change meanwhile (the ids are fixed; each page reads their current versions).
struct SearchSnapshot {
  std::string id;
  mappings::fhir::SearchQuery query;
  std::string selfQuery;  // the original query string, for links
  std::vector<std::string> ids;
};

// Recent search results in memory (least recently used dropped first, expired after ttl).
class SearchPages {
 public:
  explicit SearchPages(std::size_t capacity = 1000,
                       std::chrono::seconds ttl = std::chrono::seconds(1800))
      : capacity_(capacity), ttl_(ttl) {}
  std::shared_ptr<const SearchSnapshot> keep(SearchSnapshot snapshot);
  std::shared_ptr<const SearchSnapshot> find(const std::string& id);

 private:
  struct Entry {
    std::shared_ptr<const SearchSnapshot> snapshot;
    std::chrono::steady_clock::time_point at;
    std::list<std::string>::iterator position;
  };
  std::mutex mutex_;
  std::size_t capacity_;
  std::chrono::seconds ttl_;
  std::map<std::string, Entry> entries_;
  std::list<std::string> order_;  // most recent first
};

}  // namespace medbridge::fhir
