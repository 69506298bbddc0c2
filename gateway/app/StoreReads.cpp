#include "gateway/app/StoreReads.h"

#include "mappings/fhir/Json.h"

namespace medbridge::app {

bool readCurrent(store::IResourceTx& tx, const std::string& reference, rapidjson::Document& out) {
  auto slash = reference.find('/');
  if (slash == std::string::npos) return false;
  auto v = tx.current(reference.substr(0, slash), reference.substr(slash + 1));
  if (!v || v->deleted) return false;
  return !mappings::fhir::parseJson(v->json, out) && out.IsObject();
}

}  // namespace medbridge::app
