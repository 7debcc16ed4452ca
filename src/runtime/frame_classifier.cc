#include "dpdhcp/runtime/frame_classifier.h"

#include <algorithm>
#include <cstring>

#include "dpdhcp/proto/checksum.h"
#include "dpdhcp/proto/dhcp_message.h"
#include "dpdhcp/proto/frame.h"

namespace dpdhcp::runtime {

using base::DropReason;

DropReason CombineVlanTags(const RxMeta& meta, const proto::VlanTags& in_data,
                           proto::VlanTags* out) {
  if (!meta.vlan_stripped) {
    *out = in_data;
    return DropReason::kNone;
  }
  switch (in_data.count) {
    case 0:
      *out = proto::VlanTags{1, proto::kEtherTypeVlan, meta.vlan_tci, 0};
      return DropReason::kNone;
    case 1:
      // The tag left in the data is the C-tag of a QinQ frame.
      *out = proto::VlanTags{2, proto::kEtherTypeQinQ, meta.vlan_tci, in_data.outer_tci};
      return DropReason::kNone;
    default:
      return DropReason::kTooManyVlanTags;
  }
}

namespace {

void Drop(ClassifiedFrame* out, DropReason r) {
  out->action = FrameAction::kDrop;
  out->drop = r;
}

}  // namespace

void FrameClassifier::Classify(base::ByteSpan frame, const RxMeta& meta,
                               ClassifiedFrame* out) const {
  out->action = FrameAction::kDrop;
  out->interface_index = kNoInterface;
  if (frame.size() > kMaxFrameSize) return Drop(out, DropReason::kOversizedFrame);
  DropReason r = proto::ParseEthernet(frame, &out->eth);
  if (r != DropReason::kNone) return Drop(out, r);
  r = CombineVlanTags(meta, out->eth.vlans, &out->vlans);
  if (r != DropReason::kNone) return Drop(out, r);

  const uint32_t index = table_.Find(meta.port, out->vlans);
  if (index == kNoInterface) return Drop(out, DropReason::kNoInterface);
  out->interface_index = index;
  const base::Ipv4Address ours = interfaces_[index].address;
  const base::ByteSpan l3 = frame.subspan(out->eth.l3_offset);

  if (out->eth.ethertype == proto::kEtherTypeArp) {
    r = proto::ParseArp(l3, &out->arp);
    if (r != DropReason::kNone) return Drop(out, r);
    if (out->arp.op != proto::kArpRequest || out->arp.target_ip != ours) {
      return Drop(out, DropReason::kArpNotForUs);
    }
    out->action = FrameAction::kArpReply;
    return;
  }
  if (out->eth.ethertype != proto::kEtherTypeIpv4) {
    return Drop(out, DropReason::kUnsupportedEthertype);
  }

  r = proto::ParseIpv4(l3, &out->ip);
  if (r != DropReason::kNone) return Drop(out, r);
  // ParseIpv4 guarantees header_length <= total_length <= l3.size().
  const base::ByteSpan l4 = l3.subspan(out->ip.header_length, out->ip.payload_length());

  if (out->ip.protocol == proto::kIpProtoUdp) {
    if (out->ip.dst != ours && !out->ip.dst.IsBroadcast()) {
      return Drop(out, DropReason::kIpNotForUs);
    }
    if (l4.size() >= proto::kUdpHeaderLength &&
        base::LoadBe16(l4.data() + 2) != proto::kServerPort) {
      return Drop(out, DropReason::kNotDhcpPort);
    }
    r = proto::ParseUdp(l4, out->ip.src, out->ip.dst, &out->udp);
    if (r != DropReason::kNone) return Drop(out, r);
    out->payload = l4.subspan(proto::kUdpHeaderLength, out->udp.length - proto::kUdpHeaderLength);
    out->action = FrameAction::kDhcp;
    return;
  }
  if (out->ip.protocol == proto::kIpProtoIcmp) {
    if (out->ip.dst != ours) return Drop(out, DropReason::kIpNotForUs);
    proto::IcmpMessage icmp;
    r = proto::ParseIcmpEcho(l4, &icmp);
    if (r != DropReason::kNone) return Drop(out, r);
    out->action = FrameAction::kIcmpEchoReply;
    return;
  }
  Drop(out, DropReason::kUnsupportedIpProtocol);
}

uint32_t DhcpShardOf(base::ByteSpan payload, const lease::LeaseStore& leases, uint32_t fallback) {
  if (payload.size() <= proto::kOffHlen) return fallback;
  const size_t hlen = std::min<size_t>(payload[proto::kOffHlen], 16);
  if (payload.size() < proto::kOffChaddr + hlen) return fallback;
  return leases.ShardFor(payload.subspan(proto::kOffChaddr, hlen));
}

namespace {

// Writes the Ethernet header (with `vlans`) right in front of the L3 packet
// at base[l3_pos, l3_pos + l3_len) and makes that the frame.
bool FrameL3(FrameBuffer& f, uint32_t l3_pos, uint32_t l3_len, const proto::VlanTags& vlans,
             const base::MacAddress& dst, const base::MacAddress& src, uint16_t ethertype) {
  const uint32_t l2 = static_cast<uint32_t>(proto::EthernetHeaderLength(vlans));
  if (l3_pos < l2 || l3_pos + l3_len > f.capacity) return false;
  proto::WriteEthernetHeader(f.base + l3_pos - l2, dst, src, vlans, ethertype);
  f.data_off = l3_pos - l2;
  f.data_len = l2 + l3_len;
  return true;
}

}  // namespace

bool MakeArpReply(FrameBuffer& f, const ClassifiedFrame& c, const InterfaceAddress& ours) {
  const uint32_t l3_pos = f.data_off + c.eth.l3_offset;
  if (l3_pos + proto::kArpPacketLength > f.capacity) return false;
  proto::WriteArpReply(f.base + l3_pos, ours.mac, ours.address, c.arp.sender_mac, c.arp.sender_ip);
  // RFC 826: the reply goes to the requester's hardware address.
  return FrameL3(f, l3_pos, proto::kArpPacketLength, c.vlans, c.arp.sender_mac, ours.mac,
                 proto::kEtherTypeArp);
}

bool MakeIcmpEchoReply(FrameBuffer& f, const ClassifiedFrame& c, const InterfaceAddress& ours) {
  const uint32_t l3_pos = f.data_off + c.eth.l3_offset;
  if (l3_pos + c.ip.total_length > f.capacity) return false;
  uint8_t* ip = f.base + l3_pos;
  base::StoreBe32(ip + 12, c.ip.dst.value());
  base::StoreBe32(ip + 16, c.ip.src.value());
  ip[8] = proto::kIpv4DefaultTtl;
  base::StoreBe16(ip + 10, 0);
  base::StoreBe16(ip + 10, proto::Ipv4HeaderChecksum(ip, c.ip.header_length));
  proto::TurnEchoRequestIntoReply(ip + c.ip.header_length, c.ip.payload_length());
  return FrameL3(f, l3_pos, c.ip.total_length, c.vlans, c.eth.src, ours.mac, proto::kEtherTypeIpv4);
}

bool WriteDhcpReply(FrameBuffer& f, uint32_t headroom, const proto::VlanTags& vlans,
                    const base::MacAddress& src_mac, const engine::ReplyAddress& to,
                    base::ByteSpan payload) {
  const size_t headers = proto::UdpFrameHeaderLength(vlans);
  if (headroom + headers + payload.size() > f.capacity) return false;
  uint8_t* frame = f.base + headroom;
  std::memcpy(frame + headers, payload.data(), payload.size());
  proto::UdpFrameSpec spec;
  spec.dst_mac = to.dst_mac;
  spec.src_mac = src_mac;
  spec.vlans = vlans;
  spec.src_ip = to.src_ip;
  spec.dst_ip = to.dst_ip;
  spec.src_port = to.src_port;
  spec.dst_port = to.dst_port;
  f.data_off = headroom;
  f.data_len = static_cast<uint32_t>(proto::WriteUdpFrameHeaders(frame, spec, payload.size()));
  return true;
}

}  // namespace dpdhcp::runtime
