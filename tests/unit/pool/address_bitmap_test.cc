#include "dpdhcp/pool/address_bitmap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

namespace dpdhcp::pool {
namespace {

// The index ClaimAny must return for `hint` given the claimed set: the first
// free one at or after hint, wrapping.
std::optional<uint32_t> ReferenceNextFree(const std::vector<bool>& claimed, uint32_t hint) {
  const uint32_t n = static_cast<uint32_t>(claimed.size());
  for (uint32_t k = 0; k < n; ++k) {
    const uint32_t i = (hint + k) % n;
    if (!claimed[i]) return i;
  }
  return std::nullopt;
}

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

class AddressBitmapSizeTest : public testing::TestWithParam<uint32_t> {};

TEST_P(AddressBitmapSizeTest, ExhaustsExactlyAtSizeAndRefills) {
  const uint32_t size = GetParam();
  AddressBitmap bitmap(size);
  EXPECT_EQ(bitmap.size(), size);
  EXPECT_EQ(bitmap.CountClaimed(), 0u);
  std::vector<bool> seen(size, false);
  for (uint32_t n = 0; n < size; ++n) {
    const auto i = bitmap.ClaimAny(n * 2654435761u);  // scattered hints
    ASSERT_TRUE(i.has_value()) << "claim " << n << " of " << size;
    ASSERT_LT(*i, size);
    ASSERT_FALSE(seen[*i]) << *i << " claimed twice";
    seen[*i] = true;
  }
  EXPECT_FALSE(bitmap.ClaimAny(0).has_value());
  EXPECT_FALSE(bitmap.ClaimAny(size / 2).has_value());
  EXPECT_EQ(bitmap.CountClaimed(), size);
  EXPECT_TRUE(bitmap.SummaryConsistent());

  // Free every index again, in an order that makes words go from full to
  // not full at every summary level, then claim them all back.
  // 7919 is prime and divides none of the sizes: a permutation.
  for (uint64_t k = 0; k < size; ++k) bitmap.Release(static_cast<uint32_t>(k * 7919 % size));
  EXPECT_EQ(bitmap.CountClaimed(), 0u);
  EXPECT_TRUE(bitmap.SummaryConsistent());
  for (uint32_t n = 0; n < size; ++n) ASSERT_TRUE(bitmap.ClaimAny(size - 1 - n).has_value());
  EXPECT_FALSE(bitmap.ClaimAny(0).has_value());
}

TEST_P(AddressBitmapSizeTest, ClaimAnyReturnsNextFreeAtEveryFillLevel) {
  const uint32_t size = GetParam();
  AddressBitmap bitmap(size);
  std::vector<bool> claimed(size, false);
  std::mt19937 rng(size);
  std::vector<uint32_t> order(size);
  for (uint32_t i = 0; i < size; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  // Checks at every fill level for small sizes, at ~64 levels for large ones
  // (the reference scan is O(size)).
  const uint32_t step = std::max<uint32_t>(1, size / 64);
  for (uint32_t filled = 0; filled <= size; ++filled) {
    if (filled % step == 0 || filled + 1 >= size) {
      const uint32_t hint = static_cast<uint32_t>(rng());
      const auto want = ReferenceNextFree(claimed, hint % size);
      const auto got = bitmap.ClaimAny(hint);
      ASSERT_EQ(got, want) << "filled " << filled << " hint " << hint % size;
      if (got) bitmap.Release(*got);
      ASSERT_EQ(bitmap.CountClaimed(), filled);
      if (size <= 4097 || filled % (step * 16) == 0) {
        ASSERT_TRUE(bitmap.SummaryConsistent());
      }
    }
    if (filled == size) break;
    const uint32_t i = order[filled];
    ASSERT_TRUE(bitmap.TryClaim(i));
    ASSERT_FALSE(bitmap.TryClaim(i));
    ASSERT_TRUE(bitmap.IsClaimed(i));
    claimed[i] = true;
  }
  EXPECT_TRUE(bitmap.SummaryConsistent());
}

TEST_P(AddressBitmapSizeTest, FindsALoneFreeIndexFromAnyHint) {
  const uint32_t size = GetParam();
  AddressBitmap bitmap(size);
  for (uint32_t i = 0; i < size; ++i) ASSERT_TRUE(bitmap.TryClaim(i));
  // Every index for small sizes, a spread sample for large ones.
  const uint32_t step = size <= 4097 ? 1 : 997;
  for (uint32_t i = 0; i < size; i += step) {
    bitmap.Release(i);
    ASSERT_FALSE(bitmap.IsClaimed(i));
    const uint32_t hint = (i + size / 2) % size;
    ASSERT_EQ(bitmap.ClaimAny(hint), std::optional<uint32_t>(i));
    ASSERT_FALSE(bitmap.ClaimAny(hint).has_value());
  }
  EXPECT_TRUE(bitmap.SummaryConsistent());
}

INSTANTIATE_TEST_SUITE_P(Sizes, AddressBitmapSizeTest,
                         testing::Values(1u, 63u, 64u, 65u, 4096u, 4097u, 1u << 20),
                         [](const auto& info) { return "n" + std::to_string(info.param); });

TEST(AddressBitmapTest, EmptyAndOutOfRange) {
  AddressBitmap empty(0);
  EXPECT_FALSE(empty.ClaimAny(0).has_value());
  EXPECT_FALSE(empty.TryClaim(0));
  EXPECT_EQ(empty.CountClaimed(), 0u);
  EXPECT_TRUE(empty.SummaryConsistent());

  AddressBitmap b(100);
  EXPECT_FALSE(b.TryClaim(100));
  EXPECT_FALSE(b.IsClaimed(100));
  b.Release(100);  // no effect
  b.Release(5);    // releasing a free index: no effect
  EXPECT_EQ(b.CountClaimed(), 0u);
  EXPECT_EQ(b.ClaimAny(1000), std::optional<uint32_t>(0));  // 1000 % 100
}

TEST(AddressBitmapTest, LevelsStayFewAndMemoryIsABitPerIndex) {
  EXPECT_EQ(AddressBitmap(64).num_levels(), 1u);
  EXPECT_EQ(AddressBitmap(65).num_levels(), 2u);
  EXPECT_EQ(AddressBitmap(4096).num_levels(), 2u);
  EXPECT_EQ(AddressBitmap(4097).num_levels(), 3u);
  AddressBitmap big(1u << 20);
  EXPECT_EQ(big.num_levels(), 4u);  // 16384 + 256 + 4 + 1 words
  EXPECT_LT(big.MemoryBytes(), (1u << 20) / 8 * 102 / 100);
}

// Four threads claim with their own hints until the bitmap is exhausted: the
// union of what they got is every index exactly once.
TEST(AddressBitmapThreadTest, ConcurrentClaimAnyPartitionsEveryIndex) {
  constexpr uint32_t kSize = 200'003;
  constexpr int kThreads = 4;
  AddressBitmap bitmap(kSize);
  std::vector<std::vector<uint32_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      uint32_t cursor = t * (kSize / kThreads);
      while (auto i = bitmap.ClaimAny(cursor)) {
        got[t].push_back(*i);
        cursor = *i + 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint8_t> count(kSize, 0);
  size_t total = 0;
  for (const auto& v : got) {
    total += v.size();
    for (uint32_t i : v) ++count[i];
  }
  EXPECT_EQ(total, kSize);
  EXPECT_EQ(std::count(count.begin(), count.end(), 1), kSize);
  EXPECT_EQ(bitmap.CountClaimed(), kSize);
  EXPECT_TRUE(bitmap.SummaryConsistent());
}

// Threads race TryClaim on the same indices: exactly one wins each.
TEST(AddressBitmapThreadTest, ConcurrentTryClaimHasOneWinner) {
  constexpr uint32_t kSize = 50'000;
  constexpr int kThreads = 4;
  AddressBitmap bitmap(kSize);
  std::vector<std::atomic<uint32_t>> wins(kSize);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (uint32_t i = 0; i < kSize; ++i) {
        if (bitmap.TryClaim(i)) wins[i].fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (uint32_t i = 0; i < kSize; ++i) ASSERT_EQ(wins[i].load(), 1u) << i;
  EXPECT_TRUE(bitmap.SummaryConsistent());
}

// Threads keep releasing an index they hold and claiming another, with the
// bitmap full but for a few indices, so words flip between full and not full
// at every level while others search. When they stop: the count matches what
// they hold, every summary bit matches its word, and ClaimAny finds every
// index they released.
class AddressBitmapRaceTest : public testing::TestWithParam<uint32_t> {};

TEST_P(AddressBitmapRaceTest, ReleaseClaimRaceLeavesSummaryExact) {
  const uint32_t size = GetParam();
  constexpr int kThreads = 4;
  constexpr int kTrials = 8;
  constexpr int kRounds = 200'000;
  for (int trial = 0; trial < kTrials; ++trial) {
    AddressBitmap bitmap(size);
    std::vector<std::vector<uint32_t>> held(kThreads);
    for (uint32_t i = 0; i < size; ++i) {
      ASSERT_TRUE(bitmap.TryClaim(i));
      held[i % kThreads].push_back(i);
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(trial * kThreads + t);
        auto& mine = held[t];
        for (int r = 0; r < kRounds; ++r) {
          if (!mine.empty()) {
            const size_t k = rng() % mine.size();
            bitmap.Release(mine[k]);
            mine[k] = mine.back();
            mine.pop_back();
          }
          if (auto i = bitmap.ClaimAny(static_cast<uint32_t>(rng()))) mine.push_back(*i);
        }
      });
    }
    for (auto& th : threads) th.join();
    std::vector<uint8_t> owner(size, 0);
    uint32_t total = 0;
    for (const auto& v : held) {
      for (uint32_t i : v) {
        ASSERT_EQ(owner[i]++, 0) << i << " held twice";
        ++total;
      }
    }
    ASSERT_EQ(bitmap.CountClaimed(), total);
    for (uint32_t i = 0; i < size; ++i) ASSERT_EQ(bitmap.IsClaimed(i), owner[i] == 1) << i;
    ASSERT_TRUE(bitmap.SummaryConsistent()) << "trial " << trial;
    // Every free index is found, from one fixed hint, and then nothing more.
    for (uint32_t n = total; n < size; ++n) {
      const auto i = bitmap.ClaimAny(size / 3);
      ASSERT_TRUE(i.has_value()) << "missed a free index after " << n - total << " claims";
      ASSERT_EQ(owner[*i], 0);
      owner[*i] = 1;
    }
    ASSERT_FALSE(bitmap.ClaimAny(0).has_value());
  }
}

// The one race the summary protocol exists for, in lock step: a claim that
// fills word 0 against a release that unfills it, then a check once both
// returned. A claimer that set "full" without re-reading the word would leave
// a stale bit hiding the released index. The claim starts 0-15 pause
// instructions after the go signal so that the two calls' windows overlap in
// every alignment (without the re-read, 0.1 % to 5 % of rounds go stale on the
// 2-core dev machine). With 8192 indices the fill also reaches level 2.
class AddressBitmapLockStepTest : public testing::TestWithParam<uint32_t> {};

TEST_P(AddressBitmapLockStepTest, FillRacingUnfillLeavesNoStaleFullBit) {
  const uint32_t size = GetParam();
  constexpr int kRounds = 20'000;
  constexpr uint32_t kClaimed = 5, kReleased = 9;  // both in word 0
  AddressBitmap bitmap(size);
  for (uint32_t i = 0; i < size; ++i) ASSERT_TRUE(bitmap.TryClaim(i));
  std::atomic<int> go{0}, done{0};
  auto wait_for = [](const std::atomic<int>& a, int value) {
    // Spin so that both threads are running when the round starts; yield
    // only when the other one was clearly descheduled.
    for (int spins = 0; a.load() != value; ++spins) {
      if (spins > 100'000) std::this_thread::yield();
    }
  };
  std::thread releaser([&] {
    for (int r = 1; r <= kRounds; ++r) {
      wait_for(go, r);
      bitmap.Release(kReleased);
      done.store(r);
    }
  });
  int stale = 0;
  for (int r = 1; r <= kRounds; ++r) {
    bitmap.Release(kClaimed);
    go.store(r);
    for (int d = r % 16; d > 0; --d) CpuRelax();
    bitmap.TryClaim(kClaimed);
    wait_for(done, r);
    if (!bitmap.SummaryConsistent()) ++stale;
    // Whatever the summary says, the released index must be found.
    ASSERT_EQ(bitmap.ClaimAny(size - 1), std::optional<uint32_t>(kReleased)) << "round " << r;
  }
  releaser.join();
  EXPECT_EQ(stale, 0);
}

INSTANTIATE_TEST_SUITE_P(Sizes, AddressBitmapRaceTest, testing::Values(130u, 4097u, 262'145u),
                         [](const auto& info) { return "n" + std::to_string(info.param); });
INSTANTIATE_TEST_SUITE_P(Sizes, AddressBitmapLockStepTest, testing::Values(128u, 8192u),
                         [](const auto& info) { return "n" + std::to_string(info.param); });

}  // namespace
}  // namespace dpdhcp::pool
