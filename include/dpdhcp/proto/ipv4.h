// IPv4 headers (RFC 791), options allowed but not interpreted.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"

namespace dpdhcp::proto {

inline constexpr uint8_t kIpProtoIcmp = 1;
inline constexpr uint8_t kIpProtoUdp = 17;

inline constexpr size_t kIpv4MinHeaderLength = 20;  // IHL 5
inline constexpr size_t kIpv4MaxHeaderLength = 60;  // IHL 15
inline constexpr uint8_t kIpv4DefaultTtl = 64;      // RFC 1700 / RFC 1122 §3.2.1.7

struct Ipv4Packet {
  base::Ipv4Address src;
  base::Ipv4Address dst;
  uint8_t protocol = 0;
  uint8_t ttl = 0;
  uint8_t tos = 0;
  uint16_t header_length = 0;  // bytes: IHL * 4
  uint16_t total_length = 0;   // bytes: header + payload
  uint16_t id = 0;

  uint16_t payload_length() const { return total_length - header_length; }
};

// Parses the IPv4 header at the start of `data` (the Ethernet payload). The
// checks, in order, each with its own reason:
//   1. data holds 20 bytes                               else kTruncatedIpv4
//   2. version is 4 (RFC 791 §3.1)                       else kBadIpVersion
//   3. 5 <= IHL and IHL * 4 <= data.size()               else kBadIpHeaderLength
//   4. IHL * 4 <= total length <= data.size()            else kBadIpTotalLength
//      (bytes past total length, e.g. Ethernet padding of short frames, are
//      ignored: the payload is data[header_length, total_length))
//   5. the header checksum verifies (RFC 1122 §3.2.1.2)  else kBadIpChecksum
//   6. not a fragment: MF clear and offset 0             else kIpFragment
//      (a DHCP server does not reassemble; RFC 2131 messages fit in 576 bytes)
// Options are skipped, not interpreted (RFC 1122 §3.2.1.8 lets a host ignore
// the ones it does not implement).
base::DropReason ParseIpv4(base::ByteSpan data, Ipv4Packet* out);

// Writes a 20-byte header at p: version 4, IHL 5, TOS 0, total length
// 20 + payload_length (payload_length <= 65515), flags 0 (DF clear: a DHCP reply
// may cross a relay with a smaller MTU), offset 0, and the header checksum.
void WriteIpv4Header(uint8_t* p, base::Ipv4Address src, base::Ipv4Address dst, uint8_t protocol,
                     uint16_t payload_length, uint8_t ttl = kIpv4DefaultTtl, uint16_t id = 0);

}  // namespace dpdhcp::proto
