#include "tests/support/FaultProxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <random>

#include "tests/support/TestSupport.h"

namespace medbridge::testing {
namespace {

// Reads one HTTP message (headers, then Content-Length bytes; without a length, until the peer
// closes) within 30 s; "" when the peer closed or went quiet first.
std::string readMessage(int fd) {
  std::string data;
  char buf[16384];
  std::size_t need = std::string::npos;
  while (data.size() < need) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0) return "";
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      return need == std::string::npos && data.find("\r\n\r\n") != std::string::npos &&
                     data.find("Content-Length") == std::string::npos
                 ? data
                 : "";
    data.append(buf, static_cast<std::size_t>(n));
    auto end = data.find("\r\n\r\n");
    if (need == std::string::npos && end != std::string::npos) {
      std::string head = data.substr(0, end);
      for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto at = head.find("\r\ncontent-length:");
      std::size_t length = 0;
      if (at != std::string::npos) length = std::stoul(head.substr(at + 17));
      need = end + 4 + length;
    }
  }
  return data;
}

bool sendAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

int connectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void resetAndClose(int fd) {
  linger l{1, 0};  // close with RST instead of FIN
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

}  // namespace

FaultProxy::FaultProxy(int upstreamPort, Schedule schedule, int delayMs)
    : upstreamPort_(upstreamPort), schedule_(std::move(schedule)), delayMs_(delayMs) {
  listenFd_ = listenOnLoopback(port_);
  ::listen(listenFd_, 64);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  ::shutdown(listenFd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listenFd_);
}

std::map<FaultProxy::Fault, std::int64_t> FaultProxy::counts() {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

void FaultProxy::acceptLoop() {
  // n counts connections (not idle polls): a schedule names the n-th exchange.
  for (std::int64_t n = 0; !stopping_;) {
    pollfd p{listenFd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int client = ::accept(listenFd_, nullptr, nullptr);
    if (client < 0) continue;
    Fault fault = schedule_(n++);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counts_[fault];
    }
    serve(client, fault);  // one exchange at a time, as the sender makes them
  }
}

void FaultProxy::serve(int client, Fault fault) {
  if (fault == Fault::Drop) {
    resetAndClose(client);
    return;
  }
  std::string request = readMessage(client);
  if (request.empty()) {
    ::close(client);
    return;
  }
  if (fault == Fault::Busy) {
    const char busy[] =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
        "Connection: close\r\n\r\n";
    sendAll(client, busy, sizeof busy - 1);
    ::close(client);
    return;
  }
  if (fault == Fault::Delay) std::this_thread::sleep_for(std::chrono::milliseconds(delayMs_));
  int upstream = connectTo(upstreamPort_);
  std::string answer;
  if (upstream >= 0 && sendAll(upstream, request.data(), request.size()))
    answer = readMessage(upstream);
  if (upstream >= 0) ::close(upstream);
  if (answer.empty()) {
    resetAndClose(client);  // the server is down: the client sees the connection fail
    return;
  }
  if (fault == Fault::Hold) {
    holding_ = true;
    char byte;
    pollfd p{client, POLLIN, 0};
    for (int i = 0; i < 600 && !stopping_ && ::poll(&p, 1, 100) == 0;) ++i;  // ≤ 60 s
    (void)::recv(client, &byte, 1, MSG_DONTWAIT);
    holding_ = false;
    ::close(client);
    return;
  }
  if (fault == Fault::ResetMidAnswer) {
    sendAll(client, answer.data(), answer.size() / 2);
    resetAndClose(client);
    return;
  }
  if (fault == Fault::SlowBody) {
    for (std::size_t at = 0; at < answer.size(); at += 256) {
      if (!sendAll(client, answer.data() + at, std::min<std::size_t>(256, answer.size() - at)))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  } else {
    sendAll(client, answer.data(), answer.size());
  }
  ::close(client);
}

FaultProxy::Schedule FaultProxy::randomSchedule(std::uint32_t seed, double passShare) {
  auto rng = std::make_shared<std::mt19937>(seed);
  auto burst = std::make_shared<int>(0);
  auto mutex = std::make_shared<std::mutex>();
  return [=](std::int64_t) {
    std::lock_guard<std::mutex> lock(*mutex);
    if (*burst > 0) {
      --*burst;
      return Fault::Busy;
    }
    if (std::uniform_real_distribution<double>(0, 1)(*rng) < passShare) return Fault::Pass;
    static const Fault faults[] = {Fault::Drop, Fault::Delay, Fault::ResetMidAnswer, Fault::Busy,
                                   Fault::SlowBody};
    Fault f = faults[std::uniform_int_distribution<int>(0, 4)(*rng)];
    if (f == Fault::Busy) *burst = 2;
    return f;
  };
}

}  // namespace medbridge::testing
