// dpdhcpd's output formats (src/app): the Kea memfile lease dump and the
// counter report.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dpdhcp/config/config.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/stats/counters.h"
#include "lease_csv.h"
#include "stats_report.h"

namespace dpdhcp::app {
namespace {

using base::Ipv4Address;
using lease::ClientKey;
using lease::Lease;
using lease::LeaseState;

const std::vector<uint8_t> kMac = {0xaa, 0xbb, 0xcc, 0x00, 0x11, 0x22};

Lease MakeLease(LeaseState state, uint32_t last_octet = 100) {
  Lease l;
  l.address = Ipv4Address(198, 18, 0, static_cast<uint8_t>(last_octet));
  l.subnet_id = 1;
  l.cltt = 1'700'000'000;
  l.expire = 1'700'003'600;
  l.key = ClientKey::FromHardware(1, base::ByteSpan(kMac));
  l.state = state;
  l.SetHardware(1, base::ByteSpan(kMac));
  return l;
}

TEST(KeaLeaseCsvTest, HeaderIsKeasLease4Header) {
  EXPECT_EQ(kKeaLease4CsvHeader,
            "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,"
            "hostname,state,user_context");
}

TEST(KeaLeaseCsvTest, BoundHardwareKey) {
  EXPECT_EQ(FormatKeaLease4Line(MakeLease(LeaseState::kBound)),
            "198.18.0.100,aa:bb:cc:00:11:22,,3600,1700003600,1,0,0,,0,");
}

TEST(KeaLeaseCsvTest, BoundClientId) {
  Lease l = MakeLease(LeaseState::kBound);
  const std::vector<uint8_t> id = {0x01, 0xaa, 0xbb, 0xcc, 0x00, 0x11, 0x22};
  l.key = ClientKey::FromClientId(base::ByteSpan(id));
  EXPECT_EQ(FormatKeaLease4Line(l),
            "198.18.0.100,aa:bb:cc:00:11:22,01:aa:bb:cc:00:11:22,3600,1700003600,1,0,0,,0,");
}

TEST(KeaLeaseCsvTest, LongClientIdKeptOnlyAsAHashIsLeftOut) {
  Lease l = MakeLease(LeaseState::kBound);
  std::vector<uint8_t> id(30, 0x5a);
  id[0] = 0xff;  // RFC 4361: IAID + DUID
  l.key = ClientKey::FromClientId(base::ByteSpan(id));
  ASSERT_TRUE(l.key.hashed());
  EXPECT_EQ(FormatKeaLease4Line(l), "198.18.0.100,aa:bb:cc:00:11:22,,3600,1700003600,1,0,0,,0,");
}

TEST(KeaLeaseCsvTest, DeclinedIsState1) {
  Lease l = MakeLease(LeaseState::kDeclined);
  l.expire = l.cltt + 86400;
  EXPECT_EQ(FormatKeaLease4Line(l), "198.18.0.100,aa:bb:cc:00:11:22,,86400,1700086400,1,0,0,,1,");
}

TEST(KeaLeaseCsvTest, InfiniteLeaseAsKeaWritesIt) {
  Lease l = MakeLease(LeaseState::kBound);
  l.expire = base::kInfiniteLifetime;
  EXPECT_EQ(FormatKeaLease4Line(l),
            "198.18.0.100,aa:bb:cc:00:11:22,,4294967295,5994967295,1,0,0,,0,");
}

class NotALeaseTest : public ::testing::TestWithParam<LeaseState> {};

TEST_P(NotALeaseTest, IsNotWritten) {
  EXPECT_FALSE(FormatKeaLease4Line(MakeLease(GetParam())).has_value());
}

INSTANTIATE_TEST_SUITE_P(States, NotALeaseTest,
                         ::testing::Values(LeaseState::kFree, LeaseState::kOffered,
                                           LeaseState::kReleased, LeaseState::kExpired));

TEST(KeaLeaseCsvTest, WritesEveryShard) {
  lease::LeaseStore store(2, 16);
  for (uint8_t i = 0; i < 6; ++i) {
    std::vector<uint8_t> mac = kMac;
    mac[5] = i;
    Lease l = MakeLease(i == 5 ? LeaseState::kOffered : LeaseState::kBound, 100 + i);
    l.key = ClientKey::FromHardware(1, base::ByteSpan(mac));
    l.SetHardware(1, base::ByteSpan(mac));
    ASSERT_TRUE(store.shard(i % 2).Insert(l).has_value());
  }
  const std::string path = ::testing::TempDir() + "/runtime_leases.csv";
  const auto written = WriteKeaLease4File(path, store);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, 5u);
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], kKeaLease4CsvHeader);
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_NE(lines[i].find(",0,"), std::string::npos);
  std::remove(path.c_str());
}

TEST(KeaLeaseCsvTest, UnwritablePathIsAnError) {
  lease::LeaseStore store(1, 4);
  const auto written = WriteKeaLease4File("/nonexistent-dir/leases.csv", store);
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("/nonexistent-dir/leases.csv"), std::string::npos);
}

TEST(StatsReportTest, NonZeroCountersDropsAndGauges) {
  auto config = config::ParseConfig(R"({"Dhcp4": {"subnet4": [
      {"id": 7, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.10 - 198.18.0.20"}]}]}})");
  ASSERT_TRUE(config.ok()) << config.status();
  stats::WorkerCounters w0(1), w1(1);
  w0.Add(stats::Counter::kPktReceived, 3);
  w1.Add(stats::Counter::kPktReceived, 2);
  w1.Drop(base::DropReason::kNoInterface);
  w0.AddSubnet(0, stats::SubnetCounter::kAssignedAddresses, 2);
  w1.AddSubnet(0, stats::SubnetCounter::kAssignedAddresses, -1);
  const stats::CounterTotals t = stats::Sum({&w0, &w1});
  EXPECT_EQ(CounterLines("total", t, config->get()),
            (std::vector<std::string>{
                "worker total pkt4-received 5", "worker total pkt4-receive-drop 1",
                "worker total drop-no-interface 1", "worker total subnet[7].assigned-addresses 1"}));
  EXPECT_EQ(CounterLines("0", stats::Sum({&w0}), nullptr),
            (std::vector<std::string>{"worker 0 pkt4-received 3"}));
}

TEST(StatsReportTest, RateLine) {
  stats::WorkerCounters w(0);
  const stats::CounterTotals before = stats::Sum({&w});
  w.Add(stats::Counter::kPktReceived, 100);
  w.Add(stats::Counter::kPktAckSent, 50);
  const std::string line = RateLine(before, stats::Sum({&w}), 2.0);
  EXPECT_NE(line.find("rates over 2.0 s"), std::string::npos) << line;
  EXPECT_NE(line.find("dhcp 50.0/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ack 25.0/s"), std::string::npos) << line;
}

}  // namespace
}  // namespace dpdhcp::app
