#pragma once

#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// Where this gateway delivers new resource versions: to the regional platform ("") those of
// regional.resourceTypes when regional.urls is set; on the platform, a Task to the hospitals of
// platform.hospitals that own it, requested it or are invited (its owner / requester / invited
// Organization), a Communication to its recipient hospitals. Null when nothing is delivered.
store::DeliveryRouter deliveryRouter(const core::GatewayConfig& config);

}  // namespace medbridge::app
