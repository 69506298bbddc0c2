#include "adapters/regional/PlatformClient.h"

#include <gtest/gtest.h>

namespace medbridge::adapters::regional {
namespace {

using Kind = PlatformAnswer::Kind;

TEST(PlatformClient, ClassifiesAnswersForTheSender) {
  EXPECT_EQ(classify(200), Kind::Delivered);
  EXPECT_EQ(classify(201), Kind::Delivered);
  for (int retry : {0, 401, 408, 429, 500, 502, 503, 504}) EXPECT_EQ(classify(retry), Kind::Retry);
  for (int rejected : {400, 403, 404, 409, 412, 422}) EXPECT_EQ(classify(rejected), Kind::Rejected);
}

TEST(PlatformClient, ReadsRetryAfterInSecondsOrAsADate) {
  const std::int64_t now = 1700000000000;  // 2023-11-14T22:13:20Z
  EXPECT_EQ(retryAfterSeconds("120", now), 120);
  EXPECT_EQ(retryAfterSeconds("Tue, 14 Nov 2023 22:14:20 GMT", now), 60);
  EXPECT_EQ(retryAfterSeconds("Tue, 14 Nov 2023 22:00:00 GMT", now), 0) << "already past";
  EXPECT_EQ(retryAfterSeconds("", now), -1);
  EXPECT_EQ(retryAfterSeconds("soon", now), -1);
  EXPECT_EQ(retryAfterSeconds("99999999999", now), -1);
}

}  // namespace
}  // namespace medbridge::adapters::regional
