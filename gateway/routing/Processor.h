#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/Clock.h"
#include "gateway/core/Config.h"
#include "gateway/core/Metrics.h"
#include "gateway/store/IStore.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::routing {

// Worker threads that claim stored messages from the queue and run the HL7 v2 channel's steps:
// decode -> parse -> map -> persist FHIR resources. The outcome, the resources and the end of
// the queue item commit together, so a message is processed exactly once even across crashes.
class Processor {
 public:
  Processor(store::IStore& store, const core::WorkerConfig& config,
            const std::string& timeZoneOffset, const mappings::identity::IdentifierSystems& systems,
            core::Metrics& metrics, const core::IClock& clock);
  ~Processor();
  void start();
  // Finishes the items in hand, then returns.
  void stop();
  void wake();

  // Claims a batch of due items, maps them and commits all outcomes together. Returns false when
  // there was nothing to do.
  bool processBatch(const std::string& owner);

 private:
  void run(int index);
  store::ProcessOutcome process(const store::QueueItem& item);

  store::IStore& store_;
  core::WorkerConfig config_;
  std::string offset_;
  const mappings::identity::IdentifierSystems& systems_;
  core::Metrics& metrics_;
  const core::IClock& clock_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::uint64_t wakeups_ = 0;
};

// "+08:00" for a zone name the gateway knows (workflow.timeZone), "" when unknown.
std::string offsetForZone(const std::string& zone);

}  // namespace medbridge::routing
