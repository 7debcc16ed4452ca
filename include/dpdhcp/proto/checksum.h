// The Internet checksum (RFC 1071), as IPv4, UDP and ICMP use it.
//
// A checksum is built in two steps so that discontiguous pieces (the UDP
// pseudo-header, a header with its checksum field skipped) can be summed
// without copying: ChecksumPartial accumulates, ChecksumFinish folds and
// complements. All functions are fast-path safe (no allocation, no branches on
// data beyond the length).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dpdhcp/base/ipv4_address.h"

namespace dpdhcp::proto {

// Adds the big-endian 16-bit words of data[0, len) to `sum` (RFC 1071 §4.1);
// an odd final byte is the high byte of a word padded with zero. The words
// are summed wider and folded, so the result equals the arithmetic word sum
// while that fits 16 bits and is congruent to it modulo 0xffff beyond (the
// same ones' complement value), which is all ChecksumFinish needs. When
// chaining calls, every piece but the last must have an even length.
uint32_t ChecksumPartial(const uint8_t* data, size_t len, uint32_t sum = 0);

// Folds the carries back in and complements: the value to store in a checksum
// field (host order; store it with StoreBe16). Over data that already holds a
// correct checksum, ChecksumFinish(ChecksumPartial(...)) is 0.
uint16_t ChecksumFinish(uint32_t sum);

// RFC 791 §3.1 header checksum over header[0, header_len), the checksum field
// (bytes 10-11) taken as zero. header_len >= 20.
uint16_t Ipv4HeaderChecksum(const uint8_t* header, size_t header_len);

// RFC 768 UDP checksum over the pseudo-header (src, dst, zero, protocol 17,
// udp_len) and udp[0, udp_len) with the checksum field (bytes 6-7) taken as
// zero. udp_len >= 8. A computed 0 is returned as 0xffff, because 0 on the
// wire means "no checksum".
uint16_t UdpChecksum(base::Ipv4Address src, base::Ipv4Address dst, const uint8_t* udp,
                     size_t udp_len);

// The ones' complement sum of the UDP pseudo-header (RFC 768) for a datagram
// of udp_len bytes; shared by UdpChecksum and the receive-side verification.
uint32_t UdpPseudoHeaderSum(base::Ipv4Address src, base::Ipv4Address dst, size_t udp_len);

}  // namespace dpdhcp::proto
