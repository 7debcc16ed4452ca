// The encoded configured-options block of a reply, cached per worker.
// Internal: not a public header.
//
// Without a reservation, the options a reply carries beyond the mandatory
// ones (RFC 2131 §4.3.1: 53, 54, 51, 58, 59, 1) depend only on the subnet,
// the pool, whether it answers an INFORM, and the client's parameter request
// list (RFC 2132 §9.8). CPEs of one model send one list, so a worker sees few
// distinct keys, and resolving each requested code through the reservation >
// pool > subnet > global chain was half of the engine's instructions per
// reply. The cache keeps each key's encoded bytes; a hit is one copy.
//
// Direct-mapped, allocated once with the engine, never on the fast path; one
// per engine (worker), so nothing is shared. Keys are pointers into one
// config: a request under another config empties the cache first. Two
// configs a worker uses in turn are alive together at the switch, so a new
// config never has the address of the one the entries point into.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/config/config.h"

namespace dpdhcp::engine {

class OptionCache {
 public:
  static constexpr size_t kEntries = 64;   // a power of two
  static constexpr size_t kMaxList = 64;   // longer request lists bypass the cache
  static constexpr size_t kMaxBytes = 320; // a larger block is not cached

  struct Key {
    const config::Subnet* subnet = nullptr;
    const config::Pool* pool = nullptr;
    bool inform = false;
    base::ByteSpan list;  // option 55's value
  };

  struct Entry {
    const config::Subnet* subnet = nullptr;
    const config::Pool* pool = nullptr;
    bool inform = false;
    bool valid = false;
    uint8_t list_size = 0;
    uint16_t size = 0;
    uint8_t list[kMaxList];
    uint8_t bytes[kMaxBytes];

    bool Matches(const Key& k) const {
      return valid && subnet == k.subnet && pool == k.pool && inform == k.inform &&
             list_size == k.list.size() &&
             (list_size == 0 || std::memcmp(list, k.list.data(), list_size) == 0);
    }
    base::ByteSpan block() const { return base::ByteSpan(bytes, size); }
  };

  static bool Cacheable(const Key& k) { return k.list.size() <= kMaxList; }

  // The entry `k` maps to under `cfg`: a hit when entry.Matches(k).
  Entry& Slot(const config::Config& cfg, const Key& k) {
    if (&cfg != config_) {
      for (Entry& e : entries_) e.valid = false;
      config_ = &cfg;
    }
    // A cheap mix is enough here: a collision costs one rebuild, not a
    // wrong reply (Matches compares the whole key).
    uint64_t head = 0, tail = 0;
    const size_t n = k.list.size();
    // (An empty list may have a null data(): no copy then, not even of 0.)
    if (n > 0) std::memcpy(&head, k.list.data(), std::min<size_t>(n, 8));
    if (n > 8) std::memcpy(&tail, k.list.data() + n - 8, 8);  // may overlap head: fine for a hash
    uint64_t h = (reinterpret_cast<uintptr_t>(k.subnet) >> 4) * 0x9e3779b97f4a7c15ull;
    h ^= (reinterpret_cast<uintptr_t>(k.pool) >> 4) * 0xc2b2ae3d27d4eb4full;
    h ^= (head * 0x165667b19e3779f9ull) ^ (tail * 0x27d4eb2f165667c5ull) ^ (n << 1) ^ k.inform;
    h ^= h >> 29;
    return entries_[(h * 0x94d049bb133111ebull) >> 58 & (kEntries - 1)];
  }

  // Makes `e` hold `k` -> `block`; false (and `e` invalid) when it is too large.
  static bool Fill(Entry& e, const Key& k, base::ByteSpan block) {
    e.valid = false;
    if (block.size() > kMaxBytes || k.list.size() > kMaxList) return false;
    e.subnet = k.subnet;
    e.pool = k.pool;
    e.inform = k.inform;
    e.list_size = static_cast<uint8_t>(k.list.size());
    std::copy(k.list.begin(), k.list.end(), e.list);
    e.size = static_cast<uint16_t>(block.size());
    std::copy(block.begin(), block.end(), e.bytes);
    e.valid = true;
    return true;
  }

 private:
  const config::Config* config_ = nullptr;
  std::array<Entry, kEntries> entries_{};
};

}  // namespace dpdhcp::engine
