// Which emulated client holds each address of the configured pools: the
// generator's check that no address is bound to two clients at once. One
// uint32 per pool address (client index + 1, 0 = free), preallocated; pools
// are a handful of ranges, so lookup is a short scan then an array index.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/base/ipv4_address.h"

namespace dpdhcp::dhcpgen {

struct AddressRange {
  base::Ipv4Address first, last;  // inclusive
  uint64_t size() const { return uint64_t{last.value()} - first.value() + 1; }
};

// "198.18.64.10-198.18.127.250" (spaces around '-' allowed).
absl::StatusOr<AddressRange> ParseAddressRange(std::string_view text);

class AddressTable {
 public:
  static constexpr uint32_t kNoClient = UINT32_MAX;
  // Refuses empty lists, first > last, overlapping ranges and more than
  // kMaxAddresses addresses in total.
  static constexpr uint64_t kMaxAddresses = uint64_t{1} << 28;
  static absl::StatusOr<AddressTable> Create(std::vector<AddressRange> ranges);

  // True when `a` is inside one of the ranges.
  bool Contains(base::Ipv4Address a) const { return Slot(a) != kNoSlot; }
  // The client holding `a`, kNoClient when free or outside the ranges.
  uint32_t Owner(base::Ipv4Address a) const {
    const uint64_t s = Slot(a);
    return s == kNoSlot ? kNoClient : owners_[s] - 1;
  }
  // Records `client` as the holder of `a` (inside the ranges; else no-op).
  void Set(base::Ipv4Address a, uint32_t client) {
    const uint64_t s = Slot(a);
    if (s != kNoSlot) owners_[s] = client + 1;
  }
  // Frees `a` when `client` holds it (a stale free never clears another's).
  void Clear(base::Ipv4Address a, uint32_t client) {
    const uint64_t s = Slot(a);
    if (s != kNoSlot && owners_[s] == client + 1) owners_[s] = 0;
  }
  const std::vector<AddressRange>& ranges() const { return ranges_; }
  uint64_t capacity() const { return capacity_; }

 private:
  static constexpr uint64_t kNoSlot = UINT64_MAX;
  uint64_t Slot(base::Ipv4Address a) const {
    for (size_t i = 0; i < ranges_.size(); ++i) {
      if (a >= ranges_[i].first && a <= ranges_[i].last) {
        return offsets_[i] + (a.value() - ranges_[i].first.value());
      }
    }
    return kNoSlot;
  }

  std::vector<AddressRange> ranges_;
  std::vector<uint64_t> offsets_;
  std::unique_ptr<uint32_t[]> owners_;
  uint64_t capacity_ = 0;
};

}  // namespace dpdhcp::dhcpgen
