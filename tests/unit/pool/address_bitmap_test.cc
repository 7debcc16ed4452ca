#include "dpdhcp/pool/address_bitmap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
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

// Test names "n<size>". Appending (not "n" + string) sidesteps GCC 12's
// false -Wrestrict at -O3 in operator+(const char*, string&&).
std::string SizeName(const testing::TestParamInfo<uint32_t>& info) {
  std::string name = "n";
  name += std::to_string(info.param);
  return name;
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

// The pool full but for k scattered indices, filled the two ways the server
// fills it: TryClaim (journal replay: summaries marked at once) and ClaimAny
// (allocation: summaries marked lazily by later searches). Every ClaimAny
// must then succeed exactly k times, each returning a distinct freed index,
// and then fail; the failing search leaves every full word marked.
TEST_P(AddressBitmapSizeTest, FullButKScatteredFindsEachThenFails) {
  const uint32_t size = GetParam();
  for (const bool by_claim_any : {false, true}) {
    for (const uint32_t k : {1u, 7u, 1000u}) {
      if (k > size) continue;
      SCOPED_TRACE(testing::Message() << (by_claim_any ? "ClaimAny" : "TryClaim") << " fill, k "
                                      << k);
      AddressBitmap bitmap(size);
      for (uint32_t n = 0; n < size; ++n) {
        if (by_claim_any) {
          ASSERT_TRUE(bitmap.ClaimAny(n * 2654435761u).has_value());
        } else {
          ASSERT_TRUE(bitmap.TryClaim(n));
        }
      }
      ASSERT_FALSE(bitmap.ClaimAny(0).has_value());
      std::vector<uint32_t> order(size);
      for (uint32_t i = 0; i < size; ++i) order[i] = i;
      std::mt19937 rng(size + k);
      std::shuffle(order.begin(), order.end(), rng);
      std::vector<bool> freed(size, false);
      for (uint32_t n = 0; n < k; ++n) {
        bitmap.Release(order[n]);
        freed[order[n]] = true;
      }
      ASSERT_TRUE(bitmap.SummaryConsistent());
      for (uint32_t n = 0; n < k; ++n) {
        const auto i = bitmap.ClaimAny(static_cast<uint32_t>(rng()));
        ASSERT_TRUE(i.has_value()) << "claim " << n << " of " << k;
        ASSERT_TRUE(freed[*i]) << *i << " was not free";
        freed[*i] = false;
      }
      EXPECT_FALSE(bitmap.ClaimAny(static_cast<uint32_t>(rng())).has_value());
      EXPECT_EQ(bitmap.CountClaimed(), size);
      EXPECT_TRUE(bitmap.SummaryConsistent());
      EXPECT_EQ(bitmap.CountUnmarkedFull(), 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, AddressBitmapSizeTest,
                         testing::Values(1u, 63u, 64u, 65u, 4096u, 4097u, 1u << 20),
                         SizeName);

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

// Lazy marking, step by step: a ClaimAny that fills a word leaves it
// unmarked (so a release right after needs no summary write), and the next
// search that meets the full word marks it and goes on to the next one.
TEST(AddressBitmapTest, ClaimAnyMarksLazilyAndSearchesMarkWhatTheyPass) {
  AddressBitmap bitmap(4096);  // 64 words, two levels
  for (uint32_t i = 0; i < 4096; ++i) {
    if (i != 100 && i != 3000) {
      ASSERT_TRUE(bitmap.TryClaim(i));
    }
  }
  EXPECT_EQ(bitmap.CountUnmarkedFull(), 0u);  // TryClaim marks at once
  ASSERT_EQ(bitmap.ClaimAny(100), std::optional<uint32_t>(100));
  EXPECT_EQ(bitmap.CountUnmarkedFull(), 1u);  // word 1
  EXPECT_TRUE(bitmap.SummaryConsistent());
  // A release into the unmarked word needs no summary write and is seen.
  bitmap.Release(100);
  EXPECT_EQ(bitmap.CountUnmarkedFull(), 0u);
  ASSERT_EQ(bitmap.ClaimAny(0), std::optional<uint32_t>(100));
  // From hint 0: word 0 is marked, word 1 is full but unmarked (marked now),
  // 3000 is the next free index.
  ASSERT_EQ(bitmap.ClaimAny(0), std::optional<uint32_t>(3000));
  EXPECT_EQ(bitmap.CountUnmarkedFull(), 1u);  // word 46, filled just now
  EXPECT_TRUE(bitmap.SummaryConsistent());
  EXPECT_FALSE(bitmap.ClaimAny(0).has_value());
  EXPECT_EQ(bitmap.CountUnmarkedFull(), 0u);
  // A release into a marked word clears the mark.
  bitmap.Release(3000);
  EXPECT_TRUE(bitmap.SummaryConsistent());
  EXPECT_EQ(bitmap.ClaimAny(1), std::optional<uint32_t>(3000));
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
// they hold, no summary bit marks a word with a free index, and ClaimAny
// finds every index they released.
class AddressBitmapRaceTest : public testing::TestWithParam<uint32_t> {};

TEST_P(AddressBitmapRaceTest, ReleaseClaimRaceLeavesSummarySound) {
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

// Two threads churn a pool kept 99.9 % full: each releases one of the few
// indices it holds and claims another, so nearly every claim fills its word
// (left unmarked) and every release unfills one, while the other thread's
// searches mark and pass those words. An owner table catches any index handed
// out twice; afterwards every free index is found and nothing more.
TEST(AddressBitmapThreadTest, TwoThreadChurnAtHighFillNeverDoubleClaims) {
  constexpr uint32_t kSize = 1u << 16;
  constexpr uint32_t kFree = 66;  // 0.1 %
  constexpr uint32_t kHeld = 16;  // per thread
  constexpr int kRounds = 300'000;
  AddressBitmap bitmap(kSize);
  std::vector<std::atomic<uint8_t>> owner(kSize);
  for (uint32_t i = 0; i < kSize; ++i) ASSERT_TRUE(bitmap.TryClaim(i));
  std::mt19937 rng(7);
  std::vector<uint32_t> order(kSize);
  for (uint32_t i = 0; i < kSize; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  // 2 * kHeld indices are handed to the threads, kFree more are freed.
  std::vector<std::vector<uint32_t>> held(2);
  for (uint32_t n = 0; n < 2 * kHeld + kFree; ++n) {
    if (n < 2 * kHeld) {
      held[n % 2].push_back(order[n]);
      owner[order[n]].store(1);
    } else {
      bitmap.Release(order[n]);
    }
  }
  for (uint32_t i = 0; i < kSize; ++i) {
    if (bitmap.IsClaimed(i) && owner[i].load() == 0) owner[i].store(2);  // the fixed fill
  }
  std::atomic<int> doubles{0}, misses{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 r(t + 100);
      auto& mine = held[t];
      for (int round = 0; round < kRounds; ++round) {
        const size_t k = r() % mine.size();
        owner[mine[k]].store(0);  // before the release makes it claimable
        bitmap.Release(mine[k]);
        mine[k] = mine.back();
        mine.pop_back();
        if (auto i = bitmap.ClaimAny(static_cast<uint32_t>(r()))) {
          if (owner[*i].exchange(1) != 0) doubles.fetch_add(1);
          mine.push_back(*i);
        } else {
          misses.fetch_add(1);
        }
        if (mine.empty()) break;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(doubles.load(), 0);
  // A miss is allowed only while the other thread holds a summary bit
  // stale; with kFree spare indices in ~66 words that never lasts a search.
  EXPECT_LE(misses.load(), 2) << "ClaimAny failed with free indices left";
  uint32_t free = 0;
  for (uint32_t i = 0; i < kSize; ++i) {
    ASSERT_EQ(bitmap.IsClaimed(i), owner[i].load() != 0) << i;
    free += owner[i].load() == 0;
  }
  EXPECT_EQ(bitmap.CountClaimed(), kSize - free);
  EXPECT_TRUE(bitmap.SummaryConsistent());
  for (uint32_t n = 0; n < free; ++n) {
    const auto i = bitmap.ClaimAny(n * 2654435761u);
    ASSERT_TRUE(i.has_value()) << "missed a free index after " << n << " claims";
    ASSERT_EQ(owner[*i].exchange(1), 0) << *i;
  }
  EXPECT_FALSE(bitmap.ClaimAny(0).has_value());
}

// Spins until `a` holds `value`, so that both threads are running when a
// round starts; yields only when the other one was clearly descheduled.
void WaitFor(const std::atomic<int>& a, int value) {
  for (int spins = 0; a.load() != value; ++spins) {
    if (spins > 100'000) std::this_thread::yield();
  }
}

// The other side of a lock-step race: in round r (1..rounds) it waits for
// `go` to reach r, releases `index`, and publishes r in `done`.
std::thread LockStepReleaser(AddressBitmap& bitmap, uint32_t index, int rounds,
                             const std::atomic<int>& go, std::atomic<int>& done) {
  return std::thread([&bitmap, index, rounds, &go, &done] {
    for (int r = 1; r <= rounds; ++r) {
      WaitFor(go, r);
      bitmap.Release(index);
      done.store(r);
    }
  });
}

// The one race the summary protocol exists for, in lock step: a claim that
// fills word 0 against a release that unfills it, then a check once both
// returned. A claimer that set "full" without re-reading the word would leave
// a stale bit hiding the released index. The claim starts 0-15 pause
// instructions after the go signal so that the two calls' windows overlap in
// every alignment (without the re-read, 0.1 % to 5 % of rounds go stale on the
// 2-core dev machine). With 8192 indices the fill also reaches level 2.
class AddressBitmapLockStepTest : public testing::TestWithParam<uint32_t> {
 protected:
  static constexpr int kRounds = 20'000;
  // Claims every index, then starts the releaser of `index` (the test joins
  // it).
  void StartReleaser(uint32_t index) {
    for (uint32_t i = 0; i < size_; ++i) ASSERT_TRUE(bitmap_.TryClaim(i));
    releaser_ = LockStepReleaser(bitmap_, index, kRounds, go_, done_);
  }

  const uint32_t size_ = GetParam();
  AddressBitmap bitmap_{size_};
  std::atomic<int> go_{0}, done_{0};
  std::thread releaser_;
};

TEST_P(AddressBitmapLockStepTest, FillRacingUnfillLeavesNoStaleFullBit) {
  constexpr uint32_t kClaimed = 5, kReleased = 9;  // both in word 0
  ASSERT_NO_FATAL_FAILURE(StartReleaser(kReleased));
  int stale = 0;
  for (int r = 1; r <= kRounds; ++r) {
    bitmap_.Release(kClaimed);
    go_.store(r);
    for (int d = r % 16; d > 0; --d) CpuRelax();
    bitmap_.TryClaim(kClaimed);
    WaitFor(done_, r);
    if (!bitmap_.SummaryConsistent()) ++stale;
    // Whatever the summary says, the released index must be found.
    ASSERT_EQ(bitmap_.ClaimAny(size_ - 1), std::optional<uint32_t>(kReleased)) << "round " << r;
  }
  releaser_.join();
  EXPECT_EQ(stale, 0);
}

// The race lazy marking adds, in lock step: a search that finds word 0 full
// and marks it against a release that unfills word 0. Word 0 is filled by
// ClaimAny (so unmarked) and one spare index is free elsewhere; the searcher
// gets either the released index or the spare, and the other one must stay
// findable. A marker that did not re-read the word after marking would leave
// a stale "full" bit hiding the released index.
TEST_P(AddressBitmapLockStepTest, MarkRacingUnfillLeavesNoStaleFullBit) {
  constexpr uint32_t kRefill = 5, kReleased = 9;  // both in word 0
  const uint32_t spare = size_ - 1;
  ASSERT_NO_FATAL_FAILURE(StartReleaser(kReleased));
  int stale = 0;
  for (int r = 1; r <= kRounds; ++r) {
    bitmap_.Release(kRefill);
    // Word 0 is full again, and unmarked.
    ASSERT_EQ(bitmap_.ClaimAny(kRefill), std::optional<uint32_t>(kRefill));
    bitmap_.Release(spare);
    go_.store(r);
    for (int d = r % 16; d > 0; --d) CpuRelax();
    const auto got = bitmap_.ClaimAny(0);
    WaitFor(done_, r);
    ASSERT_TRUE(got == kReleased || got == spare) << "round " << r;
    if (!bitmap_.SummaryConsistent()) ++stale;
    const uint32_t other = *got == kReleased ? spare : kReleased;
    ASSERT_EQ(bitmap_.ClaimAny(1), std::optional<uint32_t>(other)) << "round " << r;
    ASSERT_FALSE(bitmap_.ClaimAny(0).has_value());
  }
  releaser_.join();
  EXPECT_EQ(stale, 0);
}

INSTANTIATE_TEST_SUITE_P(Sizes, AddressBitmapRaceTest, testing::Values(130u, 4097u, 262'145u),
                         SizeName);
INSTANTIATE_TEST_SUITE_P(Sizes, AddressBitmapLockStepTest, testing::Values(128u, 8192u),
                         SizeName);

}  // namespace
}  // namespace dpdhcp::pool
