#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gateway/store/IStore.h"
#include "mappings/fhir/Json.h"

namespace medbridge::fhir {

// The resource as served: the stored JSON with meta.versionId and meta.lastUpdated of its
// version (other meta members kept).
std::string served(const store::ResourceVersion& v);
// Adds meta.versionId/lastUpdated to a parsed resource.
void setVersionMeta(rapidjson::Document& d, int version, const std::string& lastUpdated);
// Removes what the server owns (meta.versionId, meta.lastUpdated; meta itself when then empty).
void stripVersionMeta(rapidjson::Document& d);
// RFC 7231 date of an instant ("Mon, 23 Nov 2026 10:00:00 GMT") for Last-Modified.
std::string httpDate(const std::string& instant);
// W/"<version>"
std::string etag(int version);
// Query parameters as a URL query string (percent-encoded), for links and criteria.
std::string encodeQuery(const std::vector<std::pair<std::string, std::string>>& params);
// A new random id (UUID v4 text), for creates.
std::string newId();

}  // namespace medbridge::fhir
