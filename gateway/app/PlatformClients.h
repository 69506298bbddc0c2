#pragma once

#include <string>
#include <vector>

#include "adapters/regional/PlatformClient.h"
#include "gateway/core/Config.h"

namespace medbridge::app {

// Clients for these base URLs with the regional connector's TLS settings, timeout and
// credentials (regional.auth: one token cache shared by them). Throws core::Error
// (ConfigInvalid) when a secret file cannot be read.
std::vector<adapters::regional::PlatformClient> platformClients(
    const core::RegionalConfig& config, const std::vector<std::string>& urls);

}  // namespace medbridge::app
