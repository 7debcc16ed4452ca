#include "histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace dpdhcp::dhcpgen {
namespace {

TEST(HistogramTest, EmptyReadsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.5), 0u);
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.Percentile(0.50), 50u);
  EXPECT_EQ(h.Percentile(0.99), 99u);
  EXPECT_EQ(h.Percentile(1.0), 100u);
  EXPECT_EQ(h.max(), 100u);
}

TEST(HistogramTest, BucketsAreContiguousAndCoverEveryValue) {
  for (size_t i = 1; i < Histogram::kBuckets; ++i) {
    ASSERT_EQ(Histogram::LowestEquivalent(i), Histogram::HighestEquivalent(i - 1) + 1) << i;
  }
  EXPECT_EQ(Histogram::HighestEquivalent(Histogram::kBuckets - 1), UINT64_MAX);
  for (uint64_t v : {uint64_t{0}, uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{1000},
                     uint64_t{123456789}, UINT64_MAX}) {
    const size_t i = Histogram::IndexOf(v);
    ASSERT_LT(i, Histogram::kBuckets);
    EXPECT_LE(Histogram::LowestEquivalent(i), v);
    EXPECT_GE(Histogram::HighestEquivalent(i), v);
  }
}

TEST(HistogramTest, PercentilesWithinRelativeErrorOfSortedSamples) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(10.0, 1.5);  // ns-like latencies
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const uint64_t exact = values[static_cast<size_t>(q * values.size() + 0.5) - 1];
    const double got = static_cast<double>(h.Percentile(q));
    EXPECT_NEAR(got, static_cast<double>(exact), static_cast<double>(exact) / 64.0 + 1) << q;
  }
}

TEST(HistogramTest, ResetAndAdd) {
  Histogram a, b;
  a.Record(10);
  b.Record(1000);
  a.Add(b);
  EXPECT_EQ(a.count(), 2u);
  EXPECT_EQ(a.max(), 1000u);
  a.Reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.Percentile(0.99), 0u);
}

}  // namespace
}  // namespace dpdhcp::dhcpgen
