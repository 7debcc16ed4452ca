// UDP headers (RFC 768).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"

namespace dpdhcp::proto {

inline constexpr size_t kUdpHeaderLength = 8;

struct UdpDatagram {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t length = 0;  // header + payload, from the UDP length field
  bool checksum_present = false;
};

// Parses the UDP header at the start of `data`, which is the whole IPv4
// payload (total_length - header_length bytes); src and dst are the IPv4
// addresses, for the pseudo-header. Checks, in order:
//   1. data holds 8 bytes                         else kTruncatedUdp
//   2. 8 <= length <= data.size()                 else kBadUdpLength
//   3. a non-zero checksum verifies over the pseudo-header and the first
//      `length` bytes (RFC 768; 0 means the sender did not compute one, which
//      RFC 1122 §4.1.3.4 lets a receiver accept)  else kBadUdpChecksum
// The payload is data[8, length).
base::DropReason ParseUdp(base::ByteSpan data, base::Ipv4Address src, base::Ipv4Address dst,
                          UdpDatagram* out);

// Writes the 8-byte UDP header at udp, in front of the payload already at
// udp + 8 (payload_len bytes), and fills the checksum (RFC 768, computed in
// software: af_packet over veth offers no offload).
void WriteUdpHeader(uint8_t* udp, base::Ipv4Address src, base::Ipv4Address dst, uint16_t src_port,
                    uint16_t dst_port, size_t payload_len);

}  // namespace dpdhcp::proto
