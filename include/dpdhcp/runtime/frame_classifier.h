// What a worker does with each received frame, and the replies it builds in
// place: pure functions over bytes, so that everything but the DPDK calls is
// unit-tested without DPDK (the worker maps an rte_mbuf onto FrameBuffer).
//
// Per frame, in this order (each failure lands on one named drop reason):
//  1. Ethernet and its tags (proto::ParseEthernet), combined with a tag the
//     port stripped into packet metadata (CombineVlanTags);
//  2. (port, tags) -> configured interface (InterfaceTable), else
//     kNoInterface;
//  3. ARP (RFC 826): a request whose target is the interface's address ->
//     kArpReply; anything else kArpNotForUs;
//  4. IPv4 (proto::ParseIpv4), then
//     ICMP to the interface's address: an echo request -> kIcmpEchoReply
//       (RFC 792; RFC 1122 §3.2.2.6 says every host answers echo);
//     UDP to the interface's address or to 255.255.255.255 (RFC 2131 §4.1:
//       clients without an address broadcast), destination port 67, then
//       proto::ParseUdp (length, checksum) -> kDhcp;
//     other destinations kIpNotForUs, other protocols kUnsupportedIpProtocol;
//  5. other ethertypes kUnsupportedEthertype.
// The destination port is checked before the UDP checksum so that the
// broadcast chatter of a LAN (NetBIOS, mDNS, SSDP) costs no checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/base/time.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/proto/arp.h"
#include "dpdhcp/proto/ethernet.h"
#include "dpdhcp/proto/icmp.h"
#include "dpdhcp/proto/ipv4.h"
#include "dpdhcp/proto/udp.h"
#include "dpdhcp/runtime/interface_table.h"

namespace dpdhcp::runtime {

// Receive metadata the port gives with a frame.
struct RxMeta {
  uint16_t port = 0;
  // The port removed the outermost tag and reported its TCI (DPDK
  // RTE_MBUF_F_RX_VLAN_STRIPPED; af_packet always gets the outer tag from
  // the kernel this way). Any inner tag is still in the data.
  bool vlan_stripped = false;
  uint16_t vlan_tci = 0;
};

// The frame's whole tag stack, outermost first: a stripped tag followed by
// the tags in the data. Two tags are QinQ; when the outer one was stripped
// its TPID is lost, and replies use 0x88a8 (802.1ad S-tag) for it, else
// 0x8100 for a lone tag. kTooManyVlanTags when the total exceeds two.
base::DropReason CombineVlanTags(const RxMeta& meta, const proto::VlanTags& in_data,
                                 proto::VlanTags* out);

enum class FrameAction : uint8_t { kDrop, kArpReply, kIcmpEchoReply, kDhcp };

struct ClassifiedFrame {
  FrameAction action = FrameAction::kDrop;
  base::DropReason drop = base::DropReason::kNone;  // kDrop only
  uint32_t interface_index = kNoInterface;
  proto::EthernetFrame eth;  // as in the data (eth.vlans excludes a stripped tag)
  proto::VlanTags vlans;     // the whole stack, for the reply
  proto::ArpPacket arp;      // kArpReply
  proto::Ipv4Packet ip;      // kIcmpEchoReply, kDhcp
  proto::UdpDatagram udp;    // kDhcp
  base::ByteSpan payload;    // kDhcp: the UDP payload, inside the frame
};

// The largest frame the server takes: a 1500-byte IP MTU behind an Ethernet
// header and two VLAN tags. DHCP never needs more (RFC 2131 §2 requires only
// 576 bytes; option 57 asks for at most the link MTU), and a larger frame is
// either jumbo junk or one the port truncated (af_packet cuts frames to its
// ring slot), whose lengths would lie to every later check.
inline constexpr size_t kMaxFrameSize = 1500 + 14 + 2 * 4;

// Per configured interface, what the fast path needs (index = config index).
struct InterfaceAddress {
  base::Ipv4Address address;  // ours on that interface
  base::MacAddress mac;       // our source MAC there (configured, else the port's)
};

class FrameClassifier {
 public:
  // Both must outlive the classifier; interfaces[i] is config interface i.
  FrameClassifier(const InterfaceTable& table, std::span<const InterfaceAddress> interfaces)
      : table_(table), interfaces_(interfaces) {}

  // Fast path: fills *out (see the file comment). No allocation.
  void Classify(base::ByteSpan frame, const RxMeta& meta, ClassifiedFrame* out) const;

  const InterfaceAddress& interface(uint32_t index) const { return interfaces_[index]; }

 private:
  const InterfaceTable& table_;
  std::span<const InterfaceAddress> interfaces_;
};

// The lease shard a DHCP payload belongs to: ShardFor(chaddr), chaddr being
// hlen bytes (capped at 16, RFC 2131 §2) at offset 28, exactly what the
// engine computes for a message that parses. A payload too short to hold
// chaddr returns `fallback` (the engine drops it wherever it runs).
uint32_t DhcpShardOf(base::ByteSpan payload, const lease::LeaseStore& leases, uint32_t fallback);

// What the engine is told of a request classified kDhcp: the interface it
// came in on and its IPv4, UDP and L2 sources, from which the engine decides
// the reply's addressing (RFC 2131 §4.1), at `now`.
inline engine::RequestContext RequestContextOf(const ClassifiedFrame& c, base::UnixSeconds now) {
  engine::RequestContext ctx;
  ctx.interface_index = c.interface_index;
  ctx.src_ip = c.ip.src;
  ctx.dst_ip = c.ip.dst;
  ctx.src_port = c.udp.src_port;
  ctx.src_mac = c.eth.src;
  ctx.now = now;
  return ctx;
}

// A packet buffer described as an rte_mbuf describes it: the frame is
// base[data_off, data_off + data_len) inside base[0, capacity). The reply
// writers below move data_off and data_len; false means the reply does not
// fit (then the buffer is unspecified and the caller drops the frame).
struct FrameBuffer {
  uint8_t* base = nullptr;
  uint32_t capacity = 0;
  uint32_t data_off = 0;
  uint32_t data_len = 0;
};

// Turns the ARP request classified in `c` (frame in f) into our reply in
// place (RFC 826 "Packet Reception": swap in our addresses, op reply), with
// the request's tags re-written in front (a stripped tag needs 4 bytes of
// headroom).
bool MakeArpReply(FrameBuffer& f, const ClassifiedFrame& c, const InterfaceAddress& ours);

// Turns the ICMP echo request classified in `c` into the echo reply in place
// (RFC 792): IP addresses swapped, TTL reset, both checksums updated; IP
// options are echoed as received. Ethernet padding after the IP datagram is
// trimmed.
bool MakeIcmpEchoReply(FrameBuffer& f, const ClassifiedFrame& c, const InterfaceAddress& ours);

// Builds a DHCP reply frame at base[headroom, ...): copies the payload (from
// the engine's scratch buffer, never from inside f) behind the Ethernet (with
// `vlans`), IPv4 and UDP headers and writes them with both checksums (af_packet
// over veth offers no checksum offload). Addressing as the engine decided it
// (RFC 2131 §4.1).
bool WriteDhcpReply(FrameBuffer& f, uint32_t headroom, const proto::VlanTags& vlans,
                    const base::MacAddress& src_mac, const engine::ReplyAddress& to,
                    base::ByteSpan payload);

}  // namespace dpdhcp::runtime
