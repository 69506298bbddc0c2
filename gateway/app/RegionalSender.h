#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "adapters/regional/PlatformClient.h"
#include "gateway/app/PassLoop.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {

// Sends the queued changes (store::Delivery) to the regional platform as FHIR transaction
// Bundles, at its primary base URL or, while that cannot be reached, its secondary (the other
// network provider; the primary is tried again after regional.failbackSeconds): each entry the
// version as written, PUT to its Type/id, tagged with its patient's sequence number (meta.tag
// system kSequenceSystem), so a replay is the same content and makes no new version there. A
// patient's changes go in order and never past one that waits; a Bundle holds at most one version
// of a resource. Delivered → sent; no answer, 408, 429, 5xx → tried again after
// workers.retryBaseSeconds doubling per attempt (at most 10 minutes, ±20% jitter) or the
// Retry-After asked for; refused → a Bundle of several is sent again entry by entry, a single
// refused change is dead-lettered with the platform's answer.
class RegionalSender {
 public:
  static constexpr const char* kSequenceSystem = "urn:medbridge:patient-sequence";
  RegionalSender(const core::GatewayConfig& config, store::IStore& store,
                 const core::IClock& clock);
  ~RegionalSender();
  void start();
  void stop();
  // One Bundle's worth of what is due; returns how many changes were attempted.
  int sendDue();

 private:
  // The transaction Bundle of these changes.
  std::string bundleOf(const std::vector<store::Delivery>& batch);
  // Sends and records the outcome of each.
  void send(const std::vector<store::Delivery>& batch);
  std::int64_t retryAt(const store::Delivery& d, int retryAfterSeconds);

  const core::GatewayConfig& config_;
  store::IStore& store_;
  const core::IClock& clock_;
  // The platform's answer, from the URL in use or, when that gives none, from the other one
  // (which is used from then on).
  adapters::regional::PlatformAnswer post(const std::string& bundle);

  std::vector<adapters::regional::PlatformClient> clients_;  // primary, secondary
  std::size_t current_ = 0;
  std::int64_t failedOverAt_ = 0;
  std::mt19937 random_{std::random_device{}()};
  PassLoop loop_;
  bool platformDown_ = false;  // for one log line when it goes down and one when it is back
};

}  // namespace medbridge::app
