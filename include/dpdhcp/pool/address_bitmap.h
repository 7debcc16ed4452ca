// A lock-free set of claimed indices over [0, size): the allocation state of
// one address pool, shared by every worker (../shared/DESIGN.md §5 invariants
// 1, 3 and 6).
//
// Layout: level 0 holds one bit per index (1 = claimed). Each level above
// holds one bit per 64-bit word of the level below (1 = "that word is full"),
// up to a single top word. Bits past the end of a level are set once at
// construction, so a word is "full" exactly when it equals ~0 and padding
// never needs a special case. For 1 M indices that is 16384 + 256 + 4 + 1
// words; ClaimAny climbs at most to the top and descends once, so its cost is
// bounded by the number of levels (≤ 6) whatever the fill: it never scans
// full words one by one.
//
// Thread safety: every member may be called from any thread at any time.
// Of concurrent claims of one index exactly one succeeds (a single atomic
// RMW on the level-0 word decides). No call blocks, allocates or makes a
// syscall.
//
// Why the summary stays correct (the argument the tests exercise): summary
// bits are only hints. All accesses are seq_cst, so they fall in one total
// order S. Whoever changes a word (a claim, a release, or a summary write one
// level down) then loads the word and its summary bit, and calls Reconcile
// when they disagree. Reconcile (a) loads the word's fullness, (b) sets or
// clears the summary bit to match with an atomic RMW, (c) reloads the word
// and repeats if its fullness changed meanwhile. Take the last change of
// fullness of a word, by thread T; after it the fullness f is final. T then
// loads the bit. If T saw f, any later RMW on the bit by some X is followed
// by X's reload (c), which sees f, so X writes f again if it wrote the other
// value; if T saw the other value, T reconciles itself. Either way the last
// write of the bit is f: once calls stop every summary bit equals the
// fullness of its word, at every level (SummaryConsistent checks it, and the
// race test fails without step (c)). While calls run a bit may lag its word
// for the duration of a concurrent call; a stale "not full" only costs a
// descent (ClaimAny repairs it on the way), a stale "full" can hide an index
// being released until that release (or a concurrent call fixing the same
// bit) returns.
//
// Cost at 99.9 % full vs empty: the extra work is one summary RMW when a claim
// fills a word and one when a release unfills it, plus a climb of a few
// cached words; perf/micro/pool_bench.cc measures it.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace dpdhcp::pool {

class AddressBitmap {
 public:
  // All indices start free. size may be 0 (nothing is ever claimable).
  explicit AddressBitmap(uint32_t size);
  AddressBitmap(const AddressBitmap&) = delete;
  AddressBitmap& operator=(const AddressBitmap&) = delete;

  // Claims `index`; false when it is already claimed or out of range.
  bool TryClaim(uint32_t index);
  // Frees `index`. Releasing a free or out-of-range index does nothing.
  void Release(uint32_t index);
  bool IsClaimed(uint32_t index) const;
  // Starts loading the word TryClaim(index) will change (bulk loads).
  void Prefetch(uint32_t index) const {
    if (index < size_) __builtin_prefetch(&Word(0, index >> 6), 1);
  }

  // Claims the first free index at or after `hint` (taken modulo size),
  // wrapping to 0, so callers that pass different per-worker cursors work in
  // different words. Returns nullopt when the summary showed every index
  // claimed at some moment of the search; with no concurrent Release that
  // means the set is full. An index being released by a call that has not
  // returned (or whose summary bit a concurrent call is still fixing) may be
  // missed: it counts as claimed until that call is done.
  std::optional<uint32_t> ClaimAny(uint32_t hint);

  uint32_t size() const { return size_; }
  // Exact when no call runs concurrently; a snapshot-ish sum otherwise.
  // O(size / 64): control plane only.
  uint32_t CountClaimed() const;
  size_t MemoryBytes() const;

  // Test and debug aid: true when every summary bit equals the fullness of
  // the word below it and padding bits are set. Only meaningful when no
  // call runs concurrently. O(size / 64).
  bool SummaryConsistent() const;
  uint32_t num_levels() const { return num_levels_; }

 private:
  static constexpr uint64_t kFull = ~uint64_t{0};
  // 2^32 indices need 2^26, 2^20, 2^14, 2^8, 4, 1 words.
  static constexpr uint32_t kMaxLevels = 6;

  std::atomic<uint64_t>& Word(uint32_t level, uint32_t i) { return words_[offset_[level] + i]; }
  const std::atomic<uint64_t>& Word(uint32_t level, uint32_t i) const {
    return words_[offset_[level] + i];
  }
  // Summary bit `child` of `level` (>= 1): word `child` of level - 1 is full.
  bool Marked(uint32_t level, uint32_t child) const {
    return (Word(level, child >> 6).load() >> (child & 63)) & 1;
  }
  // Makes summary bit `child` of `level` match word `child` of level - 1,
  // starting from `full`, the fullness the caller just read; see the header
  // comment.
  void Reconcile(uint32_t level, uint32_t child, bool full);
  // The first index >= from that the summary shows free, or nullopt.
  std::optional<uint32_t> FindFree(uint32_t from);

  uint32_t size_;
  uint32_t num_levels_ = 1;
  std::array<uint32_t, kMaxLevels> offset_{};  // first word of each level in words_
  std::array<uint32_t, kMaxLevels> bits_{};    // meaningful bits of each level
  size_t num_words_ = 0;
  std::unique_ptr<std::atomic<uint64_t>[]> words_;
};

}  // namespace dpdhcp::pool
