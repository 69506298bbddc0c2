#include "adapters/pacs_dicom/EncapsulatedPdf.h"

#include <gtest/gtest.h>

namespace medbridge::adapters::pacs_dicom {
namespace {

TEST(EncapsulatedPdf, UidsFromUuidsAreTheirDecimalUnder2_25) {
  EXPECT_EQ(uidFromUuid("00000000-0000-0000-0000-00000000000a"), "2.25.10");
  EXPECT_EQ(uidFromUuid("00000000-0000-0000-0000-000000000000"), "2.25.0");
  EXPECT_EQ(uidFromUuid("ffffffff-ffff-ffff-ffff-ffffffffffff"),
            "2.25.340282366920938463463374607431768211455");
  // The ISO/IEC 9834-8 example.
  EXPECT_EQ(uidFromUuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"),
            "2.25.329800735698586629295641978511506172918");
}

}  // namespace
}  // namespace medbridge::adapters::pacs_dicom
