#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "dpdhcp/stats/counters.h"

namespace dpdhcp::stats {
namespace {

TEST(CountersTest, NamesAreKeaNamesAndUnique) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < kNumCounters; ++i) {
    EXPECT_TRUE(names.insert(CounterName(static_cast<Counter>(i))).second);
  }
  EXPECT_EQ(CounterName(Counter::kPktDiscoverReceived), "pkt4-discover-received");
  EXPECT_EQ(CounterName(Counter::kAllocationFail), "v4-allocation-fail");
  EXPECT_EQ(SubnetCounterName(SubnetCounter::kCumulativeAssignedAddresses),
            "cumulative-assigned-addresses");
}

TEST(CountersTest, SumsWorkersAndCountsDropsTwice) {
  WorkerCounters a(2), b(2);
  a.Add(Counter::kPktReceived, 3);
  b.Add(Counter::kPktReceived);
  a.Drop(base::DropReason::kBadIpChecksum);
  b.Drop(base::DropReason::kBadIpChecksum);
  b.Drop(base::DropReason::kDhcpBadCookie);
  a.AddSubnet(1, SubnetCounter::kAssignedAddresses, 5);
  b.AddSubnet(1, SubnetCounter::kAssignedAddresses, -2);
  const CounterTotals t = Sum({&a, &b});
  EXPECT_EQ(t.Get(Counter::kPktReceived), 4u);
  EXPECT_EQ(t.GetDrop(base::DropReason::kBadIpChecksum), 2u);
  EXPECT_EQ(t.GetDrop(base::DropReason::kDhcpBadCookie), 1u);
  EXPECT_EQ(t.Get(Counter::kPktReceiveDrop), 3u);
  ASSERT_EQ(t.subnets.size(), 2u);
  EXPECT_EQ(t.subnets[1][static_cast<size_t>(SubnetCounter::kAssignedAddresses)], 3);
  EXPECT_EQ(t.subnets[0][static_cast<size_t>(SubnetCounter::kAssignedAddresses)], 0);
}

TEST(CountersTest, ResetKeepsGauges) {
  WorkerCounters a(1);
  a.Add(Counter::kPktAckSent, 7);
  a.Drop(base::DropReason::kNoSubnet);
  a.AddSubnet(0, SubnetCounter::kAssignedAddresses, 7);
  a.ResetPacketCounters();
  EXPECT_EQ(a.Get(Counter::kPktAckSent), 0u);
  EXPECT_EQ(a.GetDrop(base::DropReason::kNoSubnet), 0u);
  EXPECT_EQ(a.GetSubnet(0, SubnetCounter::kAssignedAddresses), 7);
}

TEST(CountersTest, ReaderOnAnotherThreadSeesWritersFinalValue) {
  WorkerCounters w(0);
  std::thread writer([&] {
    for (int i = 0; i < 100000; ++i) w.Add(Counter::kPktReceived);
  });
  uint64_t last = 0;
  while (last < 100000) {
    const uint64_t v = w.Get(Counter::kPktReceived);
    EXPECT_GE(v, last);  // a single writer's counter never goes backwards
    last = v;
    if (v == 100000) break;
  }
  writer.join();
  EXPECT_EQ(w.Get(Counter::kPktReceived), 100000u);
}

}  // namespace
}  // namespace dpdhcp::stats
