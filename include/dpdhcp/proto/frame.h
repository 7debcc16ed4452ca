// Whole frames, the way the server receives DHCP and answers it:
// Ethernet (+ up to two tags) / IPv4 / UDP, parsed in one call and built in
// one call in front of a payload that is already in place.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/proto/ethernet.h"
#include "dpdhcp/proto/ipv4.h"
#include "dpdhcp/proto/udp.h"

namespace dpdhcp::proto {

struct ParsedUdpFrame {
  EthernetFrame eth;
  Ipv4Packet ip;
  UdpDatagram udp;
  base::ByteSpan payload;  // the UDP payload (udp.length - 8 bytes), inside the frame
};

// Ethernet -> IPv4 -> UDP. Returns the first failing layer's reason
// (ParseEthernet, ParseIpv4, ParseUdp), kUnsupportedEthertype when the
// ethertype after the tags is not IPv4 (ARP included: the caller dispatches
// ARP before calling this) and kUnsupportedIpProtocol when the protocol is not
// UDP. On kNone, every field of *out is set; on a drop, *out is unspecified.
base::DropReason ParseUdpFrame(base::ByteSpan frame, ParsedUdpFrame* out);

struct UdpFrameSpec {
  base::MacAddress dst_mac;
  base::MacAddress src_mac;
  VlanTags vlans;
  base::Ipv4Address src_ip;
  base::Ipv4Address dst_ip;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t ttl = kIpv4DefaultTtl;
};

// Ethernet (+ tags) + 20 (IPv4, no options) + 8 (UDP).
inline size_t UdpFrameHeaderLength(const VlanTags& vlans) {
  return EthernetHeaderLength(vlans) + kIpv4MinHeaderLength + kUdpHeaderLength;
}

// The payload (payload_len bytes, payload_len <= 65507) is already at
// frame + UdpFrameHeaderLength(spec.vlans): writes the Ethernet, IPv4 and UDP
// headers in front of it and fills both checksums in software. Returns the
// frame length (headers + payload). Frames under the 60-byte Ethernet minimum
// are not padded here; the port pads them.
size_t WriteUdpFrameHeaders(uint8_t* frame, const UdpFrameSpec& spec, size_t payload_len);

}  // namespace dpdhcp::proto
