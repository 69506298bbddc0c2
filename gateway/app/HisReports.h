#pragma once

#include <optional>
#include <string>

#include "gateway/app/PassLoop.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::app {

// Consultation reports back to the inviting hospital's HIS (his.*): when the platform's completed
// version of a consultation this hospital requested (Task.requester = Organization/
// <his.organization>) is applied here, a report message is queued in the same transaction
// (his_outbox, once per Task). A loop composes it from what is stored here — the patient as the
// HIS knows her (the application's subject), the report and its signed PDF that the platform sent
// ahead of the Task — as MDM^T02 or ORU^R01 (his.reportMessage) and sends it over MLLP until the
// HIS answers: AA/CA done, AE/AR failed with the HIS's error; no answer or a report not here yet
// is retried with backoff (workers.retryBaseSeconds doubling, at most 10 min), never given up.
class HisReports {
 public:
  HisReports(const core::GatewayConfig& config, store::IStore& store,
             const mappings::identity::IdentifierSystems& systems, const core::IClock& clock);
  ~HisReports();
  // For PlatformInbound::onReplica.
  void onReplica(store::IResourceTx& tx, const store::ResourceVersion& v);
  void start();
  void stop();
  // One pass over the messages that are due; how many were attempted.
  int sendDue();

 private:
  // The message for `m`, or nullopt with `problem` when it cannot be composed yet.
  std::optional<std::string> compose(const store::HisMessage& m, const std::string& controlId,
                                     std::string& problem);

  const core::GatewayConfig& config_;
  store::IStore& store_;
  const mappings::identity::IdentifierSystems& systems_;
  const core::IClock& clock_;
  PassLoop loop_;
};

}  // namespace medbridge::app
