#include "mappings/fhir/Json.h"

#include <gtest/gtest.h>

namespace medbridge::mappings::fhir {

TEST(Json, DecimalsKeepTheirWrittenPrecision) {
  rapidjson::Document d;
  d.SetObject();
  auto& a = d.GetAllocator();
  for (auto [in, name] :
       {std::pair{"1.50", "a"}, {"+.5", "b"}, {"-0.050", "c"}, {"007", "d"}, {"3.", "e"}})
    d.AddMember(rapidjson::StringRef(name), decimal(in, a), a);
  EXPECT_EQ(toJson(d), R"({"a":1.50,"b":0.5,"c":-0.050,"d":7,"e":3})");
  EXPECT_TRUE(decimal("1.2.3", a).IsNull());
  EXPECT_TRUE(decimal("abc", a).IsNull());
}

}  // namespace medbridge::mappings::fhir
