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
  if (num_levels_ > 1 && word.load() == kFull && !Marked(1, w)) WriteSummary(1, w, true);
  return true;
}

void AddressBitmap::Release(uint32_t index) {
  if (index >= size_) return;
  const uint32_t w = index >> 6;
  std::atomic<uint64_t>& word = Word(0, w);
  const uint64_t bit = uint64_t{1} << (index & 63);
  if ((word.fetch_and(~bit) & bit) == 0) return;  // was free: no change
  // The word is no longer full (unless refilled meanwhile): unmark it.
  if (num_levels_ > 1 && Marked(1, w) && word.load() != kFull) WriteSummary(1, w, false);
}

bool AddressBitmap::IsClaimed(uint32_t index) const {
  if (index >= size_) return false;
  return (Word(0, index >> 6).load() >> (index & 63)) & 1;
}

void AddressBitmap::Settle(uint32_t level, uint32_t child, bool full) {
  std::atomic<uint64_t>& below = Word(level - 1, child);
  std::atomic<uint64_t>& summary = Word(level, child >> 6);
  const uint64_t bit = uint64_t{1} << (child & 63);
  for (;;) {
    // The write changed the summary word, so the level above follows by the
    // same rule: a word that may have stopped being full must not stay
    // marked (mandatory); one that became full is marked now rather than by
    // a later search (optional, cheap here).
    if (level + 1 < num_levels_) {
      const uint32_t up = child >> 6;
      if (full) {
        if (summary.load() == kFull && !Marked(level + 1, up)) WriteSummary(level + 1, up, true);
      } else if (Marked(level + 1, up) && summary.load() != kFull) {
        WriteSummary(level + 1, up, false);
      }
    }
    // The re-read that keeps a set bit from outliving its word's fullness.
    const bool now = below.load() == kFull;
    if (now == full) return;
    full = now;
    if (full) {
      summary.fetch_or(bit);
    } else {
      summary.fetch_and(~bit);
    }
  }
}

uint32_t AddressBitmap::FindFree(uint32_t from) {
  const uint32_t w0 = from >> 6;
  if (num_levels_ == 1) {
    const uint64_t free = ~Word(0, 0).load() & MaskFrom(from & 63);
    return free != 0 ? static_cast<uint32_t>(std::countr_zero(free)) : size_;
  }
  // The start word, unless marked full: at high fill that skips the one load
  // likely to miss the cache. A full word found unmarked is marked (lazily,
  // header comment) so that the next search skips it.
  if (!Marked(1, w0)) {
    const uint64_t v = Word(0, w0).load();
    const uint64_t free = ~v & MaskFrom(from & 63);
    if (free != 0) return w0 * 64 + static_cast<uint32_t>(std::countr_zero(free));
    if (v == kFull) WriteSummary(1, w0, true);
  }
  uint32_t level = 1;
  uint32_t pos = w0 + 1;  // a bit index at `level`: the next candidate word below
  for (;;) {
    // Climb: a bit not marked full at or after pos in pos's word; when there
    // is none, the next candidate is the following word, i.e. the next bit
    // one level up.
    for (;;) {
      if (pos >= bits_[level]) return size_;
      const uint32_t w = pos >> 6;
      const uint64_t free = ~Word(level, w).load() & MaskFrom(pos & 63);
      if (free != 0) {
        pos = w * 64 + static_cast<uint32_t>(std::countr_zero(free));
        break;
      }
      if (level + 1 == num_levels_) return size_;
      pos = w + 1;
      ++level;
    }
    // Descend: the summary says word `pos` below may have a free bit.
    for (;;) {
      const uint64_t free = ~Word(level - 1, pos).load();
      if (free == 0) {
        // Full but not marked (lazy marking, or filled concurrently): mark it
        // so that nobody descends here again, and go on with the next bit of
        // this level. Each such step either marks a word or follows another
        // call's progress, so the search is lock-free.
        WriteSummary(level, pos, true);
        ++pos;
        break;
      }
      pos = pos * 64 + static_cast<uint32_t>(std::countr_zero(free));
      if (--level == 0) return pos;
    }
  }
}

std::optional<uint32_t> AddressBitmap::ClaimAny(uint32_t hint) {
  if (size_ == 0) return std::nullopt;
  if (hint >= size_) hint %= size_;
  // [hint, size) first, then once more from 0.
  uint32_t from = hint;
  bool wrapped = hint == 0;
  for (;;) {
    const uint32_t index = FindFree(from);
    if (index >= size_) {
      if (wrapped) return std::nullopt;
      wrapped = true;
      from = 0;
      continue;
    }
    // The claim itself: one `lock bts`. Unlike TryClaim it does not mark a
    // word it fills (header comment): at high fill nearly every claim fills
    // its word and the release that follows unfills it.
    const uint64_t bit = uint64_t{1} << (index & 63);
    if ((Word(0, index >> 6).fetch_or(bit) & bit) == 0) return index;
    from = index;  // lost a race for it: look again from there
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
        } else if (level > 0 && set &&
                   Word(level - 1, static_cast<uint32_t>(i)).load() != kFull) {
          return false;
        }
      }
    }
  }
  return true;
}

uint32_t AddressBitmap::CountUnmarkedFull() const {
  uint32_t n = 0;
  for (uint32_t level = 1; level < num_levels_; ++level) {
    for (uint32_t child = 0; child < bits_[level]; ++child) {
      n += !Marked(level, child) && Word(level - 1, child).load() == kFull;
    }
  }
  return n;
}

}  // namespace dpdhcp::pool
