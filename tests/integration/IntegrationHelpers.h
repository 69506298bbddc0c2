#pragma once

#include <memory>
#include <string>

#include "gateway/store/SqliteStore.h"
#include "tests/support/TestSupport.h"

namespace medbridge::testing {

// Opens the store a gateway wrote (after it stopped, or read-mostly while it runs).
inline std::unique_ptr<store::SqliteStore> openStore(const GatewayProcess& gw) {
  return std::make_unique<store::SqliteStore>(gw.dbPath(), 64);
}

// Value of a Prometheus sample line such as medbridge_queue_depth{channel="mllp"}; -1 if absent.
inline long long metric(const std::string& text, const std::string& sample) {
  auto pos = text.find("\n" + sample + " ");
  if (pos == std::string::npos) return -1;
  return std::stoll(text.substr(pos + sample.size() + 2));
}

// Waits until the gateway's work queue is empty.
inline bool waitForQueueDrained(const GatewayProcess& gw, std::chrono::milliseconds deadline) {
  return waitFor(
      [&] {
        auto [status, body] = httpGet(gw.httpPort(), "/metrics");
        return status == 200 && metric(body, "medbridge_queue_depth{channel=\"mllp\"}") == 0;
      },
      deadline);
}

// The bytes the npm sender puts on the wire for a file: BOM dropped, CR segment ends.
inline std::string normalisedForSending(std::string text) {
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i] == '\n' ? '\r' : text[i];
  }
  while (!out.empty() && out.back() == '\r') out.pop_back();
  return out;
}

}  // namespace medbridge::testing
