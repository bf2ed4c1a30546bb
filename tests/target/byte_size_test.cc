#include "target/byte_size.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST(ByteSize, DecimalAndBinaryUnits) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096);
  EXPECT_EQ(*ParseByteSize("512B"), 512);
  EXPECT_EQ(*ParseByteSize("4KiB"), 4096);
  EXPECT_EQ(*ParseByteSize("4kib"), 4096);
  EXPECT_EQ(*ParseByteSize("1MB"), 1'000'000);
  EXPECT_EQ(*ParseByteSize("1.5MiB"), 1'572'864);
  EXPECT_EQ(*ParseByteSize("1GiB"), int64_t(1) << 30);
  EXPECT_EQ(*ParseByteSize("2GB"), 2'000'000'000);
}

TEST(ByteSize, BadInputSaysWhatIsExpected) {
  for (const char* bad : {"", "MB", "1XB", "-1MB", "1..2MB", "4 KiB"}) {
    auto r = ParseByteSize(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("e.g. 4096, 4KiB, 1MB")) << bad;
  }
  EXPECT_THAT(ParseByteSize("2000000GiB").status().message(), HasSubstr("1 PiB"));
}

TEST(ByteSize, FormatsInBinaryUnits) {
  EXPECT_EQ(FormatByteSize(512), "512 B");
  EXPECT_EQ(FormatByteSize(4096), "4 KiB");
  EXPECT_EQ(FormatByteSize(int64_t(1) << 30), "1 GiB");
  EXPECT_EQ(FormatByteSize(1'000'000), "976.6 KiB");
}

}  // namespace
}  // namespace vitals
