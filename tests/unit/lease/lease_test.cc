#include "dpdhcp/lease/lease.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace dpdhcp::lease {
namespace {

using base::ByteSpan;

const std::vector<uint8_t> kMac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};

TEST(LeaseStateTest, Names) {
  EXPECT_EQ(LeaseStateName(LeaseState::kFree), "free");
  EXPECT_EQ(LeaseStateName(LeaseState::kOffered), "offered");
  EXPECT_EQ(LeaseStateName(LeaseState::kBound), "bound");
  EXPECT_EQ(LeaseStateName(LeaseState::kReleased), "released");
  EXPECT_EQ(LeaseStateName(LeaseState::kExpired), "expired");
  EXPECT_EQ(LeaseStateName(LeaseState::kDeclined), "declined");
  EXPECT_EQ(LeaseStateName(static_cast<LeaseState>(99)), "unknown");
  EXPECT_TRUE(HoldsAddress(LeaseState::kDeclined));
  EXPECT_FALSE(HoldsAddress(LeaseState::kReleased));
  EXPECT_TRUE(IsAffinityHint(LeaseState::kExpired));
  EXPECT_FALSE(IsAffinityHint(LeaseState::kBound));
}

TEST(ClientKeyTest, HardwareAndClientIdKindsNeverMatch) {
  // A client-id of type 1 + MAC has the same bytes as htype 1 + chaddr.
  const std::vector<uint8_t> id = {0x01, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
  const ClientKey hw = ClientKey::FromHardware(1, ByteSpan(kMac));
  const ClientKey cid = ClientKey::FromClientId(ByteSpan(id));
  EXPECT_EQ(hw.kind(), ClientKey::Kind::kHardware);
  EXPECT_EQ(cid.kind(), ClientKey::Kind::kClientId);
  EXPECT_TRUE(
      std::equal(hw.bytes().begin(), hw.bytes().end(), cid.bytes().begin(), cid.bytes().end()));
  EXPECT_FALSE(hw == cid);
  EXPECT_NE(hw.Hash(), cid.Hash());
  EXPECT_EQ(hw.length(), 7u);
  EXPECT_EQ(hw, ClientKey::FromHardware(1, ByteSpan(kMac)));
  EXPECT_EQ(hw.Hash(), ClientKey::FromHardware(1, ByteSpan(kMac)).Hash());
  EXPECT_FALSE(hw == ClientKey::FromHardware(6, ByteSpan(kMac)));  // htype counts
  EXPECT_EQ(hw.ToString(), "hw 1 02:00:5e:10:00:01");
  EXPECT_EQ(cid.ToString(), "id 01:02:00:5e:10:00:01");
  EXPECT_EQ(ClientKey().ToString(), "none");
}

TEST(ClientKeyTest, LengthIsPartOfTheIdentity) {
  const std::vector<uint8_t> a = {0x01, 0xaa};
  const std::vector<uint8_t> b = {0x01, 0xaa, 0x00};
  EXPECT_FALSE(ClientKey::FromClientId(ByteSpan(a)) == ClientKey::FromClientId(ByteSpan(b)));
  EXPECT_FALSE(ClientKey::FromHardware(1, ByteSpan(a)) == ClientKey::FromHardware(1, ByteSpan(b)));
}

TEST(ClientKeyTest, SixteenByteChaddrFitsWhole) {
  std::vector<uint8_t> chaddr(16);
  for (size_t i = 0; i < chaddr.size(); ++i) chaddr[i] = static_cast<uint8_t>(i + 1);
  const ClientKey k = ClientKey::FromHardware(32, ByteSpan(chaddr));
  EXPECT_FALSE(k.hashed());
  EXPECT_EQ(k.length(), 17u);
  chaddr[15] = 0xff;
  EXPECT_FALSE(k == ClientKey::FromHardware(32, ByteSpan(chaddr)));
}

TEST(ClientKeyTest, LongClientIdKeepsPrefixAndHashOfTheWhole) {
  // RFC 4361 style: 0xff, IAID, DUID-LLT: 1 + 4 + 14 = 19 bytes.
  std::vector<uint8_t> id = {0xff, 0,    0,    0,    1,    0,    1,    0,    1,   0x2a,
                             0x3b, 0x4c, 0x5d, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
  const ClientKey k = ClientKey::FromClientId(ByteSpan(id));
  EXPECT_TRUE(k.hashed());
  EXPECT_EQ(k.length(), id.size());
  ASSERT_EQ(k.bytes().size(), ClientKey::kHashedPrefixBytes);
  EXPECT_TRUE(std::equal(k.bytes().begin(), k.bytes().end(), id.begin()));
  EXPECT_EQ(k, ClientKey::FromClientId(ByteSpan(id)));
  EXPECT_EQ(k.ToString().back(), '~');
  // Same prefix and length, last byte differs: the hash tells them apart.
  std::vector<uint8_t> other = id;
  other.back() ^= 1;
  EXPECT_FALSE(k == ClientKey::FromClientId(ByteSpan(other)));
  // Longest inline id vs shortest hashed one.
  const std::vector<uint8_t> seventeen(17, 0x42), eighteen(18, 0x42);
  EXPECT_FALSE(ClientKey::FromClientId(ByteSpan(seventeen)).hashed());
  EXPECT_TRUE(ClientKey::FromClientId(ByteSpan(eighteen)).hashed());
  // Many long ids sharing a prefix stay distinct.
  std::set<uint64_t> hashes;
  for (uint32_t i = 0; i < 10000; ++i) {
    std::vector<uint8_t> v(40, 0x7);
    std::memcpy(v.data() + 36, &i, 4);
    hashes.insert(ClientKey::FromClientId(ByteSpan(v)).Hash());
  }
  EXPECT_EQ(hashes.size(), 10000u);
}

TEST(LeaseTest, HardwareFieldsAndLifetime) {
  Lease l;
  EXPECT_EQ(l.state, LeaseState::kFree);
  l.SetHardware(1, ByteSpan(kMac));
  EXPECT_EQ(l.hlen, 6);
  EXPECT_EQ(l.mac().ToString(), "02:00:5e:10:00:01");
  EXPECT_EQ(l.hw().size(), 6u);
  // A 16-byte chaddr: the record keeps 6 bytes and the real length.
  std::vector<uint8_t> long_hw(16, 0xab);
  l.SetHardware(32, ByteSpan(long_hw));
  EXPECT_EQ(l.hlen, 16);
  EXPECT_EQ(l.hw().size(), 6u);
  EXPECT_EQ(l.htype, 32);
  const std::vector<uint8_t> short_hw = {1, 2};
  l.SetHardware(7, ByteSpan(short_hw));
  EXPECT_EQ(l.mac().ToString(), "01:02:00:00:00:00");

  l.cltt = 1000;
  l.expire = 4600;
  EXPECT_EQ(l.valid_lifetime(), 3600u);
  EXPECT_FALSE(l.infinite());
  l.expire = base::kInfiniteLifetime;
  EXPECT_TRUE(l.infinite());
  EXPECT_EQ(l.valid_lifetime(), base::kInfiniteLifetime);
}

TEST(LeaseRefTest, PacksShardAndSlot) {
  const LeaseRef r = MakeLeaseRef(3, 0x123456);
  EXPECT_EQ(LeaseRefShard(r), 3u);
  EXPECT_EQ(LeaseRefSlot(r), 0x123456u);
  EXPECT_NE(MakeLeaseRef(kMaxShards - 1, kMaxShardCapacity - 1), kNoLease);
}

}  // namespace
}  // namespace dpdhcp::lease
