#pragma once

#include <optional>
#include <vector>

#include "adapters/regional/PlatformClient.h"
#include "gateway/app/PlatformInbound.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// On a hospital gateway the platform is the only writer of workflow Tasks: a create or update of
// a consultation Task on this gateway's /fhir (and $accept … $cancel) is proposed to the
// platform at once (PUT/POST, its If-Match translated to the platform's version), and the
// platform's answer is the caller's answer; what the platform stored becomes the local replica
// right away. Such a Task written any other way (inside a Bundle) is refused.
class WorkflowProxy {
 public:
  WorkflowProxy(const core::GatewayConfig& config, fhir::FhirServer& fhir, store::IStore& store,
                PlatformInbound& inbound, const core::IClock& clock);
  void install();

 private:
  std::optional<fhir::FhirResponse> forward(const fhir::FhirRequest& r);

  fhir::FhirServer& fhir_;
  store::IStore& store_;
  PlatformInbound& inbound_;
  const core::IClock& clock_;
  std::vector<adapters::regional::PlatformClient> clients_;  // primary, secondary
};

}  // namespace medbridge::app
