#pragma once

#include <atomic>
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

// The system clock shifted by an offset that tests set (testing.controlledClock, POST
// /admin/clock); it goes on ticking from the time set, so waits and backoffs still work.
class AdjustableClock : public IClock {
 public:
  std::int64_t nowMillis() const override { return system_.nowMillis() + offset_.load(); }
  void set(std::int64_t millis) { offset_ = millis - system_.nowMillis(); }

 private:
  SystemClock system_;
  std::atomic<std::int64_t> offset_{0};
};

}  // namespace medbridge::core
