// The runtime's pure helpers: interface lookup, EAL argument assembly, the
// TSC clock and the sizing rules.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "dpdhcp/config/config.h"
#include "dpdhcp/runtime/eal_args.h"
#include "dpdhcp/runtime/interface_table.h"
#include "dpdhcp/runtime/sizing.h"
#include "dpdhcp/runtime/tsc_clock.h"

namespace dpdhcp::runtime {
namespace {

using proto::VlanTags;

// ---- InterfaceTable ----

TEST(InterfaceTableTest, FindsEveryKeyAmongManyVlans) {
  // An access port with thousands of C-VLANs under a few S-VLANs, plus
  // untagged and single-tagged interfaces on two ports.
  std::vector<InterfaceKey> keys = {{0, 0, 0, 0}, {1, 0, 0, 0}, {1, 1, 7, 0}};
  for (uint16_t s = 1; s <= 4; ++s) {
    for (uint16_t c = 1; c <= 1000; ++c) keys.push_back({0, 2, s, c});
  }
  const auto table = InterfaceTable::Build(keys);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), keys.size());
  for (uint32_t i = 0; i < keys.size(); ++i) ASSERT_EQ(table->Find(keys[i]), i);
  EXPECT_EQ(table->Find(InterfaceKey{0, 2, 5, 1}), kNoInterface);
  EXPECT_EQ(table->Find(InterfaceKey{0, 1, 1, 0}), kNoInterface);
  EXPECT_EQ(table->Find(InterfaceKey{2, 0, 0, 0}), kNoInterface);
}

TEST(InterfaceTableTest, MatchesByVlanIdIgnoringPriorityBits) {
  const std::vector<InterfaceKey> keys = {{0, 1, 100, 0}, {0, 2, 200, 300}};
  const auto table = InterfaceTable::Build(keys);
  ASSERT_TRUE(table.ok());
  // PCP 5 and DEI set on the tags: same VLANs.
  EXPECT_EQ(table->Find(0, VlanTags{1, 0x8100, 0xb000 | 100, 0}), 0u);
  EXPECT_EQ(table->Find(0, VlanTags{2, 0x88a8, 0x3000 | 200, 0xe000 | 300}), 1u);
  EXPECT_EQ(table->Find(0, VlanTags{}), kNoInterface);
}

TEST(InterfaceTableTest, DuplicateKeysAreAnError) {
  const std::vector<InterfaceKey> keys = {{0, 1, 100, 0}, {0, 0, 0, 0}, {0, 1, 100, 0}};
  const auto table = InterfaceTable::Build(keys);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("interfaces 0 and 2"), std::string::npos)
      << table.status();
}

TEST(InterfaceTableTest, EmptyTableFindsNothing) {
  const InterfaceTable table;
  EXPECT_EQ(table.Find(0, VlanTags{}), kNoInterface);
}

TEST(InterfaceTableTest, KeyForInterface) {
  config::Interface itf;
  EXPECT_EQ(KeyForInterface(3, itf), (InterfaceKey{3, 0, 0, 0}));
  itf.vlan = 100;
  EXPECT_EQ(KeyForInterface(3, itf), (InterfaceKey{3, 1, 100, 0}));
  itf.outer_vlan = 20;
  EXPECT_EQ(KeyForInterface(3, itf), (InterfaceKey{3, 2, 20, 100}));
}

// ---- EAL arguments ----

TEST(EalArgsTest, ProfileWordsAndComments) {
  const std::string text =
      "# a comment line\n"
      "--no-huge -m 256   # trailing comment\n"
      "\t--no-pci\r\n"
      "\n"
      "-l 0#glued comment\n"
      "--vdev=net_null0,size=64";
  EXPECT_EQ(ParseEalProfile(text),
            (std::vector<std::string>{"--no-huge", "-m", "256", "--no-pci", "-l", "0",
                                      "--vdev=net_null0,size=64"}));
  EXPECT_TRUE(ParseEalProfile("").empty());
  EXPECT_TRUE(ParseEalProfile("# only\n  # comments").empty());
}

TEST(EalArgsTest, AssembleAddsAFilePrefixOnlyWhenMissing) {
  const std::vector<std::string> profile = {"--no-huge", "-l", "0"};
  const std::vector<std::string> extra = {"--log-level", "debug"};
  EXPECT_EQ(AssembleEalArgs("dpdhcpd", profile, extra, "dpdhcpd-42"),
            (std::vector<std::string>{"dpdhcpd", "--no-huge", "-l", "0", "--log-level", "debug",
                                      "--file-prefix", "dpdhcpd-42"}));
  const std::vector<std::string> with_prefix = {"--file-prefix", "mine"};
  EXPECT_EQ(AssembleEalArgs("d", profile, with_prefix, "x"),
            (std::vector<std::string>{"d", "--no-huge", "-l", "0", "--file-prefix", "mine"}));
  const std::vector<std::string> with_prefix_eq = {"--file-prefix=mine"};
  EXPECT_EQ(AssembleEalArgs("d", with_prefix_eq, {}, "x"),
            (std::vector<std::string>{"d", "--file-prefix=mine"}));
  // A similar-looking option is not the file prefix.
  const std::vector<std::string> lookalike = {"--file-prefixes=a"};
  EXPECT_FALSE(HasEalOption(lookalike, "--file-prefix"));
}

TEST(EalArgsTest, ReadProfileFile) {
  const std::string path = ::testing::TempDir() + "/runtime_test.eal";
  std::ofstream(path) << "--no-huge # x\n-l 0\n";
  const auto args = ReadEalProfile(path);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, (std::vector<std::string>{"--no-huge", "-l", "0"}));
  std::remove(path.c_str());
  const auto missing = ReadEalProfile(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(path), std::string::npos);
}

TEST(EalArgsTest, DeviceNames) {
  EXPECT_EQ(DeviceNameOf("net_af_packet0,iface=veth0,qpairs=2"), "net_af_packet0");
  EXPECT_EQ(DeviceNameOf("net_ring0"), "net_ring0");
  EXPECT_EQ(DeviceNameOf("0000:03:00.0"), "0000:03:00.0");
  EXPECT_TRUE(HasDeviceOptions("net_tap0,iface=dtap0"));
  EXPECT_FALSE(HasDeviceOptions("net_null0"));
}

// ---- TSC clock ----

TEST(TscClockTest, ExtrapolatesFromTheBase) {
  constexpr uint64_t kHz = 2'400'000'000;
  const TscClock clock(1000, kHz, 1'700'000'000'500'000'000ull);  // base at x.5 s
  EXPECT_EQ(clock.Now(1000), 1'700'000'000u);
  EXPECT_EQ(clock.Now(1000 + kHz / 2 - 1), 1'700'000'000u);
  EXPECT_EQ(clock.Now(1000 + kHz / 2), 1'700'000'001u);
  EXPECT_EQ(clock.Now(1000 + 3600 * kHz), 1'700'003'600u);
  EXPECT_EQ(clock.UnixNanos(1000 + kHz / 4), 1'700'000'000'750'000'000ull);
  EXPECT_EQ(clock.Now(0), 1'700'000'000u);  // before the base reads as the base
}

TEST(TscClockTest, NoOverflowOverYears) {
  constexpr uint64_t kHz = 3'000'000'000;
  const TscClock clock(0, kHz, 0);
  const uint64_t ten_years = 10ull * 365 * 86400;
  EXPECT_EQ(clock.Now(ten_years * kHz + kHz - 1), ten_years);
  EXPECT_EQ(clock.CyclesForMillis(100), kHz / 10);
}

// ---- Sizing ----

TEST(SizingTest, DefaultLeaseCapacity) {
  auto config = config::ParseConfig(R"({"Dhcp4": {
      "subnet4": [
        {"id": 1, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.100 - 198.18.0.199"}]},
        {"id": 2, "subnet": "198.18.4.0/22",
         "pools": [{"pool": "198.18.4.0 - 198.18.5.255"}, {"pool": "198.18.6.0 - 198.18.6.99"}]}
      ]}})");
  ASSERT_TRUE(config.ok()) << config.status();
  // 100 + 512 + 100 = 712 addresses, * 1.25 = 890.
  EXPECT_EQ(DefaultLeaseCapacity(**config, 1), 890u + 1024u);
  EXPECT_EQ(DefaultLeaseCapacity(**config, 2), 445u + 1024u);
  EXPECT_EQ(DefaultLeaseCapacity(**config, 0), 890u + 1024u);  // treated as one
}

TEST(SizingTest, MbufPoolSizeCoversDemandAndCaches) {
  MbufDemand d;
  EXPECT_EQ(MbufPoolSize(d), 1023u);  // the floor
  d.rx_descriptors = 2 * 1024;
  d.tx_descriptors = 2 * 1024;
  d.in_flight = 2 * 64 + 2 * 1023;
  d.workers = 2;
  // 4096 + 2174 + 768 = 7038 -> 8191.
  EXPECT_EQ(MbufPoolSize(d), 8191u);
  d.in_flight = 4096 - 768 - 1;  // 8191 needed: fits 2^13 - 1 exactly
  EXPECT_EQ(MbufPoolSize(d), 8191u);
  d.in_flight += 1;  // 8192 needed
  EXPECT_EQ(MbufPoolSize(d), 16383u);
}

}  // namespace
}  // namespace dpdhcp::runtime
