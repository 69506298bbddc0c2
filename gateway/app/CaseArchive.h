#pragma once

#include <string>

#include "gateway/app/PassLoop.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// Archiving on both sides (docs/consultation-workflow.md, "Archiving"): on the platform, every
// consultation that has ended (completed, cancelled, rejected, failed) is archived once as
// DocumentReference/case-<Task id> holding its case Bundle ($export-case) as a base64
// application/fhir+json attachment with its SHA-1 and size; in the same transaction it is queued
// for both hospitals, which keep it as a replica. A loop looks for ended Tasks without archive.
class CaseArchive {
 public:
  CaseArchive(const core::GatewayConfig& config, store::IStore& store, const core::IClock& clock);
  ~CaseArchive();
  // base: this platform's FHIR base URL (the case Bundle's fullUrls).
  void start(const std::string& base);
  void stop();
  // One pass; how many cases were archived.
  int archiveDue();

 private:
  const core::GatewayConfig& config_;
  store::IStore& store_;
  const core::IClock& clock_;
  std::string base_;
  PassLoop loop_;
};

}  // namespace medbridge::app
