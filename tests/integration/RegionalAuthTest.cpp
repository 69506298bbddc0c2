// How a hospital gateway proves itself to the regional platform, over real sockets: OAuth2
// client credentials against a token endpoint (tokens cached, renewed before they expire, and
// renewed once when the platform answers 401), a static bearer token, and mutual TLS — a wrong
// client certificate is a clear error while the changes wait; with the right one they arrive, none
// lost.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <thread>

#include "tests/integration/IntegrationHelpers.h"

namespace medbridge::testing {
namespace {

const char* kIssuer = "https://idp.region.test";
const char* kAudience = "https://platform.region.test";

std::string adt(const std::string& controlId, const std::string& visit) {
  return "MSH|^~\\&|HIS|ZJYY|MEDBRIDGE|PLATFORM|20261123093000+0800||ADT^A01|" + controlId +
         "|P|2.5\rPID|1||A1^^^ZJYY-HIS^MR||王^秀英||19491231|F\rPV1|1|O||||||||||||||||" + visit +
         "\r";
}

void run(const std::vector<std::string>& argv) {
  CommandResult r = runCommand(argv);
  ASSERT_EQ(r.exitCode, 0) << argv[0] << " " << argv[1] << ": " << r.err;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The front door (tests/integration/peers/platform-front.js) with these settings.
class Front {
 public:
  Front(const TempDir& dir, const std::string& settingsWithoutPort)
      : port_(freeLoopbackPort()),
        process_({"node", peersDir() + "/platform-front.js",
                  "{\"port\":" + std::to_string(port_) + "," + settingsWithoutPort + "}"},
                 dir.file("front.log")) {
    EXPECT_TRUE(waitForListener(port_, std::chrono::seconds(10)));
  }
  int port() const { return port_; }
  std::string stats() const { return httpRequest(port_, "GET", "/stats").body; }

 private:
  int port_;
  PeerProcess process_;
};

std::string sentCount(const GatewayProcess& gw) {
  return sqliteQuery(gw.dbPath(), "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'")[0][0];
}

class RegionalOAuth2 : public ::testing::Test {
 protected:
  // A platform that takes only tokens of the front's issuer, and a hospital with client
  // credentials (or, with staticToken, a token of that issuer in a file); the front's tokens
  // live `lifetime` seconds and claim to live `claimed`.
  void start(int lifetime, int claimed, bool staticToken = false) {
    run({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
         dir_.file("token.key")});
    run({"openssl", "pkey", "-in", dir_.file("token.key"), "-pubout", "-out",
         dir_.file("token.pub")});
    platform_ = std::make_unique<GatewayProcess>(
        platformDir_.path(),
        std::vector<std::string>{
            "profile=platform", "auth.mode=jwt", std::string("auth.jwt.issuer=") + kIssuer,
            std::string("auth.jwt.audience=") + kAudience,
            "auth.jwt.publicKeyFiles=" + dir_.file("token.pub"), "auth.jwt.leewaySeconds=0"});
    platform_->start();
    front_ = std::make_unique<Front>(
        dir_, "\"upstreamPort\":" + std::to_string(platform_->httpPort()) +
                  ",\"token\":{\"key\":\"" + dir_.file("token.key") +
                  "\",\"clientId\":\"hospital-zjyy\",\"clientSecret\":\"s3cret for tests\","
                  "\"issuer\":\"" +
                  kIssuer + "\",\"audience\":\"" + kAudience +
                  "\",\"lifetime\":" + std::to_string(lifetime) +
                  ",\"claimedLifetime\":" + std::to_string(claimed) + "}");
    write(dir_.file("client-secret"), "s3cret for tests\n");
    std::string front = "http://127.0.0.1:" + std::to_string(front_->port());
    std::vector<std::string> sets = {"regional.urls=" + front + "/fhir",
                                     "regional.resourceTypes=Patient,Encounter",
                                     "workers.retryBaseSeconds=1"};
    if (!staticToken) {
      sets.insert(sets.end(),
                  {"regional.auth.mode=oauth2", "regional.auth.oauth2.tokenUrl=" + front + "/token",
                   "regional.auth.oauth2.clientId=hospital-zjyy",
                   "regional.auth.oauth2.clientSecretFile=" + dir_.file("client-secret")});
    } else {
      long now = static_cast<long>(std::time(nullptr));
      CommandResult jwt =
          runCommand({"node", peersDir() + "/make-jwt.js", dir_.file("token.key"), "RS256",
                      std::string(R"({"iss":")") + kIssuer + R"(","aud":")" + kAudience +
                          R"(","sub":"hospital-zjyy","scope":"system/*.*","exp":)" +
                          std::to_string(now + 3600) + "}"});
      ASSERT_EQ(jwt.exitCode, 0) << jwt.err;
      write(dir_.file("bearer-token"), jwt.out + "\n");
      sets.insert(sets.end(), {"regional.auth.mode=bearer",
                               "regional.auth.bearerTokenFile=" + dir_.file("bearer-token")});
    }
    hospital_ = std::make_unique<GatewayProcess>(hospitalDir_.path(), sets);
    hospital_->start();
  }

  void deliver(const std::string& controlId, const std::string& visit, const std::string& sent) {
    MllpClient his(hospital_->mllpPort());
    his.sendFrame(adt(controlId, visit));
    EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
    ASSERT_TRUE(waitFor([&] { return sentCount(*hospital_) == sent; }, std::chrono::seconds(30)))
        << hospital_->log();
  }

  TempDir dir_, platformDir_, hospitalDir_;
  std::unique_ptr<GatewayProcess> platform_, hospital_;
  std::unique_ptr<Front> front_;
};

TEST_F(RegionalOAuth2, TokensAreCachedAndRenewedBeforeTheyExpire) {
  start(/*lifetime=*/3, /*claimed=*/3);
  deliver("T-1", "V1", "2");
  deliver("T-2", "V2", "3");
  EXPECT_EQ(front_->stats(), R"({"tokens":1,"forwarded":2,"status401":0})") << "one token, cached";
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));  // past 90% of its lifetime
  deliver("T-3", "V3", "4");
  EXPECT_EQ(front_->stats(), R"({"tokens":2,"forwarded":3,"status401":0})");
  EXPECT_EQ(hospital_->terminate(), 0);
  EXPECT_EQ(sqliteQuery(hospital_->dbPath(), "SELECT SUM(attempts) FROM deliveries")[0][0], "4");
  EXPECT_EQ(sqliteQuery(platform_->dbPath(), "SELECT COUNT(*) FROM resource_versions")[0][0], "4");
}

TEST_F(RegionalOAuth2, ATokenThePlatformRefusesIsRenewedOnce) {
  start(/*lifetime=*/2, /*claimed=*/3600);  // the token expires long before it says
  deliver("R-1", "V1", "2");
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));
  deliver("R-2", "V2", "3");
  // The second exchange got 401 with the cached token, fetched a new one and went through.
  EXPECT_EQ(front_->stats(), R"({"tokens":2,"forwarded":3,"status401":1})");
  EXPECT_EQ(hospital_->terminate(), 0);
  EXPECT_EQ(sqliteQuery(hospital_->dbPath(), "SELECT SUM(attempts) FROM deliveries")[0][0], "3");
  EXPECT_EQ(sqliteQuery(platform_->dbPath(), "SELECT COUNT(*) FROM resource_versions")[0][0], "3");
}

// regional.auth.mode bearer: the token read from its file goes with every exchange; the token
// endpoint is never asked.
TEST_F(RegionalOAuth2, AStaticBearerTokenFromAFile) {
  start(/*lifetime=*/3, /*claimed=*/3, /*staticToken=*/true);
  deliver("S-1", "V1", "2");
  deliver("S-2", "V2", "3");
  EXPECT_EQ(front_->stats(), R"({"tokens":0,"forwarded":2,"status401":0})");
  EXPECT_EQ(hospital_->terminate(), 0);
  EXPECT_EQ(sqliteQuery(platform_->dbPath(), "SELECT COUNT(*) FROM resource_versions")[0][0], "3");
}

TEST(RegionalMutualTls, AWrongClientCertificateIsAClearErrorAndTheChangesWait) {
  TempDir dir, platformDir, hospitalDir;
  // The region's CA signs the front's server certificate and the hospital's client certificate;
  // the wrong one is self-signed.
  write(dir.file("server.ext"), "subjectAltName=IP:127.0.0.1\n");
  run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.file("ca.key"),
       "-out", dir.file("ca.pem"), "-days", "2", "-subj", "/CN=Test Regional CA"});
  for (const std::string name : {"server", "client"}) {
    run({"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.file(name + ".key"),
         "-out", dir.file(name + ".csr"), "-subj",
         name == "server" ? "/CN=127.0.0.1" : "/CN=hospital-zjyy"});
    std::vector<std::string> sign = {"openssl",
                                     "x509",
                                     "-req",
                                     "-in",
                                     dir.file(name + ".csr"),
                                     "-CA",
                                     dir.file("ca.pem"),
                                     "-CAkey",
                                     dir.file("ca.key"),
                                     "-CAcreateserial",
                                     "-out",
                                     dir.file(name + ".pem"),
                                     "-days",
                                     "2"};
    if (name == "server") sign.insert(sign.end(), {"-extfile", dir.file("server.ext")});
    run(sign);
  }
  run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.file("wrong.key"),
       "-out", dir.file("wrong.pem"), "-days", "2", "-subj", "/CN=hospital-zjyy"});

  GatewayProcess platform(platformDir.path(), {"profile=platform"});
  platform.start();
  Front front(dir, "\"upstreamPort\":" + std::to_string(platform.httpPort()) +
                       ",\"tls\":{\"key\":\"" + dir.file("server.key") + "\",\"cert\":\"" +
                       dir.file("server.pem") + "\",\"clientCa\":\"" + dir.file("ca.pem") + "\"}");
  auto sets = [&](const std::string& cert) {
    return std::vector<std::string>{
        "regional.urls=https://127.0.0.1:" + std::to_string(front.port()) + "/fhir",
        "regional.resourceTypes=Patient,Encounter",
        "workers.retryBaseSeconds=1",
        "regional.tls.caFile=" + dir.file("ca.pem"),
        "regional.tls.clientCertFile=" + dir.file(cert + ".pem"),
        "regional.tls.clientKeyFile=" + dir.file(cert + ".key")};
  };
  {
    GatewayProcess hospital(hospitalDir.path(), sets("wrong"));
    hospital.start();
    MllpClient his(hospital.mllpPort());
    his.sendFrame(adt("M-1", "V1"));
    EXPECT_EQ(ackField(his.readFrame(), "MSA", 1), "AA");
    ASSERT_TRUE(waitFor(
        [&] {
          return sqliteQuery(hospital.dbPath(),
                             "SELECT COUNT(*) FROM deliveries WHERE attempts >= 2 AND state ="
                             " 'pending'")[0][0] == "2";
        },
        std::chrono::seconds(30)))
        << hospital.log();
    std::string error =
        sqliteQuery(hospital.dbPath(), "SELECT last_error FROM deliveries WHERE id = 1")[0][0];
    EXPECT_EQ(error.rfind("no answer: ", 0), 0u) << error;
    EXPECT_NE(error.find("certificate"), std::string::npos) << error;
    EXPECT_NE(hospital.log().find("regional platform unavailable (no answer: "), std::string::npos);
    EXPECT_EQ(hospital.terminate(), 0);
  }
  EXPECT_EQ(sqliteQuery(platform.dbPath(), "SELECT COUNT(*) FROM resource_versions")[0][0], "0");

  GatewayProcess hospital(hospitalDir.path(), sets("client"));
  hospital.start();
  ASSERT_TRUE(waitFor([&] { return sentCount(hospital) == "2"; }, std::chrono::seconds(30)))
      << hospital.log();
  EXPECT_EQ(hospital.terminate(), 0);
  EXPECT_EQ(platform.terminate(), 0);
  EXPECT_EQ(sqliteQuery(platform.dbPath(), "SELECT type FROM resource_versions ORDER BY seq"),
            (std::vector<std::vector<std::string>>{{"Patient"}, {"Encounter"}}));
}

}  // namespace
}  // namespace medbridge::testing
