#include "gateway/app/DeliveryRouting.h"

#include <gtest/gtest.h>

#include "mappings/fhir/Json.h"
#include "mappings/fhir/SearchIndexer.h"

namespace medbridge::app {
namespace {

std::vector<std::string> route(const store::DeliveryRouter& router, const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  store::ResourceVersion v{d["resourceType"].GetString(), "x", json, "", 1, false};
  return router(v, mappings::fhir::indexEntries(d));
}

TEST(DeliveryRouting, HospitalsSendTheirTypesToThePlatform) {
  core::GatewayConfig c;
  EXPECT_EQ(deliveryRouter(c), nullptr) << "no platform, no hospitals: nothing is queued";
  c.regional.urls = {"https://platform.example/fhir"};
  c.regional.resourceTypes = {"Patient", "Task"};
  auto router = deliveryRouter(c);
  EXPECT_EQ(route(router, R"({"resourceType":"Patient"})"), std::vector<std::string>{""});
  EXPECT_TRUE(route(router, R"({"resourceType":"Organization"})").empty());
}

TEST(DeliveryRouting, ThePlatformSendsTasksToTheirOwnerAndRequester) {
  core::GatewayConfig c;
  c.profile = "platform";
  c.platform.hospitals = {{"zjyy", {"https://zjyy.example/regional/inbound"}},
                          {"xywsy", {"https://xywsy.example/regional/inbound"}}};
  auto router = deliveryRouter(c);
  EXPECT_EQ(route(router, R"({"resourceType":"Task","status":"requested","intent":"order",
      "owner":{"reference":"Organization/zjyy"},"requester":{"reference":"Organization/xywsy"}})"),
            (std::vector<std::string>{"zjyy", "xywsy"}));
  EXPECT_EQ(route(router, R"({"resourceType":"Task","status":"requested","intent":"order",
      "owner":{"reference":"Organization/zjyy"},"requester":{"reference":"Organization/zjyy"}})"),
            std::vector<std::string>{"zjyy"});
  EXPECT_TRUE(route(router, R"({"resourceType":"Task","status":"requested","intent":"order",
      "owner":{"reference":"Organization/elsewhere"}})")
                  .empty());
  EXPECT_TRUE(route(router, R"({"resourceType":"Patient"})").empty());
}

}  // namespace
}  // namespace medbridge::app
