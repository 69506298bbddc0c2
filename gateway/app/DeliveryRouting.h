#pragma once

#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// Where this gateway delivers new resource versions: to the regional platform ("") those of
// regional.resourceTypes when regional.urls is set; on the platform, a Task to the hospitals of
// platform.hospitals that own it or requested it (its owner / requester Organization). Null when
// nothing is delivered.
store::DeliveryRouter deliveryRouter(const core::GatewayConfig& config);

}  // namespace medbridge::app
