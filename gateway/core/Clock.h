#pragma once

#include <chrono>
#include <cstdint>

namespace medbridge::core {

// Injected wherever time matters, so tests can control it.
class IClock {
 public:
  virtual ~IClock() = default;
  // Milliseconds since the Unix epoch.
  virtual std::int64_t nowMillis() const = 0;
};

class SystemClock : public IClock {
 public:
  std::int64_t nowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace medbridge::core
