#include "dpdhcp/pool/address_bitmap.h"

#include <bit>

namespace dpdhcp::pool {
namespace {

constexpr uint32_t WordsFor(uint32_t bits) { return bits == 0 ? 1 : (bits + 63) / 64; }

// Bits [from, 64) of a word.
constexpr uint64_t MaskFrom(uint32_t from) { return ~uint64_t{0} << from; }

}  // namespace

AddressBitmap::AddressBitmap(uint32_t size) : size_(size) {
  uint32_t bits = size;
  for (;;) {
    offset_[num_levels_ - 1] = static_cast<uint32_t>(num_words_);
    bits_[num_levels_ - 1] = bits;
    const uint32_t words = WordsFor(bits);
    num_words_ += words;
    if (words == 1) break;
    bits = words;  // one summary bit per word below
    ++num_levels_;
  }
  words_ = std::make_unique<std::atomic<uint64_t>[]>(num_words_);
  // Construction is single-threaded: plain relaxed stores. Level 0 is free
  // except its padding; every summary level is derived from the level below.
  for (uint32_t level = 0; level < num_levels_; ++level) {
    const uint32_t words = WordsFor(bits_[level]);
    for (uint32_t w = 0; w < words; ++w) {
      uint64_t v = 0;
      for (uint32_t b = 0; b < 64; ++b) {
        const uint64_t i = uint64_t{w} * 64 + b;
        const bool set =
            i >= bits_[level] ||
            (level > 0 &&
             Word(level - 1, static_cast<uint32_t>(i)).load(std::memory_order_relaxed) == kFull);
        if (set) v |= uint64_t{1} << b;
      }
      Word(level, w).store(v, std::memory_order_relaxed);
    }
  }
}

bool AddressBitmap::TryClaim(uint32_t index) {
  if (index >= size_) return false;
  const uint32_t w = index >> 6;
  std::atomic<uint64_t>& word = Word(0, w);
  const uint64_t bit = uint64_t{1} << (index & 63);
  // Only the claimed bit of the old value is used: one `lock bts` on x86.
  if (word.fetch_or(bit) & bit) return false;
  // The claim may have filled the word: the summary must say so.
  if (num_levels_ > 1 && word.load() == kFull && !Marked(1, w)) Reconcile(1, w, true);
  return true;
}

void AddressBitmap::Release(uint32_t index) {
  if (index >= size_) return;
  const uint32_t w = index >> 6;
  std::atomic<uint64_t>& word = Word(0, w);
  const uint64_t bit = uint64_t{1} << (index & 63);
  if ((word.fetch_and(~bit) & bit) == 0) return;  // was free: no change
  // The word is no longer full (unless refilled meanwhile): unmark it.
  if (num_levels_ > 1 && Marked(1, w) && word.load() != kFull) Reconcile(1, w, false);
}

bool AddressBitmap::IsClaimed(uint32_t index) const {
  if (index >= size_) return false;
  return (Word(0, index >> 6).load() >> (index & 63)) & 1;
}

void AddressBitmap::Reconcile(uint32_t level, uint32_t child, bool full) {
  std::atomic<uint64_t>& below = Word(level - 1, child);
  std::atomic<uint64_t>& summary = Word(level, child >> 6);
  const uint64_t bit = uint64_t{1} << (child & 63);
  for (;;) {
    if (full) {
      summary.fetch_or(bit);
    } else {
      summary.fetch_and(~bit);
    }
    // This write may have changed the summary word's own fullness: the level
    // above follows by the same rule.
    if (level + 1 < num_levels_) {
      const bool summary_full = summary.load() == kFull;
      if (summary_full != Marked(level + 1, child >> 6)) {
        Reconcile(level + 1, child >> 6, summary_full);
      }
    }
    // The re-read that makes the summary exact (header comment).
    const bool now = below.load() == kFull;
    if (now == full) return;
    full = now;
  }
}

std::optional<uint32_t> AddressBitmap::FindFree(uint32_t from) {
  for (;;) {  // once more after each repair of a stale summary bit
    uint32_t level = 0;
    uint32_t pos = from;  // a bit index at `level`
    // A start word marked full is not read at all: at high fill that saves
    // the one load likely to miss the cache.
    if (num_levels_ > 1 && Marked(1, from >> 6)) {
      level = 1;
      pos = (from >> 6) + 1;
      if (pos >= bits_[1]) return std::nullopt;
    }
    // Climb: a free bit at or after pos in pos's word; when there is none, the
    // next candidate is the following word, i.e. the next bit one level up.
    for (;;) {
      const uint32_t w = pos >> 6;
      const uint64_t free = ~Word(level, w).load() & MaskFrom(pos & 63);
      if (free != 0) {
        pos = w * 64 + static_cast<uint32_t>(std::countr_zero(free));
        break;
      }
      if (level + 1 == num_levels_) return std::nullopt;
      pos = w + 1;
      ++level;
      if (pos >= bits_[level]) return std::nullopt;
    }
    // Descend: the summary says word `pos` below has a free bit; take the first.
    bool stale = false;
    while (level > 0) {
      const uint64_t free = ~Word(level - 1, pos).load();
      if (free == 0) {
        // Stale "not full" (its word filled concurrently): fix it so that
        // nobody descends here again, and search again. Each retry follows
        // progress by another call, so the search is lock-free.
        Reconcile(level, pos, true);
        stale = true;
        break;
      }
      --level;
      pos = pos * 64 + static_cast<uint32_t>(std::countr_zero(free));
    }
    if (!stale) return pos;
  }
}

std::optional<uint32_t> AddressBitmap::ClaimAny(uint32_t hint) {
  if (size_ == 0) return std::nullopt;
  if (hint >= size_) hint %= size_;
  // [hint, size) first, then once more from 0.
  uint32_t from = hint;
  bool wrapped = hint == 0;
  for (;;) {
    const std::optional<uint32_t> index = FindFree(from);
    if (!index) {
      if (wrapped) return std::nullopt;
      wrapped = true;
      from = 0;
      continue;
    }
    if (TryClaim(*index)) return index;
    from = *index;  // lost a race for it: look again from there
  }
}

uint32_t AddressBitmap::CountClaimed() const {
  const uint32_t words = WordsFor(size_);
  uint64_t n = 0;
  for (uint32_t w = 0; w < words; ++w) n += std::popcount(Word(0, w).load());
  return static_cast<uint32_t>(n - (uint64_t{words} * 64 - size_));
}

size_t AddressBitmap::MemoryBytes() const {
  return sizeof(*this) + num_words_ * sizeof(std::atomic<uint64_t>);
}

bool AddressBitmap::SummaryConsistent() const {
  for (uint32_t level = 0; level < num_levels_; ++level) {
    const uint32_t words = WordsFor(bits_[level]);
    for (uint32_t w = 0; w < words; ++w) {
      const uint64_t v = Word(level, w).load();
      for (uint32_t b = 0; b < 64; ++b) {
        const uint64_t i = uint64_t{w} * 64 + b;
        const bool set = (v >> b) & 1;
        if (i >= bits_[level]) {
          if (!set) return false;
        } else if (level > 0 &&
                   set != (Word(level - 1, static_cast<uint32_t>(i)).load() == kFull)) {
          return false;
        }
      }
    }
  }
  return true;
}

}  // namespace dpdhcp::pool
