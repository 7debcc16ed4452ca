#include <gtest/gtest.h>

#include <set>
#include <string>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/hash.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/base/time.h"

namespace dpdhcp::base {
namespace {

TEST(Ipv4AddressTest, ParsesAndFormatsDottedQuad) {
  const auto a = Ipv4Address::Parse("198.18.0.1");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->value(), 0xc6120001u);
  EXPECT_EQ(a->ToString(), "198.18.0.1");
  EXPECT_EQ(Ipv4Address(198, 18, 0, 1), *a);
}

TEST(Ipv4AddressTest, RejectsMalformedText) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4 ",
                          "a.b.c.d", "1.2.3.-4", "1.2.3.4/24"}) {
    EXPECT_FALSE(Ipv4Address::Parse(bad).has_value()) << bad;
  }
}

TEST(Ipv4PrefixTest, ContainsAndBroadcast) {
  const auto p = Ipv4Prefix::Parse("198.18.0.0/24");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->Contains(Ipv4Address(198, 18, 0, 200)));
  EXPECT_FALSE(p->Contains(Ipv4Address(198, 18, 1, 0)));
  EXPECT_EQ(p->broadcast(), Ipv4Address(198, 18, 0, 255));
  EXPECT_EQ(p->ToString(), "198.18.0.0/24");
  EXPECT_TRUE(Ipv4Prefix::Parse("0.0.0.0/0")->Contains(Ipv4Address(1, 2, 3, 4)));
  EXPECT_TRUE(p->Contains(*Ipv4Prefix::Parse("198.18.0.128/25")));
  EXPECT_FALSE(Ipv4Prefix::Parse("198.18.0.128/25")->Contains(*p));
}

TEST(Ipv4PrefixTest, RejectsHostBitsAndBadLengths) {
  for (const char* bad : {"198.18.0.1/24", "198.18.0.0/33", "198.18.0.0/", "198.18.0.0",
                          "198.18.0.0/2x", "/24"}) {
    EXPECT_FALSE(Ipv4Prefix::Parse(bad).has_value()) << bad;
  }
}

TEST(MacAddressTest, ParsesBothSeparatorsAndFormatsLowerCase) {
  const auto m = MacAddress::Parse("AA-bb-cc-00-11-22");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->ToString(), "aa:bb:cc:00:11:22");
  EXPECT_FALSE(MacAddress::Parse("aa:bb:cc:00:11").has_value());
  EXPECT_FALSE(MacAddress::Parse("aa:bb:cc:00:11:2g").has_value());
  EXPECT_TRUE(kBroadcastMac.IsBroadcast());
  EXPECT_TRUE(kBroadcastMac.IsMulticast());
  EXPECT_FALSE(m->IsMulticast());
}

TEST(HexBytesTest, RoundTripsKeaForms) {
  EXPECT_EQ(*ParseHexBytes("01:aa:bb"), std::string("\x01\xaa\xbb", 3));
  EXPECT_EQ(*ParseHexBytes("01aabb"), std::string("\x01\xaa\xbb", 3));
  EXPECT_EQ(*ParseHexBytes("1:a:b"), std::string("\x01\x0a\x0b", 3));
  EXPECT_FALSE(ParseHexBytes("").has_value());
  EXPECT_FALSE(ParseHexBytes("01:").has_value());
  EXPECT_FALSE(ParseHexBytes("zz").has_value());
  const uint8_t b[] = {0x01, 0xaa, 0xbb};
  EXPECT_EQ(FormatHexBytes(b, 3), "01:aa:bb");
  EXPECT_EQ(FormatHexBytes(b, 3, '\0'), "01aabb");
}

TEST(BytesTest, BigEndianLoadsAndStoresAtAnyAlignment) {
  uint8_t buf[7] = {};
  StoreBe32(buf + 1, 0x63825363u);
  EXPECT_EQ(buf[1], 0x63);
  EXPECT_EQ(buf[4], 0x63);
  EXPECT_EQ(LoadBe32(buf + 1), 0x63825363u);
  StoreBe16(buf + 5, 0x0800);
  EXPECT_EQ(LoadBe16(buf + 5), 0x0800);
}

TEST(HashTest, StableAndSpreads) {
  const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
  EXPECT_EQ(HashBytes(mac, 6), HashBytes(mac, 6));
  // 4096 sequential MACs over 16 buckets: every bucket used, none above 2x its share.
  std::array<int, 16> buckets{};
  for (uint32_t i = 0; i < 4096; ++i) {
    uint8_t m[6] = {0x02, 0, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    ++buckets[HashBytes(m, 6) % 16];
  }
  for (int b : buckets) {
    EXPECT_GT(b, 128);
    EXPECT_LT(b, 512);
  }
}

// The value is part of the on-disk contract (shard choice at restart), so it
// is pinned: the tail built from fixed-size loads must equal a plain copy.
TEST(HashTest, TailLoadsGiveTheSameValueAsAPlainCopy) {
  auto reference = [](const uint8_t* data, size_t size, uint64_t seed) {
    uint64_t h = Mix64(seed ^ (size * 0x9e3779b97f4a7c15ULL));
    while (size >= 8) {
      uint64_t w;
      std::memcpy(&w, data, 8);
      h = Mix64(h ^ w) * 0x9e3779b97f4a7c15ULL;
      data += 8;
      size -= 8;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, data, size);
    return Mix64(h ^ tail ^ (uint64_t{size} << 56));
  };
  uint8_t bytes[40];
  for (size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 11);
  for (size_t size = 0; size <= sizeof bytes; ++size) {
    EXPECT_EQ(HashBytes(bytes, size, 7), reference(bytes, size, 7)) << "size " << size;
  }
  const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
  EXPECT_EQ(HashBytes(mac, 6), reference(mac, 6, 0));
}

TEST(TimeTest, ExpiryAfterSaturates) {
  EXPECT_EQ(ExpiryAfter(100, 50), 150u);
  EXPECT_EQ(ExpiryAfter(100, kInfiniteLifetime), kInfiniteLifetime);
  EXPECT_EQ(ExpiryAfter(0xfffffff0u, 0x100), kInfiniteLifetime - 1);
}

TEST(DropReasonTest, EveryReasonHasAUniqueName) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < kNumDropReasons; ++i) {
    const auto r = static_cast<DropReason>(i);
    EXPECT_FALSE(DropReasonHelp(r).empty());
    EXPECT_TRUE(names.insert(DropReasonName(r)).second) << DropReasonName(r);
    if (r != DropReason::kNone) {
      EXPECT_EQ(DropReasonName(r).substr(0, 5), "drop-");
    }
  }
  EXPECT_EQ(DropReasonName(DropReason::kBadIpChecksum), "drop-bad-ip-checksum");
}

}  // namespace
}  // namespace dpdhcp::base
