#pragma once

#include <optional>
#include <vector>

#include "adapters/regional/PlatformClient.h"
#include "gateway/app/ConsultPackage.h"
#include "gateway/app/PlatformInbound.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::app {

// On a hospital gateway the platform is the only writer of workflow Tasks: a create or update of
// a consultation Task on this gateway's /fhir (and $accept … $cancel) is proposed to the
// platform at once (PUT/POST, its If-Match translated to the platform's version), and the
// platform's answer is the caller's answer; what the platform stored becomes the local replica
// right away; one inside a transaction is proposed once the transaction's other entries are
// stored (FhirServer::interceptWrites claims it). A submission
// first sends the consult package (ConsultPackage); a Task about a local Patient is proposed
// about the platform's Patient (found by the patient's regional keys).
class WorkflowProxy {
 public:
  WorkflowProxy(const core::GatewayConfig& config, fhir::FhirServer& fhir, store::IStore& store,
                PlatformInbound& inbound, ConsultPackage& package,
                const mappings::identity::IdentifierSystems& systems, const core::IClock& clock);
  void install();
  // Proposes Task/id (JSON body) as a PUT through this gateway would; the platform's answer.
  fhir::FhirResponse propose(const std::string& id, const std::string& body);

 private:
  std::optional<fhir::FhirResponse> forward(const fhir::FhirRequest& r);
  // Task.for naming a Patient of this gateway becomes the platform's Patient (422 / 503 when the
  // platform does not know it).
  void toPlatformPatient(rapidjson::Document& task);
  adapters::regional::PlatformAnswer send(const std::string& method, const std::string& path,
                                          const std::string& body, const std::string& ifMatch);

  fhir::FhirServer& fhir_;
  store::IStore& store_;
  PlatformInbound& inbound_;
  ConsultPackage& package_;
  const mappings::identity::IdentifierSystems& systems_;
  const core::IClock& clock_;
  std::vector<adapters::regional::PlatformClient> clients_;  // primary, secondary
};

}  // namespace medbridge::app
