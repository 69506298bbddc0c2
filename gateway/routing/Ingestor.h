#pragma once

#include <atomic>
#include <condition_variable>
#include <string>
#include <string_view>

#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/core/ErrorCode.h"
#include "gateway/core/Metrics.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::routing {

// Turns one inbound HL7 v2 frame into a durably stored message and the acknowledgement to send
// (in the inbound charset). The ACK is only produced after the store committed the message.
class Ingestor {
 public:
  Ingestor(store::IStore& store, const core::MllpConfig& config, core::Metrics& metrics,
           const core::IClock& clock)
      : store_(store), config_(config), metrics_(metrics), clock_(clock) {}

  // The bytes to send back ("" = no acknowledgement, enhanced mode with NE/ER/SU).
  std::string ingest(std::string_view frame, const std::string& peer);
  // A reject ACK for a frame the listener could not take whole (too big, never finished).
  std::string reject(std::string_view partialFrame, core::ErrorCode code, const std::string& peer);

  // Notified after each stored message that needs processing.
  void setOnQueued(std::function<void()> fn) { onQueued_ = std::move(fn); }
  // Checks merges, identifier changes and national ID numbers before acknowledging
  // (IdentityCheck); off until set.
  void setIdentityCheck(const mappings::identity::IdentifierSystems* systems) {
    systems_ = systems;
  }
  // Warns of orders for examinations with a recognised result of the last `validityDays`
  // (RepeatOrderCheck; needs the identity check's systems); 0 = off.
  void setRepeatOrderCheck(int validityDays) { repeatOrderDays_ = validityDays; }

 private:
  std::string timestamp() const;
  std::string nextAckId();

  store::IStore& store_;
  const core::MllpConfig& config_;
  core::Metrics& metrics_;
  const core::IClock& clock_;
  std::function<void()> onQueued_;
  const mappings::identity::IdentifierSystems* systems_ = nullptr;
  int repeatOrderDays_ = 0;
  std::atomic<std::uint64_t> ackCounter_{0};
};

}  // namespace medbridge::routing
