#include "dpdhcp/journal/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string_view>
#include <vector>

#include "test_util.h"

namespace dpdhcp::journal {
namespace {

using testing::ReferenceCrc32c;
uint32_t Reference(const uint8_t* p, size_t n) { return ReferenceCrc32c(p, n); }

struct Vector {
  std::vector<uint8_t> data;
  uint32_t crc;
};

// RFC 3720 §B.4 test vectors, and the customary "123456789" check value.
std::vector<Vector> KnownVectors() {
  std::vector<Vector> v;
  v.push_back({std::vector<uint8_t>(32, 0x00), 0x8a9136aau});
  v.push_back({std::vector<uint8_t>(32, 0xff), 0x62a8ab43u});
  std::vector<uint8_t> up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<uint8_t>(i);
    down[i] = static_cast<uint8_t>(31 - i);
  }
  v.push_back({up, 0x46dd794eu});
  v.push_back({down, 0x113fdb5cu});
  const std::string_view digits = "123456789";
  v.push_back({std::vector<uint8_t>(digits.begin(), digits.end()), 0xe3069283u});
  v.push_back({{}, 0});
  return v;
}

TEST(Crc32cTest, KnownVectors) {
  for (const Vector& v : KnownVectors()) {
    EXPECT_EQ(Reference(v.data.data(), v.data.size()), v.crc);
    EXPECT_EQ(Crc32cPortable(v.data.data(), v.data.size()), v.crc);
    EXPECT_EQ(Crc32c(v.data.data(), v.data.size()), v.crc);
    if (Crc32cHardwareAvailable()) {
      EXPECT_EQ(Crc32cHardware(v.data.data(), v.data.size()), v.crc);
    }
  }
}

// Both fast paths equal the reference for every length up to 300 and every
// alignment of the start (the word loop, its tail and the unaligned head).
TEST(Crc32cTest, PortableAndHardwareAgreeWithReference) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(320);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  if (!Crc32cHardwareAvailable()) GTEST_LOG_(INFO) << "no SSE4.2 here: hardware path not compared";
  for (size_t align = 0; align < 8; ++align) {
    for (size_t n = 0; n + align <= 300; ++n) {
      const uint8_t* p = buf.data() + align;
      const uint32_t want = Reference(p, n);
      ASSERT_EQ(Crc32cPortable(p, n), want) << "n=" << n << " align=" << align;
      if (Crc32cHardwareAvailable()) {
        ASSERT_EQ(Crc32cHardware(p, n), want) << "n=" << n;
      }
      ASSERT_EQ(Crc32c(p, n), want);
    }
  }
}

TEST(Crc32cTest, ExtendsAcrossCalls) {
  const std::string_view s = "the journal never forgets an acknowledged lease";
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint32_t whole = Crc32c(p, s.size());
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(Crc32c(p + cut, s.size() - cut, Crc32c(p, cut)), whole);
    EXPECT_EQ(Crc32cPortable(p + cut, s.size() - cut, Crc32cPortable(p, cut)), whole);
  }
}

}  // namespace
}  // namespace dpdhcp::journal
