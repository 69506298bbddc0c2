#pragma once

#include <rapidjson/document.h>

#include <string>

#include "gateway/store/IStore.h"

namespace medbridge::app {

// Parses the current version of `reference` ("Type/id") inside the transaction into `out`;
// false when it is missing, deleted or not a JSON object.
bool readCurrent(store::IResourceTx& tx, const std::string& reference, rapidjson::Document& out);

}  // namespace medbridge::app
