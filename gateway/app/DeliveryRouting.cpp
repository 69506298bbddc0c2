#include "gateway/app/DeliveryRouting.h"

#include <algorithm>

namespace medbridge::app {

store::DeliveryRouter deliveryRouter(const core::GatewayConfig& config) {
  bool toPlatform = !config.regional.urls.empty();
  bool toHospitals = config.profile == "platform" && !config.platform.hospitals.empty();
  if (!toPlatform && !toHospitals) return nullptr;
  auto types = config.regional.resourceTypes;
  auto hospitals = config.platform.hospitals;
  return
      [=](const store::ResourceVersion& v, const std::vector<mappings::fhir::IndexEntry>& index) {
        std::vector<std::string> to;
        if (toPlatform && types.count(v.type)) to.push_back("");
        if (toHospitals && v.type == "Task")
          for (const auto& e : index) {
            if ((e.param != "owner" && e.param != "requester") ||
                e.value.rfind("Organization/", 0) != 0)
              continue;
            std::string org = e.value.substr(13);
            if (hospitals.count(org) && std::find(to.begin(), to.end(), org) == to.end())
              to.push_back(org);
          }
        return to;
      };
}

}  // namespace medbridge::app
