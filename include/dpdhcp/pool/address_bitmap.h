// A lock-free set of claimed indices over [0, size): the allocation state of
// one address pool, shared by every worker (../shared/DESIGN.md §5 invariants
// 1, 3 and 6).
//
// Layout: level 0 holds one bit per index (1 = claimed). Each level above
// holds one bit per 64-bit word of the level below (1 = "that word is
// full"), up to a single top word. Bits past the end of a level are set once
// at construction, so a word is "full" exactly when it equals ~0 and padding
// never needs a special case. For 1 M indices that is 16384 + 256 + 4 + 1
// words; ClaimAny climbs at most to the top and descends once, so its cost is
// bounded by the number of levels (<= 6) whatever the fill: it never scans
// full words one by one.
//
// Thread safety: every member may be called from any thread at any time.
// Of concurrent claims of one index exactly one succeeds (a single atomic
// RMW on the level-0 word decides; summaries never decide anything). No call
// blocks, allocates or makes a syscall.
//
// Summary bits are hints, kept one-sided: a set bit means "the word below is
// full" and must never outlive the word's fullness (it would hide a free
// index), while a clear bit only means "maybe not full". So a release that
// unfills a word must clear the word's bit if it is set, but a claim that
// fills a word need not set it: ClaimAny leaves that to the next search that
// descends into the full word, which marks it and moves on to the next
// candidate ("lazy marking"; TryClaim, the bulk-load path, still marks at
// once so that a replayed pool starts with exact summaries). Each fill is
// marked at most once, so the lazy marks cost at most one extra descent per
// claim, amortised, and an immediate claim-release pair (the common case at
// high fill: a word with one free address fills and unfills) costs no
// summary RMW at all.
//
// Why a set bit never hides a free index once calls stop (the argument the
// tests exercise): all accesses are seq_cst, so they fall in one total order
// S. Whoever changes a word (a release, a marking claim or search, or a
// summary write one level down) then loads the word and its summary bit, and
// calls WriteSummary when they disagree in the dangerous direction.
// WriteSummary (a) sets or clears the summary bit with an atomic RMW, (b)
// reloads the word and repeats when its fullness differs from what it
// wrote. Take the last change of a word, by T. If T unfilled it, T loads the
// bit after its RMW;
// any later "set" RMW by some X is followed by X's reload (b), which sees
// the word not full, so X clears again; if T saw the bit set, T clears it
// itself. Either way the last write of the bit is "not full" unless the word
// is full: once calls stop no set summary bit covers a word with a free bit,
// at every level (SummaryConsistent checks it, and the race tests fail
// without step (b)). While calls run, a stale "not full" only costs a
// descent (ClaimAny marks it on the way), and a stale "full" can hide an
// index being released until that release (or a concurrent call fixing the
// same bit) returns.
//
// Cost at 99.9 % full vs empty: a claim climbs a few cached summary words
// instead of reading its hint's word; a claim-release pair does the same two
// level-0 RMWs as in an empty pool. Steady churn (claims and releases in
// different words) adds one summary RMW per release that unfills a marked
// word and one per mark, which no one-bit summary avoids;
// perf/micro/pool_bench.cc measures both.
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

  // Claims `index`; false when it is already claimed or out of range. Marks
  // the word full in the summary when the claim filled it (bulk loads leave
  // exact summaries).
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

  // Test and debug aid: true when padding bits are set and every set
  // summary bit covers a full word (a clear one may cover a full word: lazy
  // marking). Only meaningful when no call runs concurrently. O(size / 64).
  bool SummaryConsistent() const;
  // Test and debug aid: summary bits that are clear over a full word (marks
  // a search will still make). O(size / 64).
  uint32_t CountUnmarkedFull() const;
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
  // Sets (full) or clears summary bit `child` of `level` (>= 1) with one
  // RMW, then settles it (header comment): the caller just saw word `child`
  // of level - 1 full, or not full.
  void WriteSummary(uint32_t level, uint32_t child, bool full) {
    const uint64_t bit = uint64_t{1} << (child & 63);
    if (full) {
      Word(level, child >> 6).fetch_or(bit);
    } else {
      Word(level, child >> 6).fetch_and(~bit);
    }
    // The common outcome, inline: the word below still has the fullness
    // written and the level above needs nothing (a cleared bit's summary
    // word is not marked full; a set bit did not fill its summary word).
    const bool now = Word(level - 1, child).load() == kFull;
    if (now == full &&
        (level + 1 == num_levels_ || (full ? Word(level, child >> 6).load() != kFull
                                           : !Marked(level + 1, child >> 6)))) {
      return;
    }
    Settle(level, child, full);
  }
  // The rest of WriteSummary: fixes the level above, re-reads the word below
  // and writes the bit again while its fullness changed meanwhile.
  void Settle(uint32_t level, uint32_t child, bool full);
  // An index >= from whose level-0 bit was seen free (the first one the
  // summary does not show full, marking the full words it descends into on
  // the way), or size_ when the summary shows [from, size) all claimed.
  uint32_t FindFree(uint32_t from);

  uint32_t size_;
  uint32_t num_levels_ = 1;
  std::array<uint32_t, kMaxLevels> offset_{};  // first word of each level in words_
  std::array<uint32_t, kMaxLevels> bits_{};    // meaningful bits of each level
  size_t num_words_ = 0;
  std::unique_ptr<std::atomic<uint64_t>[]> words_;
};

}  // namespace dpdhcp::pool
