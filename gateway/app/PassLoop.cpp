#include "gateway/app/PassLoop.h"

#include <Poco/Logger.h>

namespace medbridge::app {

void PassLoop::start(std::function<int()> pass, std::chrono::milliseconds idle, std::string logger,
                     std::string what) {
  thread_ = std::thread([this, pass = std::move(pass), idle, logger, what] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      woken_ = false;
      lock.unlock();
      int done = 0;
      try {
        done = pass();
      } catch (const std::exception& e) {
        Poco::Logger::get(logger).error("%s failed: %s", what, std::string(e.what()));
      }
      lock.lock();
      if (done == 0) wake_.wait_for(lock, idle, [this] { return stopping_ || woken_; });
    }
  });
}

void PassLoop::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void PassLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace medbridge::app
