#include "dpdhcp/journal/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace dpdhcp::journal {
namespace {

constexpr uint32_t kPolyReflected = 0x82f63b78u;

// kTables[0] is the classic byte-at-a-time table; kTables[k][b] is the CRC of
// byte b followed by k zero bytes, so that eight bytes are folded with eight
// independent lookups (Kounavis and Berry, "A systematic approach to building
// high performance software-based CRC generators", ISCC 2005).
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) != 0 ? kPolyReflected : 0);
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

static_assert(std::endian::native == std::endian::little,
              "slicing-by-8 below folds 64-bit little-endian loads");

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t HardwareLoop(const uint8_t* p, size_t n, uint32_t c) {
  uint64_t c64 = c;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c64 = _mm_crc32_u64(c64, w);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c64);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

// __builtin_cpu_init: this runs as a static initializer, possibly before the
// runtime's own CPU detection. A caller during static initialization that
// runs before this sees false and takes the (equal) portable path.
bool DetectHardware() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
bool DetectHardware() { return false; }
#endif

const bool kHaveHardware = DetectHardware();

}  // namespace

uint32_t Crc32cPortable(const void* data, size_t size, uint32_t crc) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (size >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    w ^= c;
    c = kTables[7][w & 0xff] ^ kTables[6][(w >> 8) & 0xff] ^ kTables[5][(w >> 16) & 0xff] ^
        kTables[4][(w >> 24) & 0xff] ^ kTables[3][(w >> 32) & 0xff] ^
        kTables[2][(w >> 40) & 0xff] ^ kTables[1][(w >> 48) & 0xff] ^ kTables[0][w >> 56];
    p += 8;
    size -= 8;
  }
  while (size-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xff];
  return ~c;
}

bool Crc32cHardwareAvailable() { return kHaveHardware; }

uint32_t Crc32cHardware(const void* data, size_t size, uint32_t crc) {
#if defined(__x86_64__)
  return ~HardwareLoop(static_cast<const uint8_t*>(data), size, ~crc);
#else
  return Crc32cPortable(data, size, crc);
#endif
}

uint32_t Crc32c(const void* data, size_t size, uint32_t crc) {
  return kHaveHardware ? Crc32cHardware(data, size, crc) : Crc32cPortable(data, size, crc);
}

}  // namespace dpdhcp::journal
