// MLLP load client for a running gateway: C connections, each sending N ADT^A01 messages and
// waiting for each ACK (as a HIS does). Prints messages/s and ACK latency p50/p99.
// usage: medbridge_mllp_load PORT CONNECTIONS MESSAGES_PER_CONNECTION
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::string message(int c, int i) {
  std::string id = "BENCH-" + std::to_string(c) + "-" + std::to_string(i);
  char birth[16];  // different people: spread birth dates so duplicate detection sees few matches
  std::snprintf(birth, sizeof birth, "%04d%02d%02d", 1930 + (c * 7 + i) % 90, 1 + i % 12, 1 + (i / 12) % 28);
  return "\x0bMSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01^ADT_A01|" + id +
         "|P|2.5||||||UNICODE UTF-8\rEVN|A01|20261123093000+0800\r"
         "PID|1||M" +
         std::to_string(c * 1000000 + i) +
         "^^^ZJYY-HIS&1.2.156.112604.1.2.1.1&ISO^MR||王^秀英^^^^^L^I~"
         "Wang^Xiuying^^^^^L^P||" + std::string(birth) + "|F|||朝阳路10号^^北京市^北京市^100020^CHN^H^^朝阳区||^PRN^"
         "CP^^86^^13800138000\r"
         "PV1|1|I|内科^301^2||||D001^李^明|||MED|||||||||V" +
         std::to_string(c * 1000000 + i) + "\r\x1c\x0d";
}

bool run(int port, int c, int n, std::vector<double>& latencies, std::atomic<int>& failures) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[8192];
  for (int i = 0; i < n; ++i) {
    std::string m = message(c, i);
    auto start = Clock::now();
    if (::send(fd, m.data(), m.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(m.size()))
      return false;
    std::string ack;
    while (ack.find("\x1c\x0d") == std::string::npos) {
      ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r <= 0) return false;
      ack.append(buf, static_cast<std::size_t>(r));
    }
    latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (ack.find("MSA|AA|") == std::string::npos) ++failures;
  }
  ::close(fd);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s PORT CONNECTIONS MESSAGES_PER_CONNECTION\n", argv[0]);
    return 2;
  }
  int port = std::atoi(argv[1]), connections = std::atoi(argv[2]),
      perConnection = std::atoi(argv[3]);
  std::vector<std::vector<double>> latencies(connections);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&, c] {
      if (!run(port, c, perConnection, latencies[c], failures)) ++failures;
    });
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  if (all.empty()) return 1;
  auto pct = [&](double p) {
    return all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  std::printf(
      "messages %zu connections %d seconds %.2f msg/s %.0f ack_p50_ms %.2f ack_p99_ms %.2f not_AA "
      "%d\n",
      all.size(), connections, seconds, all.size() / seconds, pct(0.50), pct(0.99),
      failures.load());
  return failures == 0 ? 0 : 1;
}
