#include "dpdhcp/journal/kea_csv.h"

#include <gtest/gtest.h>

#include <sstream>

#include "dpdhcp/journal/replay.h"
#include "test_util.h"

namespace dpdhcp::journal {
namespace {

using base::Ipv4Address;
using lease::ClientKey;
using lease::Lease;
using lease::LeaseState;
using lease::LeaseStore;
using testing::LiveLeases;
using testing::MakeLease;

const std::string kHeader = std::string(kKeaLease4Header) + "\n";

absl::StatusOr<KeaImport> Import(const std::string& text) {
  std::istringstream in(text);
  return ImportKeaCsv(in, "leases.csv");
}

Lease WithClientId(uint32_t client, std::vector<uint8_t> id) {
  Lease l = MakeLease(client);
  l.key = ClientKey::FromClientId(base::ByteSpan(id));
  return l;
}

Lease Infinite(uint32_t client) {
  Lease l = MakeLease(client);
  l.expire = base::kInfiniteLifetime;
  return l;
}

Lease Quarantine(uint32_t client) {
  Lease l = MakeLease(client, LeaseState::kDeclined);
  uint8_t addr[4];
  base::StoreBe32(addr, l.address.value());
  l.key = ClientKey::FromHardware(0, base::ByteSpan(addr, 4));
  return l;
}

TEST(KeaCsvTest, FormatsOneLine) {
  EXPECT_EQ(FormatKeaLease4Line(MakeLease(0x0102)),
            "10.0.1.2,02:00:00:00:01:02,,3600,1700003600,1,0,0,,0,");
  EXPECT_EQ(FormatKeaLease4Line(WithClientId(1, {1, 0xaa, 0xbb})),
            "10.0.0.1,02:00:00:00:00:01,01:aa:bb,3600,1700003600,1,0,0,,0,");
  EXPECT_EQ(FormatKeaLease4Line(Infinite(3)),
            "10.0.0.3,02:00:00:00:00:03,,4294967295,5994967295,1,0,0,,0,");
  EXPECT_EQ(FormatKeaLease4Line(Quarantine(4)),
            "10.0.0.4,02:00:00:00:00:04,,3600,1700003600,1,0,0,,1,");
  EXPECT_FALSE(FormatKeaLease4Line(MakeLease(5, LeaseState::kOffered)));
  EXPECT_FALSE(FormatKeaLease4Line(MakeLease(5, LeaseState::kReleased)));
  KeaExportOptions hints;
  hints.include_affinity_hints = true;
  EXPECT_EQ(FormatKeaLease4Line(MakeLease(5, LeaseState::kExpired), hints),
            "10.0.0.5,02:00:00:00:00:05,,3600,1700003600,1,0,0,,2,");
}

// Store -> CSV -> leases -> store: the same live leases, in the same shards,
// with their addresses claimed.
TEST(KeaCsvTest, RoundTrip) {
  LeaseStore store(4, 1024);
  std::vector<Lease> in = {MakeLease(1), WithClientId(2, {0xff, 1, 2, 3, 4, 5, 6, 7, 8}),
                           Infinite(3), Quarantine(4), MakeLease(5, LeaseState::kReleased)};
  for (const Lease& l : in) store.shard(store.ShardFor(ShardChaddr(l))).Insert(l);
  std::ostringstream csv;
  auto lines = ExportKeaCsv(store, csv);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(*lines, 4u);

  auto imported = Import(csv.str());
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->stats.lines, 4u);
  ASSERT_EQ(imported->leases.size(), 4u);
  LeaseStore back(4, 1024);
  const InstallStats st = InstallLeases(imported->leases, back, nullptr);
  EXPECT_EQ(st.installed, 4u);
  EXPECT_EQ(LiveLeases(back), LiveLeases(store));
  for (const Lease& l : in) {
    Lease got;
    EXPECT_EQ(back.shard(back.ShardFor(ShardChaddr(l))).ReadByKey(l.key, &got),
              l.state != LeaseState::kReleased);
  }
}

// Kea appends a lease again on every change: the last line of an address
// wins, and valid_lifetime 0 deletes the lease.
TEST(KeaCsvTest, LastLineOfAnAddressWins) {
  const std::string text = kHeader +
      "10.0.0.1,02:00:00:00:00:01,,3600,1700003600,1,0,0,host1,0,\n"
      "10.0.0.2,02:00:00:00:00:02,,3600,1700003600,1,0,0,,0,\n"
      "10.0.0.1,02:00:00:00:00:01,,7200,1700010000,1,0,0,host1,0,\n"
      "10.0.0.2,02:00:00:00:00:02,,0,1700003600,1,0,0,,0,\n"
      "10.0.0.3,,01:02:03,3600,1700003600,7,1,1,h&#x2cx,2,{ \"a\": 1 }\n"
      "10.0.0.4,,,86400,1700086400,1,0,0,,1,\n";
  auto r = Import(text);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->stats.lines, 6u);
  EXPECT_EQ(r->stats.superseded, 1u);
  EXPECT_EQ(r->stats.deleted, 1u);
  ASSERT_EQ(r->leases.size(), 3u);
  const Lease& a = r->leases[0];
  EXPECT_EQ(a.address, Ipv4Address(10, 0, 0, 1));
  EXPECT_EQ(a.cltt, 1700010000u - 7200);
  EXPECT_EQ(a.expire, 1700010000u);
  EXPECT_EQ(a.state, LeaseState::kBound);
  EXPECT_EQ(a.key, testing::KeyOf(1));
  const Lease& c = r->leases[1];
  const uint8_t id[] = {1, 2, 3};
  EXPECT_EQ(c.key, ClientKey::FromClientId(base::ByteSpan(id)));
  EXPECT_EQ(c.state, LeaseState::kExpired);
  EXPECT_EQ(c.subnet_id, 7u);
  const Lease& d = r->leases[2];
  EXPECT_EQ(d.state, LeaseState::kDeclined);
  EXPECT_EQ(d.key, Quarantine(4).key);
}

TEST(KeaCsvTest, OneLeasePerClientTheNewest) {
  const std::string text = kHeader +
      "10.0.0.1,02:00:00:00:00:01,,3600,1700003600,1,0,0,,0,\n"
      "10.0.9.1,02:00:00:00:00:01,,3600,1700007200,2,0,0,,0,\n";
  auto r = Import(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.duplicate_clients, 1u);
  ASSERT_EQ(r->leases.size(), 1u);
  EXPECT_EQ(r->leases[0].address, Ipv4Address(10, 0, 9, 1));
}

TEST(KeaCsvTest, OlderFilesWithoutStateAndNewerWithExtraColumns) {
  auto old_file = Import(
      "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname\n"
      "10.0.0.1,02:00:00:00:00:01,,3600,1700003600,1,0,0,\n");
  ASSERT_TRUE(old_file.ok()) << old_file.status();
  ASSERT_EQ(old_file->leases.size(), 1u);
  EXPECT_EQ(old_file->leases[0].state, LeaseState::kBound);
  auto new_file = Import(std::string(kKeaLease4Header) + ",pool_id\n" +
                         "10.0.0.1,02:00:00:00:00:01,,3600,1700003600,1,0,0,,0,,5\r\n");
  ASSERT_TRUE(new_file.ok()) << new_file.status();
  EXPECT_EQ(new_file->leases.size(), 1u);
}

struct BadLine {
  const char* name;
  std::string line;
  std::string error;
};

class KeaCsvErrorTest : public ::testing::TestWithParam<BadLine> {};

// Errors name the file and the line (the header is line 1, a good lease
// line 2, the bad one line 3).
TEST_P(KeaCsvErrorTest, NamesTheLine) {
  const std::string text =
      kHeader + "10.0.0.9,02:00:00:00:00:09,,3600,1700003600,1,0,0,,0,\n" + GetParam().line + "\n";
  auto r = Import(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("leases.csv: line 3: " + GetParam().error), std::string::npos)
      << r.status();
}

INSTANTIATE_TEST_SUITE_P(
    Lines, KeaCsvErrorTest,
    ::testing::Values(
        BadLine{"address", "10.0.0.256,02:00:00:00:00:01,,3600,1700003600,1,0,0,,0,", "bad address"},
        BadLine{"hwaddr", "10.0.0.1,zz:00,,3600,1700003600,1,0,0,,0,", "bad hwaddr"},
        BadLine{"client_id", "10.0.0.1,,0x1,3600,1700003600,1,0,0,,0,", "bad client_id"},
        BadLine{"valid", "10.0.0.1,02:00:00:00:00:01,,-1,1700003600,1,0,0,,0,", "bad valid_lifetime"},
        BadLine{"expire", "10.0.0.1,02:00:00:00:00:01,,3600,soon,1,0,0,,0,", "bad expire"},
        BadLine{"subnet", "10.0.0.1,02:00:00:00:00:01,,3600,1700003600,x,0,0,,0,", "bad subnet_id"},
        BadLine{"state", "10.0.0.1,02:00:00:00:00:01,,3600,1700003600,1,0,0,,7,", "state 7 is none"},
        BadLine{"fields", "10.0.0.1,02:00:00:00:00:01,,3600", "4 fields where the header has 11"},
        BadLine{"before_cltt", "10.0.0.1,02:00:00:00:00:01,,3600,100,1,0,0,,0,",
                "expire 100 is less than valid_lifetime"},
        BadLine{"y2106", "10.0.0.1,02:00:00:00:00:01,,3600,4294967296,1,0,0,,0,",
                "expire 4294967296 does not fit 32-bit Unix time"},
        BadLine{"owner", "10.0.0.1,,,3600,1700003600,1,0,0,,0,", "neither hwaddr nor client_id"}),
    [](const ::testing::TestParamInfo<BadLine>& i) { return std::string(i.param.name); });

TEST(KeaCsvTest, HeaderErrors) {
  auto none = Import("");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no header line"), std::string::npos);
  auto missing = Import("address,hwaddr,valid_lifetime,expire,subnet_id\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("line 1: header lacks column \"client_id\""),
            std::string::npos)
      << missing.status();
}

}  // namespace
}  // namespace dpdhcp::journal
