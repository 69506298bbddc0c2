#pragma once

#include <string>
#include <vector>

#include "adapters/regional/PlatformClient.h"
#include "gateway/app/PassLoop.h"
#include "gateway/app/PlatformInbound.h"
#include "gateway/core/Config.h"

namespace medbridge::app {

// The alternative to the platform pushing: every regional.poll.seconds, reads
// Task?owner=<regional.poll.owner>&_lastUpdated=gt<cursor − overlap>&_sort=_lastUpdated from the
// platform (following next links) and applies what it finds through PlatformInbound. The cursor
// (the newest meta.lastUpdated seen) is kept in the store; the overlap re-reads resources that
// committed late with an earlier timestamp — the ones already here are skipped by version.
class PlatformPoller {
 public:
  static constexpr const char* kCursorSetting = "regional.poll.cursor";
  PlatformPoller(const core::GatewayConfig& config,
                 std::vector<adapters::regional::PlatformClient> clients, store::IStore& store,
                 PlatformInbound& inbound, const core::IClock& clock);
  void start();
  void stop() { loop_.stop(); }
  // One poll; returns how many resources were applied.
  int pollOnce();

 private:
  const core::GatewayConfig& config_;
  std::vector<adapters::regional::PlatformClient> clients_;
  store::IStore& store_;
  PlatformInbound& inbound_;
  const core::IClock& clock_;
  PassLoop loop_;
  bool failing_ = false;  // one log line when polling fails, one when it works again
};

}  // namespace medbridge::app
