#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace medbridge::testing {

// A TCP proxy on 127.0.0.1 in front of an HTTP server, for tests of unreliable links. Each
// connection carries one HTTP/1.1 exchange (served one at a time) and suffers the fault the
// schedule picks for it:
//   Pass           relayed as it is
//   Drop           closed at once, the request unread
//   Delay          relayed after delayMs
//   ResetMidAnswer the request reaches the server, which answers; the client gets half of the
//                  answer, then a TCP reset (the change is applied, the answer lost)
//   Busy           answered 503 with Retry-After: 1 by the proxy, the server never sees it
//   SlowBody       the answer trickles back in small pieces
//   Hold           the server answers; the answer is held back until the client goes away
class FaultProxy {
 public:
  enum class Fault { Pass, Drop, Delay, ResetMidAnswer, Busy, SlowBody, Hold };
  using Schedule = std::function<Fault(std::int64_t connection)>;
  FaultProxy(int upstreamPort, Schedule schedule, int delayMs = 300);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;
  int port() const { return port_; }
  // How many connections suffered each fault so far.
  std::map<Fault, std::int64_t> counts();
  // Whether an answer is being held back (Hold) right now.
  bool holding() const { return holding_; }
  // A seeded schedule: Pass with probability passShare, else one of the faults evenly; a Busy
  // comes as a burst of three connections.
  static Schedule randomSchedule(std::uint32_t seed, double passShare);

 private:
  void acceptLoop();
  void serve(int client, Fault fault);

  int upstreamPort_;
  Schedule schedule_;
  int delayMs_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false}, holding_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::map<Fault, std::int64_t> counts_;
};

}  // namespace medbridge::testing
