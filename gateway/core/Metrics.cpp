#include "gateway/core/Metrics.h"

#include <sstream>

namespace medbridge::core {
namespace {

constexpr const char* kNames[] = {"received", "acked",    "rejected", "duplicates",
                                  "mapped",   "unmapped", "failed",   "dead_lettered"};

}  // namespace

void Metrics::add(const std::string& channel, Counter counter, std::int64_t n) {
  std::lock_guard lock(mutex_);
  channels_[channel].counters[counter] += n;
}

void Metrics::observeLatency(const std::string& channel, double seconds) {
  std::lock_guard lock(mutex_);
  Channel& c = channels_[channel];
  for (std::size_t i = 0; i < kLatencyBounds.size(); ++i)
    if (seconds <= kLatencyBounds[i]) ++c.buckets[i];
  ++c.latencyCount;
  c.latencySum += seconds;
}

std::int64_t Metrics::value(const std::string& channel, Counter counter) {
  std::lock_guard lock(mutex_);
  return channels_[channel].counters[counter];
}

std::string Metrics::render(const std::string& extra) {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (int k = 0; k < kCounterCount; ++k) {
    out << "# HELP medbridge_messages_" << kNames[k] << "_total Messages " << kNames[k]
        << " per channel.\n";
    out << "# TYPE medbridge_messages_" << kNames[k] << "_total counter\n";
    for (const auto& [name, c] : channels_)
      out << "medbridge_messages_" << kNames[k] << "_total{channel=\"" << name << "\"} "
          << c.counters[k] << "\n";
  }
  out << "# HELP medbridge_ack_latency_seconds Time from a complete frame to its ACK (after "
         "commit).\n";
  out << "# TYPE medbridge_ack_latency_seconds histogram\n";
  for (const auto& [name, c] : channels_) {
    for (std::size_t i = 0; i < kLatencyBounds.size(); ++i)
      out << "medbridge_ack_latency_seconds_bucket{channel=\"" << name << "\",le=\""
          << kLatencyBounds[i] << "\"} " << c.buckets[i] << "\n";
    out << "medbridge_ack_latency_seconds_bucket{channel=\"" << name << "\",le=\"+Inf\"} "
        << c.latencyCount << "\n";
    out << "medbridge_ack_latency_seconds_sum{channel=\"" << name << "\"} " << c.latencySum << "\n";
    out << "medbridge_ack_latency_seconds_count{channel=\"" << name << "\"} " << c.latencyCount
        << "\n";
  }
  out << extra;
  return out.str();
}

}  // namespace medbridge::core
