#include "gateway/core/ErrorCode.h"

#include <gtest/gtest.h>

#include <set>

namespace medbridge::core {

TEST(ErrorCode, NumbersAreUniqueAndPrintAsMbCodes) {
  std::set<int> numbers;
#define MB_ERROR(num, name, kind, http, ack, hl7, dimse, text) \
  EXPECT_TRUE(numbers.insert(num).second) << "duplicate error number " << num;
#include "gateway/core/ErrorCodes.def"
#undef MB_ERROR
  EXPECT_GT(numbers.size(), 10u);
  EXPECT_EQ(errorId(ErrorCode::Hl7MissingMsh), "MB-2101");
}

TEST(ErrorCode, CarriesProtocolAnswers) {
  const auto& info = errorInfo(ErrorCode::StoreUnavailable);
  EXPECT_EQ(info.kind, ErrorKind::Transient);
  EXPECT_EQ(info.httpStatus, 503);
  EXPECT_EQ(info.ackCode, "AR");
  EXPECT_EQ(info.dimseStatus, 0xA700);
  Error e(ErrorCode::Hl7UnsupportedVersion, "'2.1'");
  EXPECT_STREQ(e.what(), "MB-2107 MSH-12 version is not supported (2.3-2.8): '2.1'");
}

}  // namespace medbridge::core
