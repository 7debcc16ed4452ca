#include "dpdhcp/pool/address_space.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "dpdhcp/config/config.h"

namespace dpdhcp::pool {
namespace {

using base::Ipv4Address;
using base::Ipv4Prefix;

Ipv4Address A(const char* text) { return *Ipv4Address::Parse(text); }

config::Pool MakePool(const char* first, const char* last) {
  config::Pool p;
  p.first = A(first);
  p.last = A(last);
  return p;
}

config::Subnet MakeSubnet(uint32_t id, size_t index, const char* prefix) {
  config::Subnet s;
  s.id = id;
  s.index = index;
  s.prefix = *Ipv4Prefix::Parse(prefix);
  return s;
}

// 198.18.0.0/24 with one pool over the whole prefix, the server at .1 and a
// host reserved at .50; 198.18.1.0/24 with two pools.
config::Config TwoSubnetConfig() {
  config::Config c;
  config::Interface i;
  i.name = "access";
  i.address = A("198.18.0.1");
  i.prefix = *Ipv4Prefix::Parse("198.18.0.0/24");
  c.interfaces.push_back(i);

  config::Subnet s0 = MakeSubnet(10, 0, "198.18.0.0/24");
  s0.pools.push_back(MakePool("198.18.0.0", "198.18.0.255"));
  config::Reservation r;
  r.key = config::ReservationKey::kHwAddress;
  r.identifier = {0x02, 0, 0, 0, 0, 0x50};
  r.address = A("198.18.0.50");
  s0.reservations.push_back(r);
  config::Reservation options_only;
  options_only.identifier = {0x02, 0, 0, 0, 0, 0x51};
  s0.reservations.push_back(options_only);
  c.subnets.push_back(s0);

  config::Subnet s1 = MakeSubnet(11, 1, "198.18.1.0/24");
  s1.pools.push_back(MakePool("198.18.1.10", "198.18.1.13"));
  s1.pools.push_back(MakePool("198.18.1.100", "198.18.1.199"));
  c.subnets.push_back(s1);
  return c;
}

TEST(AddressSpaceTest, BuildExcludesNetworkBroadcastInterfaceAndReserved) {
  auto space = AddressSpace::Build(TwoSubnetConfig());
  ASSERT_TRUE(space.ok()) << space.status();
  AddressSpace& s = **space;
  for (const char* a : {"198.18.0.0", "198.18.0.255", "198.18.0.1", "198.18.0.50"}) {
    EXPECT_TRUE(s.Find(A(a)).has_value()) << a;
    EXPECT_FALSE(s.IsFree(A(a))) << a;
    EXPECT_FALSE(s.TryClaim(A(a))) << a;
  }
  EXPECT_TRUE(s.IsReserved(A("198.18.0.50")));
  EXPECT_FALSE(s.IsReserved(A("198.18.0.1")));
  EXPECT_FALSE(s.IsReserved(A("198.18.0.2")));
  // Releasing an excluded address never frees it.
  s.Release(A("198.18.0.1"));
  s.Release(A("198.18.0.0"));
  EXPECT_FALSE(s.TryClaim(A("198.18.0.1")));
  EXPECT_FALSE(s.TryClaim(A("198.18.0.0")));
  // Only ClaimReserved takes the reserved address, once until released.
  EXPECT_FALSE(s.ClaimReserved(A("198.18.0.2")));
  EXPECT_FALSE(s.ClaimReserved(A("198.18.0.1")));
  EXPECT_TRUE(s.ClaimReserved(A("198.18.0.50")));
  EXPECT_FALSE(s.ClaimReserved(A("198.18.0.50")));
  s.Release(A("198.18.0.50"));
  EXPECT_FALSE(s.TryClaim(A("198.18.0.50")));
  EXPECT_TRUE(s.ClaimReserved(A("198.18.0.50")));

  // The dynamic addresses: 256 less network, broadcast, .1 and .50.
  std::set<uint32_t> got;
  while (auto a = s.ClaimAny(0, 7)) ASSERT_TRUE(got.insert(a->value()).second);
  EXPECT_EQ(got.size(), 252u);
  for (const char* a : {"198.18.0.0", "198.18.0.255", "198.18.0.1", "198.18.0.50"}) {
    EXPECT_EQ(got.count(A(a).value()), 0u) << a;
  }
  const auto usage = s.Usage(0);
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage[0].first, A("198.18.0.0"));
  EXPECT_EQ(usage[0].last, A("198.18.0.255"));
  EXPECT_EQ(usage[0].total, 253u);    // 256 - network - broadcast - interface
  EXPECT_EQ(usage[0].claimed, 253u);  // 252 dynamic + the reserved one in use
  s.Release(A("198.18.0.50"));
  s.Release(A("198.18.0.77"));
  EXPECT_EQ(s.Usage(0)[0].claimed, 251u);
  EXPECT_TRUE(s.IsFree(A("198.18.0.77")));
}

TEST(AddressSpaceTest, PoolsOfASubnetAreTriedInOrder) {
  auto space = AddressSpace::Build(TwoSubnetConfig());
  ASSERT_TRUE(space.ok()) << space.status();
  AddressSpace& s = **space;
  EXPECT_EQ(s.num_pools(), 3u);
  EXPECT_EQ(s.num_addresses(), 256u + 4 + 100);
  const auto ref = s.Find(A("198.18.1.150"));
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->subnet_index, 1u);
  EXPECT_EQ(ref->pool_index, 1u);
  EXPECT_FALSE(s.Find(A("198.18.1.50")).has_value());  // in the subnet, in no pool
  EXPECT_FALSE(s.TryClaim(A("198.18.1.50")));
  for (int n = 0; n < 4; ++n) {
    const auto a = s.ClaimAny(1, 0);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(s.Find(*a)->pool_index, 0u);
  }
  for (int n = 0; n < 100; ++n) {
    const auto a = s.ClaimAny(1, 12345);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(s.Find(*a)->pool_index, 1u);
    EXPECT_EQ(s.Find(*a)->subnet_index, 1u);
  }
  EXPECT_FALSE(s.ClaimAny(1, 0).has_value());
  EXPECT_FALSE(s.ClaimAny(2, 0).has_value());  // no such subnet
  // Subnet 0 is untouched by subnet 1's exhaustion.
  EXPECT_TRUE(s.ClaimAny(0, 0).has_value());
  const auto usage = s.Usage(1);
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(usage[0].total, 4u);
  EXPECT_EQ(usage[0].claimed, 4u);
  EXPECT_EQ(usage[1].total, 100u);
  EXPECT_EQ(usage[1].claimed, 100u);
}

TEST(AddressSpaceTest, SlashThirtyOneKeepsBothAddresses) {
  config::Config c;
  config::Subnet s = MakeSubnet(1, 0, "198.18.9.0/31");
  s.pools.push_back(MakePool("198.18.9.0", "198.18.9.1"));
  c.subnets.push_back(s);
  auto space = AddressSpace::Build(c);
  ASSERT_TRUE(space.ok()) << space.status();
  EXPECT_TRUE((*space)->TryClaim(A("198.18.9.0")));
  EXPECT_TRUE((*space)->TryClaim(A("198.18.9.1")));
}

struct BadConfigCase {
  const char* name;
  std::vector<std::pair<const char*, const char*>> subnet0_pools;
  std::vector<std::pair<const char*, const char*>> subnet1_pools;
};

class AddressSpaceBadConfigTest : public testing::TestWithParam<BadConfigCase> {};

TEST_P(AddressSpaceBadConfigTest, IsRejected) {
  config::Config c;
  c.subnets.push_back(MakeSubnet(1, 0, "8.0.0.0/5"));
  c.subnets.push_back(MakeSubnet(2, 1, "8.0.0.0/5"));
  for (const auto& [f, l] : GetParam().subnet0_pools) c.subnets[0].pools.push_back(MakePool(f, l));
  for (const auto& [f, l] : GetParam().subnet1_pools) c.subnets[1].pools.push_back(MakePool(f, l));
  const auto space = AddressSpace::Build(c);
  EXPECT_FALSE(space.ok());
  EXPECT_EQ(space.status().code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AddressSpaceBadConfigTest,
    testing::Values(BadConfigCase{"reversed", {{"10.0.0.9", "10.0.0.1"}}, {}},
                    BadConfigCase{"outside_subnet", {{"20.0.0.1", "20.0.0.9"}}, {}},
                    BadConfigCase{"overlap_in_subnet",
                                  {{"10.0.0.1", "10.0.0.9"}, {"10.0.0.9", "10.0.0.20"}},
                                  {}},
                    BadConfigCase{"overlap_across_subnets",
                                  {{"10.0.0.1", "10.0.0.9"}},
                                  {{"10.0.0.5", "10.0.0.6"}}},
                    BadConfigCase{"too_large", {{"8.0.0.0", "11.255.255.255"}}, {}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(AddressSpaceTest, HolderWordsDefaultToNoHolder) {
  auto space = AddressSpace::Build(TwoSubnetConfig());
  ASSERT_TRUE(space.ok());
  AddressSpace& s = **space;
  EXPECT_EQ(s.Holder(A("198.18.0.20")), kNoHolder);
  EXPECT_EQ(s.Holder(A("203.0.113.1")), kNoHolder);
  ASSERT_TRUE(s.TryClaim(A("198.18.0.20")));
  s.SetHolder(A("198.18.0.20"), 0x01000005);
  EXPECT_EQ(s.Holder(A("198.18.0.20")), 0x01000005u);
  s.SetHolder(A("203.0.113.1"), 7);  // outside every pool: ignored
  EXPECT_EQ(s.Holder(A("203.0.113.1")), kNoHolder);
  s.SetHolder(A("198.18.0.20"), kNoHolder);
  EXPECT_EQ(s.Holder(A("198.18.0.20")), kNoHolder);
}

TEST(AddressSpaceTest, CreateFromSpecWithoutConfig) {
  AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, A("192.0.2.10"), A("192.0.2.19")});
  spec.excluded = {A("192.0.2.10"), A("192.0.2.99")};  // the second is outside: ignored
  spec.reserved = {A("192.0.2.11"), A("192.0.2.11"), A("192.0.2.10")};  // dup; excluded wins
  auto space = AddressSpace::Create(spec);
  ASSERT_TRUE(space.ok()) << space.status();
  AddressSpace& s = **space;
  EXPECT_FALSE(s.ClaimReserved(A("192.0.2.10")));
  EXPECT_TRUE(s.ClaimReserved(A("192.0.2.11")));
  const auto usage = s.Usage(0);
  EXPECT_EQ(usage[0].total, 9u);
  EXPECT_EQ(usage[0].claimed, 1u);
  int n = 0;
  while (s.ClaimAny(0, 0)) ++n;
  EXPECT_EQ(n, 8);
}

// DESIGN §5 invariant 3: workers never own address ranges. Worker B claims a
// few addresses near its hint; worker A then claims until exhaustion and gets
// every free address, including the ones next to B's cursor.
TEST(AddressSpaceTest, NoWorkerStarvesWhileAddressesAreFree) {
  AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, A("100.64.0.0"), A("100.64.15.255")});  // 4096
  auto space = AddressSpace::Create(spec);
  ASSERT_TRUE(space.ok());
  AddressSpace& s = **space;
  const uint32_t hint_a = 0, hint_b = 2048;
  std::vector<Ipv4Address> b;
  for (int n = 0; n < 10; ++n) b.push_back(*s.ClaimAny(0, hint_b));
  EXPECT_EQ(b.front(), A("100.64.8.0"));  // B works near its own cursor
  std::set<uint32_t> a;
  while (auto x = s.ClaimAny(0, hint_a)) a.insert(x->value());
  EXPECT_EQ(a.size(), 4096u - 10);
  EXPECT_EQ(a.count(A("100.64.8.10").value()), 1u);   // right after B's
  EXPECT_EQ(a.count(A("100.64.7.255").value()), 1u);  // right before B's
  // B gives one back: A finds it from its own, distant, cursor.
  s.Release(b[3]);
  EXPECT_EQ(s.ClaimAny(0, hint_a), b[3]);
}

// The same with both workers claiming at once on their own threads.
TEST(AddressSpaceTest, ConcurrentWorkersShareThePoolUntilItIsEmpty) {
  AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, A("100.64.0.0"), A("100.64.255.255")});
  auto space = AddressSpace::Create(spec);
  ASSERT_TRUE(space.ok());
  AddressSpace& s = **space;
  std::vector<uint32_t> got[2];
  std::thread workers[2];
  for (int w = 0; w < 2; ++w) {
    workers[w] = std::thread([&, w] {
      uint32_t cursor = w * 40'000;
      while (auto a = s.ClaimAny(0, cursor++)) got[w].push_back(a->value());
    });
  }
  for (auto& t : workers) t.join();
  std::set<uint32_t> all(got[0].begin(), got[0].end());
  all.insert(got[1].begin(), got[1].end());
  EXPECT_EQ(got[0].size() + got[1].size(), 65536u);
  EXPECT_EQ(all.size(), 65536u);
}

TEST(AddressSpaceTest, MemoryIsAboutFourBytesPerAddress) {
  AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, A("100.64.0.0"), A("100.79.255.255")});  // 1 M
  auto space = AddressSpace::Create(spec);
  ASSERT_TRUE(space.ok());
  const double per_address =
      static_cast<double>((*space)->MemoryBytes()) / static_cast<double>((*space)->num_addresses());
  EXPECT_GT(per_address, 4.0);
  EXPECT_LT(per_address, 4.2);
}

}  // namespace
}  // namespace dpdhcp::pool
