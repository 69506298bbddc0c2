#pragma once

#include <rapidjson/document.h>

#include <string>

#include "gateway/store/IStore.h"

namespace medbridge::store {

// Parse the current version of `reference` ("Type/id") into `out`: false when it is missing,
// deleted or not a JSON object. Inside a write transaction, or from the store.
bool readCurrent(IResourceTx& tx, const std::string& reference, rapidjson::Document& out);
bool readStored(IStore& store, const std::string& reference, rapidjson::Document& out);

}  // namespace medbridge::store
