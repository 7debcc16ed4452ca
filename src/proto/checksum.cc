#include "dpdhcp/proto/checksum.h"

#include <bit>
#include <cstring>

namespace dpdhcp::proto {
namespace {

// Folds a ones' complement accumulator to 16 bits with end-around carries.
// A non-zero input never folds to 0, so +0 and -0 stay distinct as RFC 1071
// arithmetic requires.
inline uint16_t Fold64(uint64_t acc) {
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffu) + (acc >> 16);
  acc = (acc & 0xffffu) + (acc >> 16);
  acc = (acc & 0xffffu) + (acc >> 16);
  return static_cast<uint16_t>(acc);
}

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

// RFC 1071 §2: the sum is independent of byte order (B) and may be taken over
// wider words whose carries are folded in later (C). So the data is summed as
// native 64-bit words whose carries are counted, and
// folded and byte-swapped once at the end. The unit test checks
// this against a plain 16-bit big-endian loop at every length and alignment.
uint32_t ChecksumPartial(const uint8_t* data, size_t len, uint32_t sum) {
  // 64-bit words, each carry out counted and added back at the end (end-
  // around carry, RFC 1071 §2 (C)): half the instructions of 32-bit words for
  // the ~300-byte DHCP frames, which every request and reply is summed over.
  uint64_t s0 = 0, s1 = 0, carries = 0;
  while (len >= 16) {
    carries += __builtin_add_overflow(s0, Load64(data), &s0);
    carries += __builtin_add_overflow(s1, Load64(data + 8), &s1);
    data += 16;
    len -= 16;
  }
  if (len >= 8) {
    carries += __builtin_add_overflow(s0, Load64(data), &s0);
    data += 8;
    len -= 8;
  }
  carries += __builtin_add_overflow(s0, s1, &s0);
  // s0 + carries * 2^64 == s0 + carries (mod 2^64 - 1); fold both into the
  // 64-bit accumulator below as 32-bit halves, which cannot overflow it.
  uint64_t acc = (s0 & 0xffffffffu) + (s0 >> 32) + carries;
  while (len >= 4) {
    acc += Load32(data);
    data += 4;
    len -= 4;
  }
  if (len >= 2) {
    uint16_t half;
    std::memcpy(&half, data, sizeof half);
    acc += half;
    data += 2;
    len -= 2;
  }
  if (len == 1) {
    // The odd byte is the high half of a zero-padded big-endian word
    // (RFC 1071 §4.1), i.e. the byte at the lower address of a native word.
    if constexpr (std::endian::native == std::endian::little) {
      acc += data[0];
    } else {
      acc += uint64_t{data[0]} << 8;
    }
  }
  uint16_t folded = Fold64(acc);
  if constexpr (std::endian::native == std::endian::little) folded = __builtin_bswap16(folded);
  const uint64_t total = uint64_t{sum} + folded;
  return static_cast<uint32_t>((total & 0xffffffffu) + (total >> 32));
}

uint16_t ChecksumFinish(uint32_t sum) { return static_cast<uint16_t>(~Fold64(sum)); }

uint16_t Ipv4HeaderChecksum(const uint8_t* header, size_t header_len) {
  // Skip the checksum field (bytes 10-11) instead of zeroing it: the header
  // may be a const view.
  uint32_t sum = ChecksumPartial(header, 10);
  sum = ChecksumPartial(header + 12, header_len - 12, sum);
  return ChecksumFinish(sum);
}

uint32_t UdpPseudoHeaderSum(base::Ipv4Address src, base::Ipv4Address dst, size_t udp_len) {
  // RFC 768: source, destination, zero, protocol (17), UDP length.
  const uint32_t s = src.value();
  const uint32_t d = dst.value();
  return (s >> 16) + (s & 0xffffu) + (d >> 16) + (d & 0xffffu) + 17u +
         static_cast<uint32_t>(udp_len);
}

uint16_t UdpChecksum(base::Ipv4Address src, base::Ipv4Address dst, const uint8_t* udp,
                     size_t udp_len) {
  uint32_t sum = UdpPseudoHeaderSum(src, dst, udp_len);
  sum = ChecksumPartial(udp, 6, sum);  // ports and length
  sum = ChecksumPartial(udp + 8, udp_len - 8, sum);
  const uint16_t checksum = ChecksumFinish(sum);
  // RFC 768: "If the computed checksum is zero, it is transmitted as all
  // ones"; an all-zero field means "no checksum".
  return checksum == 0 ? 0xffff : checksum;
}

}  // namespace dpdhcp::proto
