// auth.mode jwt over real HTTP: tokens signed by Node's crypto (RS256, ES256) with keys made by
// openssl; issuer, audience, expiry, signature and scopes checked; metadata stays open.
#include <gtest/gtest.h>

#include <ctime>

#include "tests/integration/FhirHelpers.h"

namespace medbridge::testing {
namespace {

class FhirAuth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    const std::string d = dir_->path();
    for (const auto& [name, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"rsa", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}},
             {"ec", {"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}},
             {"other", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}}}) {
      std::vector<std::string> gen{"openssl", "genpkey"};
      gen.insert(gen.end(), args.begin(), args.end());
      gen.insert(gen.end(), {"-out", d + "/" + name + ".pem"});
      ASSERT_EQ(runCommand(gen).exitCode, 0);
      ASSERT_EQ(runCommand({"openssl", "pkey", "-in", d + "/" + name + ".pem", "-pubout", "-out",
                            d + "/" + name + ".pub"})
                    .exitCode,
                0);
    }
    gw_ = new GatewayProcess(d, {"auth.mode=jwt", "auth.jwt.issuer=https://idp.region.example",
                                 "auth.jwt.audience=medbridge",
                                 "auth.jwt.publicKeyFiles=" + d + "/rsa.pub," + d + "/ec.pub"});
    gw_->start();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gw_->terminate(), 0);
    delete gw_;
    delete dir_;
  }
  static std::string token(const std::string& key, const std::string& alg, const std::string& scope,
                           const std::string& issuer = "https://idp.region.example",
                           const std::string& audience = "medbridge", long expiresIn = 300) {
    long now = static_cast<long>(std::time(nullptr));
    std::string claims = R"({"iss":")" + issuer + R"(","aud":")" + audience +
                         R"(","sub":"hospital-a","exp":)" + std::to_string(now + expiresIn) +
                         R"(,"scope":")" + scope + R"("})";
    auto r = runCommand({"node", peersDir() + "/make-jwt.js", dir_->path() + "/" + key + ".pem",
                         alg, claims, dir_->path() + "/rsa.pub"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return r.out;
  }
  static HttpResult call(const std::string& method, const std::string& path,
                         const std::string& bearer, const std::string& body = "") {
    auto headers = kFhirJson;
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
    return httpRequest(gw_->httpPort(), method, "/fhir" + path, body, headers);
  }
  static TempDir* dir_;
  static GatewayProcess* gw_;
};
TempDir* FhirAuth::dir_ = nullptr;
GatewayProcess* FhirAuth::gw_ = nullptr;

const std::string kPatient = R"({"resourceType":"Patient","gender":"female"})";
const std::string kObservation =
    R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})";

TEST_F(FhirAuth, MetadataIsOpenEverythingElseNeedsAToken) {
  EXPECT_EQ(call("GET", "/metadata", "").status, 200);
  auto none = call("GET", "/Patient", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"medbridge\", error=\"invalid_token\"");
  EXPECT_EQ(firstIssue(none.body), "a bearer token is required (Authorization: Bearer ...)");
}

TEST_F(FhirAuth, ScopesDecideWhatATokenMayDo) {
  std::string reader = token("rsa", "RS256", "system/*.read");
  EXPECT_EQ(call("GET", "/Patient", reader).status, 200);
  auto denied = call("POST", "/Patient", reader, kPatient);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(firstIssue(denied.body), "the token's scopes do not allow writing Patient");
  std::string writer = token("ec", "ES256", "system/Patient.write system/Patient.read");
  EXPECT_EQ(call("POST", "/Patient", writer, kPatient).status, 201);
  EXPECT_EQ(call("POST", "/Observation", writer, kObservation).status, 403);
  EXPECT_EQ(call("GET", "/Observation", writer).status, 403);
  // A transaction is authorised entry by entry.
  auto tx = call("POST", "", writer,
                 R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)" +
                     kPatient + R"(,"request":{"method":"POST","url":"Patient"}},{"resource":)" +
                     kObservation + R"(,"request":{"method":"POST","url":"Observation"}}]})");
  EXPECT_EQ(tx.status, 403);
  EXPECT_EQ(firstIssue(tx.body), "the token's scopes do not allow writing Observation");
}

TEST_F(FhirAuth, BadTokensAreRefused) {
  auto expect401 = [](const std::string& bearer, const std::string& why) {
    auto r = call("GET", "/Patient", bearer);
    EXPECT_EQ(r.status, 401) << why;
    EXPECT_EQ(firstIssue(r.body), why);
  };
  expect401(token("other", "RS256", "system/*.read"),
            "the bearer token's signature does not verify");
  expect401(token("rsa", "RS256", "system/*.read", "https://evil.example"),
            "the bearer token's issuer is not https://idp.region.example");
  expect401(token("rsa", "RS256", "system/*.read", "https://idp.region.example", "other"),
            "the bearer token is not for audience medbridge");
  expect401(token("rsa", "RS256", "system/*.read", "https://idp.region.example", "medbridge", -600),
            "the bearer token expired");
  // alg=none and HS256 keyed with the public key (algorithm confusion) never verify.
  expect401(token("rsa", "none", "system/*.read"), "the bearer token's signature does not verify");
  expect401(token("rsa", "HS256", "system/*.read"), "the bearer token's signature does not verify");
  expect401("not.a.jwt", "the bearer token's signature does not verify");
}

TEST(FhirAuthConfig, NoAuthenticationOnlyOnLoopback) {
  TempDir dir;
  writeFile(dir.path() + "/medbridge.json", readFile(sourceDir() + "/config/medbridge.json"));
  auto r = runCommand({binaryPath(), "serve", "--config", dir.path() + "/medbridge.json", "--set",
                       "http.host=0.0.0.0", "--set", "dataDir=" + dir.path(), "--set",
                       "store.url=sqlite:" + dir.path() + "/m.db"});
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("auth.mode: none is allowed only while every listener binds loopback "
                       "(http.host is 0.0.0.0); use jwt"),
            std::string::npos)
      << r.err << r.out;
}

TEST_F(FhirAuth, DicomWebTakesTheSameTokensWithImagingStudyScopes) {
  auto dicomweb = [&](const std::string& method, const std::string& bearer) {
    std::vector<std::pair<std::string, std::string>> headers{
        {"Content-Type", R"(multipart/related; type="application/dicom"; boundary=B)"}};
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
    return httpRequest(gw_->httpPort(), method, "/dicomweb/studies",
                       method == "POST" ? "--B--\r\n" : "", headers);
  };
  auto none = dicomweb("GET", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("www-authenticate"), R"(Bearer realm="medbridge", error="invalid_token")");
  EXPECT_EQ(dicomweb("GET", token("rsa", "RS256", "system/Patient.read")).status, 403);
  std::string reader = token("ec", "ES256", "system/ImagingStudy.read");
  EXPECT_EQ(dicomweb("GET", reader).status, 200);
  EXPECT_EQ(dicomweb("POST", reader).status, 403);
  // A writer gets through to STOW-RS, which finds no parts in the body.
  EXPECT_EQ(dicomweb("POST", token("rsa", "RS256", "system/ImagingStudy.write")).status, 400);
}

// The operator's routes need a token with the scope medbridge/admin, the platform's pushes one
// with medbridge/inbound: FHIR scopes are not enough.
TEST_F(FhirAuth, AdminRoutesNeedTheAdminScope) {
  auto admin = [&](const std::string& method, const std::string& path, const std::string& bearer) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
    return httpRequest(gw_->httpPort(), method, path, "", headers);
  };
  auto none = admin("GET", "/admin/deliveries", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer");
  EXPECT_EQ(none.body, "{\"error\":\"a bearer token is required\"}\n");
  std::string fhirOnly = token("rsa", "RS256", "system/*.*");
  auto forbidden = admin("POST", "/admin/deliveries/pause", fhirOnly);
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_EQ(forbidden.body, "{\"error\":\"the token lacks the scope medbridge/admin\"}\n");
  EXPECT_EQ(admin("GET", "/admin/dicom-echo?peer=X", fhirOnly).status, 403);
  std::string operatorToken = token("rsa", "RS256", "medbridge/admin");
  auto listed = admin("GET", "/admin/deliveries", operatorToken);
  EXPECT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body,
            "{\"destinations\":[],\"counts\":{\"pending\":0,\"sent\":0,\"dead\":0,"
            "\"discarded\":0},\"oldestPendingSeconds\":0,\"items\":[]}\n");
  EXPECT_EQ(admin("GET", "/admin/dicom-echo?peer=X", operatorToken).status, 404);
  // The platform's pushes need their own scope.
  EXPECT_EQ(admin("POST", "/regional/inbound", "").status, 401);
  EXPECT_EQ(admin("POST", "/regional/inbound", operatorToken).status, 403);
  EXPECT_EQ(admin("POST", "/regional/inbound", token("rsa", "RS256", "medbridge/inbound")).status,
            400)
      << "in, and the empty body is refused";
  auto expired = admin(
      "GET", "/admin/deliveries",
      token("rsa", "RS256", "medbridge/admin", "https://idp.region.example", "medbridge", -600));
  EXPECT_EQ(expired.status, 401);
}

}  // namespace
}  // namespace medbridge::testing
