#pragma once

#include <map>
#include <string>

#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/fhir/FhirServer.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// The expert's signature on a consultation report (docs/consultation-workflow.md): POST
// DiagnosticReport/{id}/$sign (signer, document) stores a Provenance whose signature is a JWS
// over the report and the SHA-256 of its PDF, made with workflow.signingKeys.<signer>;
// DiagnosticReport/{id}/$verify-signature checks the newest one with workflow.expertKeys.
class ReportSigning {
 public:
  // Throws core::Error (ConfigInvalid) when a key file cannot be read.
  ReportSigning(const core::GatewayConfig& config, fhir::FhirServer& fhir, store::IStore& store,
                const core::IClock& clock);
  void install();
  // In a write transaction: "" when the report's newest signature verifies; "unsigned" when it
  // has none; else why it does not verify.
  std::string check(store::IResourceTx& tx, const std::string& report);

 private:
  fhir::FhirResponse sign(const fhir::OperationRequest& o);
  fhir::FhirResponse verify(const fhir::OperationRequest& o);

  fhir::FhirServer& fhir_;
  store::IStore& store_;
  const core::IClock& clock_;
  std::map<std::string, std::string> signingKeys_, expertKeys_;  // PEM text by role id
};

}  // namespace medbridge::app
