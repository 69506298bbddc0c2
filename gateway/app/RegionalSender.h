#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "adapters/regional/PlatformClient.h"
#include "gateway/app/PassLoop.h"
#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::app {

// Sends the queued changes (store::Delivery) to the regional platform as FHIR transaction
// Bundles (PlatformBundle.h; up to regional.concurrentBundles at once, each patient in one of
// them), at its primary base URL or, while that cannot be reached, its
// secondary (the other network provider; the primary is tried again after
// regional.failbackSeconds). A patient's changes go in order and never past one that waits; a
// Bundle holds at most one version of a resource. Delivered → sent; no answer, 401, 408, 429,
// 5xx → tried again after workers.retryBaseSeconds doubling per attempt (at most
// regional.retryMaxSeconds, ±20% jitter) or the Retry-After asked for; refused → the change the
// platform's answer names (else, found by halving the Bundle, the one it refuses) is
// dead-lettered with that answer and the others are sent again. After regional.breaker.failures
// failed attempts in a row nothing is sent for openSeconds (circuit breaker); a change older than
// maxAgeHours or tried maxAttempts times is dead-lettered unsent.
class RegionalSender {
 public:
  // destination: "" the regional platform (at regional.urls), else a hospital's Organization id
  // (on the platform, at platform.hospitals.<id>.urls).
  RegionalSender(const core::GatewayConfig& config, std::string destination,
                 std::vector<std::string> urls, store::IStore& store,
                 const mappings::identity::IdentifierSystems& systems, const core::IClock& clock);
  ~RegionalSender();
  void start();
  void stop();
  // One Bundle's worth of what is due; returns how many changes were attempted.
  int sendDue();
  // Pausing keeps changes queued (durably, across restarts) until resumed.
  void setPaused(bool paused);
  bool paused() const { return paused_; }
  // Prometheus text of these senders: queue by state, oldest pending age, delivery latency,
  // failures by kind, breaker — each sample labelled with its destination.
  static std::string metricsText(const std::vector<RegionalSender*>& senders);
  // JSON object of the destination: name, URLs, which is in use, paused, breaker, last problem.
  std::string statusJson();
  const std::string& destination() const { return destination_; }

 private:
  // Sends and records the outcome of each; the patients of changes left pending are added to
  // `waiting`.
  void send(const std::vector<store::Delivery>& batch, std::set<std::string>& waiting);
  void deadLetter(const store::Delivery& d, const adapters::regional::PlatformAnswer& answer);
  std::int64_t retryAt(const store::Delivery& d, int retryAfterSeconds);
  // The platform's answer, from the URL in use or, when that gives none, from the other one
  // (which is used from then on).
  adapters::regional::PlatformAnswer post(const std::string& bundle);
  // Changes past the age / attempts policy, dead-lettered; false when d is within it.
  bool expired(const store::Delivery& d, std::int64_t now,
               std::vector<store::DeliveryOutcome>& out);
  void count(const adapters::regional::PlatformAnswer& answer,
             const std::vector<store::Delivery>& batch);

  // "the regional platform" or "hospital <id>", for log lines.
  std::string name() const;
  std::string pausedSetting() const;
  // The samples of metric family `family` (metricsText's order).
  std::string samples(std::size_t family);

  const core::GatewayConfig& config_;
  std::string destination_;
  std::vector<std::string> urls_;
  store::IStore& store_;
  const mappings::identity::IdentifierSystems& systems_;
  const core::IClock& clock_;
  std::vector<adapters::regional::PlatformClient> clients_;  // primary, secondary
  std::size_t current_ = 0;
  std::int64_t failedOverAt_ = 0;
  std::mt19937 random_{std::random_device{}()};
  PassLoop loop_;
  std::atomic<bool> paused_{false};
  std::mutex stateMutex_;      // what follows, shared by the Bundles in flight
  bool platformDown_ = false;  // for one log line when it goes down and one when it is back
  int failuresInARow_ = 0;
  std::int64_t breakerOpenUntil_ = 0;

  static constexpr std::array<double, 8> kLatencyBounds = {0.1, 0.5, 1, 5, 30, 60, 300, 3600};
  std::mutex metricsMutex_;                       // what follows is read by /metrics and /admin
  std::map<std::string, std::int64_t> failures_;  // by kind
  std::int64_t delivered_ = 0;
  std::array<std::int64_t, kLatencyBounds.size()> latencyBuckets_{};
  double latencySum_ = 0;
  std::string lastProblem_;
  bool breakerOpen_ = false;
};

}  // namespace medbridge::app
