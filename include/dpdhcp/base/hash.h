// A fast, stable, non-cryptographic 64-bit hash for shard selection and table
// indexing. Stable across processes and builds (unlike absl::Hash) because the
// shard a client lands in must not change between a run and its restart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dpdhcp::base {

// Final mixer of MurmurHash3 / splitmix64: full avalanche on 64 bits.
constexpr uint64_t Mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Hashes any byte string; reads 8 bytes at a time with memcpy loads.
inline uint64_t HashBytes(const uint8_t* data, size_t size, uint64_t seed = 0) {
  uint64_t h = Mix64(seed ^ (size * 0x9e3779b97f4a7c15ULL));
  while (size >= 8) {
    uint64_t w;
    std::memcpy(&w, data, 8);
    h = Mix64(h ^ w) * 0x9e3779b97f4a7c15ULL;
    data += 8;
    size -= 8;
  }
  // The last 0-7 bytes as a little-endian word, zero-padded: built from
  // fixed-size loads (a variable-size memcpy is a libc call), overlapping
  // loads agreeing on the bytes they share. Same value as a plain copy.
  uint64_t tail = 0;
  if (size >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, data, 4);
    std::memcpy(&hi, data + size - 4, 4);
    tail = uint64_t{lo} | (uint64_t{hi} << (8 * (size - 4)));
  } else if (size > 0) {
    tail = uint64_t{data[0]} | (uint64_t{data[size / 2]} << (8 * (size / 2))) |
           (uint64_t{data[size - 1]} << (8 * (size - 1)));
  }
  return Mix64(h ^ tail ^ (uint64_t{size} << 56));
}

}  // namespace dpdhcp::base
