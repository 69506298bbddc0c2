#include "gateway/fhir/SearchPages.h"

#include "gateway/fhir/ResourceJson.h"

namespace medbridge::fhir {

std::shared_ptr<const SearchSnapshot> SearchPages::keep(SearchSnapshot snapshot) {
  snapshot.id = newId();
  auto shared = std::make_shared<const SearchSnapshot>(std::move(snapshot));
  std::lock_guard lock(mutex_);
  order_.push_front(shared->id);
  entries_[shared->id] = {shared, std::chrono::steady_clock::now(), order_.begin()};
  while (entries_.size() > capacity_) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
  return shared;
}

std::shared_ptr<const SearchSnapshot> SearchPages::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return nullptr;
  if (std::chrono::steady_clock::now() - it->second.at > ttl_) {
    order_.erase(it->second.position);
    entries_.erase(it);
    return nullptr;
  }
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.snapshot;
}

}  // namespace medbridge::fhir
