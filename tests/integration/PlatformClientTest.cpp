// The regional connector's HTTP client against real peers: a medbridge as the platform, a server
// that answers 503 with Retry-After, a closed port, and a TLS server with openssl's self-signed
// certificate served by Node (verified against the configured CA file, refused without it).
#include "adapters/regional/PlatformClient.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

using adapters::regional::PlatformAnswer;
using adapters::regional::PlatformClient;
using adapters::regional::PlatformEndpoint;

const std::string kBundle = R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)"
                            R"({"resourceType":"Patient","id":"p1","gender":"female"},)"
                            R"("request":{"method":"PUT","url":"Patient/p1"}}]})";

PlatformEndpoint endpoint(const std::string& url) {
  PlatformEndpoint e;
  e.baseUrl = url;
  e.timeoutSeconds = 10;
  return e;
}

// Answers one request with a fixed response, then closes.
class OneAnswer {
 public:
  explicit OneAnswer(std::string response) : response_(std::move(response)) {
    listen_ = listenOnLoopback(port_);
    thread_ = std::thread([this] {
      int c = ::accept(listen_, nullptr, nullptr);
      if (c < 0) return;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t got = ::read(c, buf, sizeof buf);
        if (got <= 0) break;
        request.append(buf, static_cast<std::size_t>(got));
      }
      ::write(c, response_.data(), response_.size());
      ::close(c);
    });
  }
  ~OneAnswer() {
    ::shutdown(listen_, SHUT_RDWR);
    ::close(listen_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::string response_;
  int listen_ = -1, port_ = 0;
  std::thread thread_;
};

TEST(PlatformClient, DeliversToAMedbridgePlatformAndKeepsItsRefusal) {
  TempDir dir;
  GatewayProcess platform(dir.path(), {"profile=platform"});
  platform.start();
  std::string base = "http://127.0.0.1:" + std::to_string(platform.httpPort()) + "/fhir";
  PlatformAnswer ok = PlatformClient(endpoint(base)).postTransaction(kBundle, 0);
  EXPECT_EQ(ok.kind, PlatformAnswer::Kind::Delivered) << ok.status << ok.body << ok.problem;
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find(R"("resourceType":"Bundle")"), std::string::npos) << ok.body;
  // Data the platform refuses: Rejected, with its OperationOutcome kept.
  PlatformAnswer bad = PlatformClient(endpoint(base)).postTransaction(R"({"resourceType":1})", 0);
  EXPECT_EQ(bad.kind, PlatformAnswer::Kind::Rejected);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("OperationOutcome"), std::string::npos) << bad.body;
  EXPECT_EQ(platform.terminate(), 0);
  EXPECT_EQ(
      sqliteQuery(platform.dbPath(),
                  "SELECT COUNT(*) FROM resource_heads WHERE type = 'Patient' AND id = 'p1'")[0][0],
      "1");
}

TEST(PlatformClient, UnavailablePlatformsAreRetriedLater) {
  OneAnswer busy(
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 0\r\n"
      "Connection: close\r\n\r\n");
  PlatformAnswer a =
      PlatformClient(endpoint("http://127.0.0.1:" + std::to_string(busy.port()) + "/fhir"))
          .postTransaction(kBundle, 0);
  EXPECT_EQ(a.kind, PlatformAnswer::Kind::Retry);
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.retryAfterSeconds, 7);

  int closed = freeLoopbackPort();
  PlatformAnswer down =
      PlatformClient(endpoint("http://127.0.0.1:" + std::to_string(closed) + "/fhir"))
          .postTransaction(kBundle, 0);
  EXPECT_EQ(down.kind, PlatformAnswer::Kind::Retry);
  EXPECT_EQ(down.status, 0);
  EXPECT_NE(down.problem.find("refused"), std::string::npos) << down.problem;
}

TEST(PlatformClient, VerifiesTheServerCertificate) {
  TempDir dir;
  std::string key = dir.file("key.pem"), cert = dir.file("cert.pem");
  CommandResult made = runCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                   "-keyout", key, "-out", cert, "-days", "2", "-subj",
                                   "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(made.exitCode, 0) << made.err;
  int port = freeLoopbackPort();
  // Node's TLS server (the npm peers' runtime) answers every request with 200.
  std::string server =
      "const fs = require('fs');"
      "require('https').createServer({key: fs.readFileSync('" +
      key +
      "'), cert: "
      "fs.readFileSync('" +
      cert +
      "')}, (q, r) => { q.resume(); q.on('end', () => {"
      " r.writeHead(200, {'Content-Type': 'application/fhir+json'}); r.end('{}'); }); })"
      ".listen(" +
      std::to_string(port) + ", '127.0.0.1');";
  PeerProcess tls({"node", "-e", server}, dir.file("https.log"));
  ASSERT_TRUE(waitForListener(port, std::chrono::seconds(10)));
  std::string base = "https://127.0.0.1:" + std::to_string(port) + "/fhir";
  // Without the certificate's CA: no exchange, a clear reason, to be retried once fixed.
  PlatformAnswer refused = PlatformClient(endpoint(base)).postTransaction(kBundle, 0);
  EXPECT_EQ(refused.kind, PlatformAnswer::Kind::Retry);
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.problem.find("certificate"), std::string::npos) << refused.problem;
  PlatformEndpoint trusted = endpoint(base);
  trusted.tls.caFile = cert;
  PlatformAnswer answered = PlatformClient(trusted).postTransaction(kBundle, 0);
  EXPECT_EQ(answered.status, 200) << answered.problem;
}

}  // namespace
}  // namespace medbridge::testing
