#include "gateway/store/ResourceReads.h"

#include "mappings/fhir/Json.h"

namespace medbridge::store {
namespace {

bool parsed(const std::optional<ResourceVersion>& v, rapidjson::Document& out) {
  return v && !v->deleted && !mappings::fhir::parseJson(v->json, out) && out.IsObject();
}

}  // namespace

bool readCurrent(IResourceTx& tx, const std::string& reference, rapidjson::Document& out) {
  auto slash = reference.find('/');
  if (slash == std::string::npos) return false;
  return parsed(tx.current(reference.substr(0, slash), reference.substr(slash + 1)), out);
}

bool readStored(IStore& store, const std::string& reference, rapidjson::Document& out) {
  auto slash = reference.find('/');
  if (slash == std::string::npos) return false;
  return parsed(store.readResource(reference.substr(0, slash), reference.substr(slash + 1)), out);
}

}  // namespace medbridge::store
