#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "gateway/app/PassLoop.h"
#include "gateway/app/WorkflowProxy.h"
#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// Applications from the HIS over HL7 v2 (docs/consultation-workflow.md, "Applications from the
// HIS"; docs/referral-workflow.md, "From the HIS"): a consultation or referral ServiceRequest
// mapped from a message (it has the mapping's Provenance) and not yet the focus of a Task gets its
// workflow Task proposed to the platform — a consultation's as a draft, a referral's submitted —
// PUT Task/<ServiceRequest id>, the application's requester acting, requester
// Organization/<his.organization>, owner the invited Organization. The
// application itself is the durable record: a proposal the platform could not take (unreachable,
// patient not there yet) is tried again on the next pass; one it refused is logged and tried
// again when the application changes or a minute later.
class HisApplications {
 public:
  HisApplications(const core::GatewayConfig& config, store::IStore& store, WorkflowProxy& proxy);
  ~HisApplications();
  void start();
  void stop();
  // One pass; how many drafts were proposed.
  int proposeDue();

 private:
  const core::GatewayConfig& config_;
  store::IStore& store_;
  WorkflowProxy& proxy_;
  // ServiceRequest id -> the version the platform refused, and when.
  std::map<std::string, std::pair<int, std::chrono::steady_clock::time_point>> refused_;
  PassLoop loop_;
};

}  // namespace medbridge::app
