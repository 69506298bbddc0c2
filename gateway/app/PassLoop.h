#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace medbridge::app {

// A thread that runs `pass` over and over: again at once while it finds work (returns > 0),
// else after `idle` or when woken. An exception is logged as "<what> failed: ..." and the loop
// goes on. stop() (or the destructor) ends it after the pass in hand.
class PassLoop {
 public:
  PassLoop() = default;
  ~PassLoop() { stop(); }
  PassLoop(const PassLoop&) = delete;
  PassLoop& operator=(const PassLoop&) = delete;
  void start(std::function<int()> pass, std::chrono::milliseconds idle, std::string logger,
             std::string what);
  void wake();
  void stop();

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, woken_ = false;
};

}  // namespace medbridge::app
