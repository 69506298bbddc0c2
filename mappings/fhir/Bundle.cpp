#include "mappings/fhir/Bundle.h"

#include <algorithm>

namespace medbridge::mappings::fhir {

BundleBuilder::BundleBuilder(const std::string& id) {
  doc_.SetObject();
  auto& a = doc_.GetAllocator();
  doc_.AddMember("resourceType", "Bundle", a);
  doc_.AddMember("id", str(id, a), a);
  doc_.AddMember("type", "transaction", a);
  doc_.AddMember("entry", Value(rapidjson::kArrayType), a);
}

Value BundleBuilder::resource(const char* type, const std::string& id) {
  Value r(rapidjson::kObjectType);
  r.AddMember("resourceType", Value(type, alloc()), alloc());
  r.AddMember("id", str(id, alloc()), alloc());
  return r;
}

bool BundleBuilder::contains(const std::string& type, const std::string& id) const {
  return std::find(keys_.begin(), keys_.end(), type + "/" + id) != keys_.end();
}

std::string BundleBuilder::add(Value&& resource) {
  auto& a = alloc();
  std::string type = resource["resourceType"].GetString();
  std::string id = resource["id"].GetString();
  std::string urn = "urn:uuid:" + id;
  keys_.push_back(type + "/" + id);
  Value entry(rapidjson::kObjectType);
  entry.AddMember("fullUrl", str(urn, a), a);
  entry.AddMember("resource", resource, a);
  Value request(rapidjson::kObjectType);
  request.AddMember("method", "PUT", a);
  request.AddMember("url", str(type + "/" + id, a), a);
  entry.AddMember("request", request, a);
  doc_["entry"].PushBack(entry, a);
  return urn;
}

std::vector<std::string> BundleBuilder::fullUrls() const {
  std::vector<std::string> out;
  for (const auto& k : keys_) out.push_back("urn:uuid:" + k.substr(k.find('/') + 1));
  return out;
}

std::vector<std::pair<std::string, std::string>> BundleBuilder::resourcesForStore() const {
  std::map<std::string, std::string, std::less<>> relative;
  for (const auto& key : keys_) relative.emplace("urn:uuid:" + key.substr(key.find('/') + 1), key);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : doc_["entry"].GetArray())
    out.emplace_back(std::string(entry["request"]["url"].GetString()),
                     fhir::toJson(entry["resource"], &relative));
  return out;
}

std::size_t BundleBuilder::size() const {
  return doc_["entry"].Size();
}

std::string BundleBuilder::toJson() const {
  return fhir::toJson(doc_);
}

}  // namespace medbridge::mappings::fhir
