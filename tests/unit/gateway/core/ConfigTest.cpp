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

}  // namespace medbridge::core
