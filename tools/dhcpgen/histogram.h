// A log-linear latency histogram in the manner of HdrHistogram: values below
// 2^kSubBits are counted exactly, larger ones in buckets whose width doubles
// with each power of two, 2^(kSubBits-1) buckets per power, so that every
// value is recorded with a relative error below 2^-(kSubBits-1) (0.8 % here).
// Fixed storage: Record never allocates, so it runs in the generator's loop.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace dpdhcp::dhcpgen {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 8;
  static constexpr uint64_t kHalf = uint64_t{1} << (kSubBits - 1);
  // Exact part (2^kSubBits) + one half-range per remaining bit of a uint64.
  static constexpr size_t kBuckets = (64 - kSubBits + 2) * kHalf;

  void Record(uint64_t value) {
    ++counts_[IndexOf(value)];
    ++total_;
    if (value > max_) max_ = value;
  }
  void Reset() {
    counts_.fill(0);
    total_ = 0;
    max_ = 0;
  }
  void Add(const Histogram& other) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_) max_ = other.max_;
  }

  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }

  // The smallest recorded-bucket upper bound below which at least a fraction
  // q (0..1) of the values lie; exact for values < 2^kSubBits, else within
  // the bucket's relative width. Never above max(). 0 when empty.
  uint64_t Percentile(double q) const {
    if (total_ == 0) return 0;
    if (q < 0) q = 0;
    if (q > 1) q = 1;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_) + 0.5);
    if (rank == 0) rank = 1;
    if (rank > total_) rank = total_;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        const uint64_t high = HighestEquivalent(i);
        return high < max_ ? high : max_;
      }
    }
    return max_;
  }

  static size_t IndexOf(uint64_t v) {
    if (v < (uint64_t{1} << kSubBits)) return static_cast<size_t>(v);
    const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(v));
    const unsigned shift = msb - kSubBits + 1;  // v >> shift is in [kHalf, 2 kHalf)
    return static_cast<size_t>(shift * kHalf + (v >> shift));
  }
  // The smallest and the largest value counted in bucket i.
  static uint64_t LowestEquivalent(size_t i) {
    if (i < (size_t{1} << kSubBits)) return i;
    const uint64_t shift = i / kHalf - 1;
    const uint64_t sub = i - shift * kHalf;
    return sub << shift;
  }
  static uint64_t HighestEquivalent(size_t i) {
    if (i < (size_t{1} << kSubBits)) return i;
    const uint64_t shift = i / kHalf - 1;
    return LowestEquivalent(i) + ((uint64_t{1} << shift) - 1);
  }

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

}  // namespace dpdhcp::dhcpgen
