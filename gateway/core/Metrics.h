#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace medbridge::core {

// Per-channel counters and an ACK latency histogram, rendered as Prometheus text.
class Metrics {
 public:
  enum Counter {
    Received,
    Acked,
    Rejected,
    Duplicates,
    Mapped,
    Unmapped,
    Failed,
    DeadLettered,
    kCounterCount
  };
  static constexpr std::array<double, 10> kLatencyBounds = {0.001, 0.002, 0.005, 0.01, 0.02,
                                                            0.05,  0.1,   0.25,  0.5,  1.0};

  void add(const std::string& channel, Counter counter, std::int64_t n = 1);
  void observeLatency(const std::string& channel, double seconds);
  std::int64_t value(const std::string& channel, Counter counter);
  // extra: lines appended as they are (gauges computed by the caller, e.g. queue depth).
  std::string render(const std::string& extra);

 private:
  struct Channel {
    std::array<std::int64_t, kCounterCount> counters{};
    std::array<std::int64_t, kLatencyBounds.size()> buckets{};
    std::int64_t latencyCount = 0;
    double latencySum = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Channel> channels_;
};

}  // namespace medbridge::core
