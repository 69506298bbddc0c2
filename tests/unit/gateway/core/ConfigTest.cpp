#include "gateway/core/Config.h"

#include <gtest/gtest.h>

#include "gateway/core/ErrorCode.h"
#include "tests/support/TestSupport.h"

namespace medbridge::core {

TEST(Config, ShippedConfigParsesWithCommentsAndDefaults) {
  GatewayConfig c = loadConfig(testing::sourceDir() + "/config/medbridge.json", {});
  EXPECT_EQ(c.profile, "hospital");
  EXPECT_EQ(c.mllp.port, 2575);
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.mllp.maxMessageBytes, 16u * 1024 * 1024);
  EXPECT_EQ(c.mllp.ackMode, AckMode::Original);
  EXPECT_EQ(c.store.url, "sqlite:data/medbridge.db");
  EXPECT_EQ(c.timeZone, "Asia/Shanghai");
}

TEST(Config, OverridesUseDotPaths) {
  GatewayConfig c =
      parseConfig("{}", {"mllp.port=0", "mllp.ackMode=enhanced", "mllp.rejectUnknownTriggers=true",
                         "store.url=sqlite:/tmp/x.db"});
  EXPECT_EQ(c.mllp.port, 0);
  EXPECT_EQ(c.mllp.ackMode, AckMode::Enhanced);
  EXPECT_TRUE(c.mllp.rejectUnknownTriggers);
  EXPECT_EQ(c.store.url, "sqlite:/tmp/x.db");
}

void expectError(const std::string& text, const std::vector<std::string>& sets, ErrorCode code,
                 const std::string& message) {
  try {
    parseConfig(text, sets);
    FAIL() << "no error for " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code);
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(Config, BadValuesNameTheKey) {
  expectError("{\"mllp\": {\"port\": 70000}}", {}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: mllp.port: must be between 0 and 65535");
  expectError("{\"mllp\": {\"portt\": 1}}", {}, ErrorCode::ConfigUnknownKey,
              "MB-1002 unknown configuration key: mllp.portt");
  expectError("{}", {"mllp.ackMode=fast"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: mllp.ackMode: must be one of original, enhanced");
  expectError("{\"store\": {\"url\": \"mysql://x\"}}", {}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: store.url: only sqlite:PATH is supported");
  expectError("{\"http\": {\"port\": \"80\"}}", {}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: http.port: must be an integer");
}

TEST(Config, RegionalPlatformUrlsAndDeliveredTypes) {
  GatewayConfig shipped = loadConfig(testing::sourceDir() + "/config/medbridge.json", {});
  EXPECT_TRUE(shipped.regional.urls.empty());
  EXPECT_EQ(shipped.regional.resourceTypes, RegionalConfig().resourceTypes);
  GatewayConfig c =
      parseConfig("{}", {"regional.urls=https://a.example/fhir,http://b.example/fhir",
                         "regional.resourceTypes=Patient,Task", "regional.failbackSeconds=30"});
  EXPECT_EQ(shipped.regional.failbackSeconds, 300);
  EXPECT_EQ(c.regional.failbackSeconds, 30);
  EXPECT_EQ(c.regional.urls,
            (std::vector<std::string>{"https://a.example/fhir", "http://b.example/fhir"}));
  EXPECT_EQ(c.regional.resourceTypes, (std::set<std::string>{"Patient", "Task"}));
  expectError("{}", {"regional.urls=https://a,https://b,https://c"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: regional.urls: at most two base URLs (primary, "
              "secondary)");
  expectError("{}", {"regional.urls=platform.example"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: regional.urls: 'platform.example' is not an "
              "http:// or https:// base URL");
}

TEST(Config, RegionalCredentialsAndPolicies) {
  GatewayConfig shipped = loadConfig(testing::sourceDir() + "/config/medbridge.json", {});
  EXPECT_EQ(shipped.regional.auth.mode, "none");
  EXPECT_EQ(shipped.regional.maxAgeHours, 168);
  EXPECT_EQ(shipped.regional.maxAttempts, 0);
  EXPECT_EQ(shipped.regional.breakerFailures, 5);
  GatewayConfig c = parseConfig(
      "{}", {"regional.auth.mode=oauth2", "regional.auth.oauth2.tokenUrl=https://idp.example/token",
             "regional.auth.oauth2.clientId=h1", "regional.auth.oauth2.clientSecretFile=/s",
             "regional.tls.clientCertFile=/c.pem", "regional.tls.clientKeyFile=/c.key",
             "regional.breaker.openSeconds=5", "regional.maxAttempts=9"});
  EXPECT_EQ(c.regional.auth.tokenUrl, "https://idp.example/token");
  EXPECT_EQ(c.regional.clientKeyFile, "/c.key");
  EXPECT_EQ(c.regional.breakerOpenSeconds, 5);
  EXPECT_EQ(c.regional.maxAttempts, 9);
  expectError("{}", {"regional.auth.mode=oauth2", "regional.auth.oauth2.clientId=h1"},
              ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: regional.auth.oauth2.tokenUrl: required with "
              "regional.auth.mode oauth2 (an http:// or https:// URL)");
  expectError("{}", {"regional.auth.mode=bearer"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: regional.auth.bearerTokenFile: required with "
              "regional.auth.mode bearer");
  expectError("{}", {"regional.auth.mode=basic"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: regional.auth.mode: must be one of none, bearer, "
              "oauth2");
  expectError("{}", {"regional.tls.clientCertFile=/c.pem"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: regional.tls.clientKeyFile: a client certificate "
              "needs both regional.tls.clientCertFile and clientKeyFile");
}

TEST(Config, WorkflowKeysAndTheControlledClock) {
  GatewayConfig shipped = loadConfig(testing::sourceDir() + "/config/medbridge.json", {});
  EXPECT_EQ(
      shipped.workflow.submitSteps,
      (std::vector<std::string>{"department-head-signed", "medical-affairs-approved", "fee-paid"}));
  EXPECT_EQ(shipped.workflow.rescheduleNoticeMinutes, 120);
  EXPECT_EQ(shipped.workflow.deadlineCheckSeconds, 30);
  EXPECT_FALSE(shipped.workflow.requirePoolExpert);
  EXPECT_FALSE(shipped.controlledClock);
  EXPECT_EQ(shipped.referral.priorConsultDays, 30);
  GatewayConfig c = parseConfig(
      "{}", {"workflow.submitSteps=", "workflow.regionCode=3301", "workflow.requirePoolExpert=true",
             "testing.controlledClock=true", "referral.priorConsultDays=14"});
  EXPECT_EQ(c.referral.priorConsultDays, 14);
  EXPECT_EQ(shipped.referral.resultValidityDays, 30);
  EXPECT_TRUE(shipped.referral.recognisedLevels.empty());
  GatewayConfig matrix =
      parseConfig(R"({"referral": {"recognisedLevels": {"2A": "3A,2A"}}})",
                  {"referral.recognisedLevels.1A=2A", "referral.resultValidityDays=7"});
  EXPECT_EQ(matrix.referral.recognisedLevels, (std::map<std::string, std::vector<std::string>>{
                                                  {"1A", {"2A"}}, {"2A", {"3A", "2A"}}}));
  EXPECT_EQ(matrix.referral.resultValidityDays, 7);
  expectError("{}", {"referral.recognisedLevels.a.b=3A"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: referral.recognisedLevels.a.b: keys are "
              "referral.recognisedLevels.<hospital-level code>");
  expectError("{}", {"referral.priorConsultDays=0"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: referral.priorConsultDays: must be between 1 and "
              "3650");
  EXPECT_TRUE(c.workflow.submitSteps.empty());
  EXPECT_EQ(c.workflow.regionCode, "3301");
  EXPECT_TRUE(c.workflow.requirePoolExpert);
  EXPECT_TRUE(c.controlledClock);
  expectError("{}",
              {"testing.controlledClock=true", "auth.mode=jwt", "auth.jwt.issuer=i",
               "auth.jwt.audience=a", "auth.jwt.publicKeyFiles=/k.pem"},
              ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: testing.controlledClock: a controlled clock needs "
              "auth.mode none (tests only)");
}

TEST(Config, TheConsultPackageNamesKnownDicomPeers) {
  GatewayConfig shipped = loadConfig(testing::sourceDir() + "/config/medbridge.json", {});
  EXPECT_EQ(shipped.workflow.packageLookbackDays, 30);
  EXPECT_EQ(shipped.workflow.packagePacs, "");
  EXPECT_TRUE(shipped.workflow.imageDestinations.empty());
  EXPECT_EQ(shipped.workflow.packageWaitSeconds, 30);
  GatewayConfig c = parseConfig(
      R"({"dicom": {"peers": {"PACS": {"host": "10.1.2.3"}, "TERTIARY": {"host": "10.9.9.9"}}},
          "workflow": {"package": {"imageDestinations": {"tertiary": "TERTIARY"}}}})",
      {"workflow.package.pacs=PACS", "workflow.package.lookbackDays=7"});
  EXPECT_EQ(c.workflow.packagePacs, "PACS");
  EXPECT_EQ(c.workflow.packageLookbackDays, 7);
  EXPECT_EQ(c.workflow.imageDestinations,
            (std::map<std::string, std::string>{{"tertiary", "TERTIARY"}}));
  expectError("{}", {"workflow.package.pacs=NOPE"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: workflow.package.pacs: 'NOPE' is not in dicom.peers");
  expectError("{}", {"workflow.package.imageDestinations.a.b=X"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: workflow.package.imageDestinations.a.b: keys are "
              "workflow.package.imageDestinations.<Organization id>");
}

TEST(Config, TheHisForReports) {
  GatewayConfig shipped = loadConfig(testing::sourceDir() + "/config/medbridge.json", {});
  EXPECT_EQ(shipped.his.host, "");
  EXPECT_EQ(shipped.his.reportMessage, "MDM^T02");
  EXPECT_FALSE(shipped.his.statusMessages);
  EXPECT_FALSE(shipped.his.preAdmitReferrals);
  GatewayConfig c = parseConfig(
      "{}", {"his.host=10.0.0.5", "his.port=2575", "his.organization=county",
             "his.reportMessage=ORU^R01", "his.statusMessages=true", "his.preAdmitReferrals=true"});
  EXPECT_TRUE(c.his.statusMessages);
  EXPECT_TRUE(c.his.preAdmitReferrals);
  EXPECT_EQ(c.his.port, 2575);
  EXPECT_EQ(c.his.reportMessage, "ORU^R01");
  expectError("{}", {"his.host=10.0.0.5"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: his.host: an HIS to send reports to needs his.port "
              "and his.organization");
  expectError("{}", {"his.reportMessage=ORU^R03"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: his.reportMessage: must be one of MDM^T02, ORU^R01");
}

TEST(Config, AStowPeerNeedsOnlyItsUrl) {
  GatewayConfig c = parseConfig("{}", {"dicom.peers.WEB.stowUrl=http://10.0.0.9/dicomweb"});
  EXPECT_EQ(c.dicom.peers["WEB"].stowUrl, "http://10.0.0.9/dicomweb");
  expectError("{}", {"dicom.peers.WEB.stowUrl=ftp://x"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: dicom.peers.WEB.stowUrl: 'ftp://x' is not an http:// "
              "DICOMweb base URL");
}

TEST(Config, DicomPeersByAeTitle) {
  GatewayConfig c = parseConfig(
      R"({"dicom": {"knownPeersOnly": true, "peers": {
            "PACS-1": {"host": "10.1.2.3", "port": 104, "retrieve": "get"},
            "CT.ROOM": {"host": "10.1.2.4"}}}})",
      {"dicom.peers.WS1.host=127.0.0.1", "dicom.peers.WS1.port=11113"});
  EXPECT_TRUE(c.dicom.knownPeersOnly);
  ASSERT_EQ(c.dicom.peers.size(), 3u);
  EXPECT_EQ(c.dicom.peers["PACS-1"].host, "10.1.2.3");
  EXPECT_EQ(c.dicom.peers["PACS-1"].retrieve, "get");
  EXPECT_EQ(c.dicom.peers["CT.ROOM"].port, 104);
  EXPECT_EQ(c.dicom.peers["CT.ROOM"].retrieve, "move");
  EXPECT_EQ(c.dicom.peers["WS1"].port, 11113);
  expectError("{}", {"dicom.peers.WS1.port=11113"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: dicom.peers.WS1.host: required");
  expectError("{}", {"dicom.peers.WS1.host=h", "dicom.peers.WS1.retrieve=push"},
              ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: dicom.peers.WS1.retrieve: must be one of move, get");
  expectError("{}", {"dicom.peers.WS1.hots=h"}, ErrorCode::ConfigUnknownKey,
              "MB-1002 unknown configuration key: dicom.peers.WS1.hots");
  expectError("{}", {"dicom.peers.AN-AE-TITLE-TOO-LONG.host=h"}, ErrorCode::ConfigInvalid,
              "MB-1001 invalid configuration: dicom.peers.AN-AE-TITLE-TOO-LONG.host: peers are "
              "dicom.peers.<AE title of 1 to 16 "
              "characters>.host|port|retrieve|patientIdSystem|forwardUnresolved|stowUrl");
}

}  // namespace medbridge::core
