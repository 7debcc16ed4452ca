// ARP for Ethernet and IPv4 only (RFC 826): the server answers requests for
// its own addresses and, for conflict detection, can probe an address before
// offering it (RFC 5227 §2.1.1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"

namespace dpdhcp::proto {

inline constexpr uint16_t kArpRequest = 1;
inline constexpr uint16_t kArpReply = 2;
inline constexpr uint16_t kArpHardwareEthernet = 1;
inline constexpr size_t kArpPacketLength = 28;  // Ethernet/IPv4 ARP

struct ArpPacket {
  uint16_t op = 0;
  base::MacAddress sender_mac;
  base::Ipv4Address sender_ip;
  base::MacAddress target_mac;
  base::Ipv4Address target_ip;
};

// Parses the ARP packet at the start of `data` (the Ethernet payload; any
// padding after the 28 bytes is ignored). Checks, in order:
//   1. data holds 28 bytes                                else kTruncatedArp
//   2. htype 1, ptype 0x0800, hlen 6, plen 4 (RFC 826)    else kUnsupportedArp
// The op is returned as is: deciding that a reply or an unknown op is not
// for us (kArpNotForUs) is the caller's business.
base::DropReason ParseArp(base::ByteSpan data, ArpPacket* out);

// Writes a whole 28-byte Ethernet/IPv4 ARP packet at arp.
void WriteArp(uint8_t* arp, uint16_t op, const base::MacAddress& sender_mac,
              base::Ipv4Address sender_ip, const base::MacAddress& target_mac,
              base::Ipv4Address target_ip);

// Rewrites the ARP request at `arp` in place into our reply (RFC 826, "Packet
// Reception"): op 2, sender = ours, target = the requester (to_mac, to_ip,
// normally the request's sender). Writes all 28 bytes, so it builds the reply
// from nothing as well.
inline void WriteArpReply(uint8_t* arp, const base::MacAddress& our_mac, base::Ipv4Address our_ip,
                          const base::MacAddress& to_mac, base::Ipv4Address to_ip) {
  WriteArp(arp, kArpReply, our_mac, our_ip, to_mac, to_ip);
}

}  // namespace dpdhcp::proto
