#include "gateway/app/DeliveryRouting.h"

#include <algorithm>

#include "gateway/workflow/ConsultationMachine.h"
#include "gateway/workflow/WorkflowCodes.h"
#include "mappings/fhir/Json.h"

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
        if (!toHospitals) return to;
        auto add = [&](const std::string& reference) {
          if (reference.rfind("Organization/", 0) != 0) return;
          std::string org = reference.substr(13);
          if (hospitals.count(org) && std::find(to.begin(), to.end(), org) == to.end())
            to.push_back(org);
        };
        if (v.type == "Task") {
          for (const auto& e : index)
            if (e.param == "owner" || e.param == "requester") add(e.value);
          // A consultation's invited hospital, also once its expert owns the Task.
          rapidjson::Document task;
          if (v.json.find(workflow::kInvitedExtension) != std::string::npos &&
              !mappings::fhir::parseJson(v.json, task))
            add(workflow::ConsultationMachine::invitedOrganization(task));
        } else if (v.type == "Communication") {
          for (const auto& e : index)
            if (e.param == "recipient") add(e.value);
        }
        return to;
      };
}

}  // namespace medbridge::app
