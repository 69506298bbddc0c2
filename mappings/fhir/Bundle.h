#pragma once

#include <string>
#include <vector>

#include "mappings/fhir/Json.h"

namespace medbridge::mappings::fhir {

// Builds a FHIR transaction Bundle whose entries are idempotent PUTs on deterministic ids.
// Entries reference each other as "urn:uuid:<id>"; the fullUrl of each entry is that urn.
class BundleBuilder {
 public:
  explicit BundleBuilder(const std::string& id);
  Allocator& alloc() { return doc_.GetAllocator(); }
  // A new resource object with resourceType and id set, owned by the caller until add().
  Value resource(const char* type, const std::string& id);
  // Adds the resource as a PUT entry; returns its reference ("urn:uuid:<id>").
  std::string add(Value&& resource);
  bool contains(const std::string& type, const std::string& id) const;
  // The fullUrl of every entry so far, in order.
  std::vector<std::string> fullUrls() const;
  std::string toJson() const;
  // Each entry's resource as stored: ("Type/id", JSON) with urn:uuid references made relative.
  std::vector<std::pair<std::string, std::string>> resourcesForStore() const;
  std::size_t size() const;

 private:
  rapidjson::Document doc_;
  std::vector<std::string> keys_;
};

}  // namespace medbridge::mappings::fhir
