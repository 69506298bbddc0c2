#include "mappings/identity/IdentifierSystems.h"

#include <gtest/gtest.h>

#include "gateway/core/ErrorCode.h"

namespace medbridge::mappings::identity {

TEST(IdentifierSystems, BuiltInTableResolvesAuthoritiesAndOids) {
  const auto& t = IdentifierSystems::builtIn();
  const IdentifierSystem* nid = t.find("PRC-NID");
  ASSERT_NE(nid, nullptr);
  EXPECT_EQ(nid->system, "urn:oid:2.16.156.10011.1.3");
  EXPECT_EQ(nid->type, "national-id");
  EXPECT_TRUE(nid->trusted);
  const IdentifierSystem* mrn = t.find("", "1.2.156.112604.1.2.1.1");  // by universal id only
  ASSERT_NE(mrn, nullptr);
  EXPECT_EQ(mrn->authority, "ZJYY-HIS");
  EXPECT_EQ(mrn->hospital, "ZJYY");
  EXPECT_EQ(t.find("urn:oid:1.2.156.112604.1.2.1.1"), mrn);  // by canonical system (FHIR)
  EXPECT_EQ(t.find("NOBODY"), nullptr);
}

TEST(IdentifierSystems, UnknownAuthoritiesGetAnUntrustedFallbackSystem) {
  const auto& t = IdentifierSystems::builtIn();
  EXPECT_EQ(t.systemFor("ZJYY-HIS", "", ""), "urn:oid:1.2.156.112604.1.2.1.1");
  EXPECT_EQ(t.systemFor("X", "1.2.3", "ISO"), "urn:oid:1.2.3");
  EXPECT_EQ(t.systemFor("X", "http://h.example/mrn", "URI"), "http://h.example/mrn");
  EXPECT_EQ(t.systemFor("University Hospital", "", ""), "urn:medbridge:aa:University%20Hospital");
  EXPECT_EQ(t.systemFor("", "", ""), "");
}

TEST(IdentifierSystems, ADeploymentTableIsValidated) {
  auto t = IdentifierSystems::fromJson(
      R"({"systems": [{"authority": "H1", "system": "urn:oid:9.9", "type": "mrn", "trusted": true},
                      {"authority": "H2", "system": "urn:oid:9.8", "type": "pacs-id"}]})");
  ASSERT_EQ(t.all().size(), 2u);
  EXPECT_TRUE(t.find("H1")->trusted);
  EXPECT_FALSE(t.find("H2")->trusted) << "trust must be stated";
  auto expectError = [](const std::string& json, const std::string& message) {
    try {
      IdentifierSystems::fromJson(json);
      FAIL() << json;
    } catch (const core::Error& e) {
      EXPECT_EQ(e.code(), core::ErrorCode::ConfigInvalid);
      EXPECT_EQ(e.detail(), message);
    }
  };
  expectError("[]", "identifier systems: a JSON object with a \"systems\" array is expected");
  expectError(R"({"systems": [{"authority": "H1", "type": "mrn"}]})",
              "identifier systems: row 1 needs a string \"system\"");
  expectError(R"({"systems": [{"authority": "H1", "system": "s", "type": "passport"}]})",
              "identifier systems: row 1 has unknown type \"passport\" (national-id, mrn, pacs-id, "
              "platform-id, "
              "insurance)");
}

}  // namespace medbridge::mappings::identity
