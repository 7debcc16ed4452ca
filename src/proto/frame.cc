#include "dpdhcp/proto/frame.h"

namespace dpdhcp::proto {

using base::DropReason;

DropReason ParseUdpFrame(base::ByteSpan frame, ParsedUdpFrame* out) {
  DropReason r = ParseEthernet(frame, &out->eth);
  if (r != DropReason::kNone) return r;
  if (out->eth.ethertype != kEtherTypeIpv4) return DropReason::kUnsupportedEthertype;

  const base::ByteSpan l3 = frame.subspan(out->eth.l3_offset);
  r = ParseIpv4(l3, &out->ip);
  if (r != DropReason::kNone) return r;
  if (out->ip.protocol != kIpProtoUdp) return DropReason::kUnsupportedIpProtocol;

  // ParseIpv4 guarantees header_length <= total_length <= l3.size(); the UDP
  // view sees exactly the IP payload, so Ethernet padding is not counted.
  const base::ByteSpan l4 = l3.subspan(out->ip.header_length, out->ip.payload_length());
  r = ParseUdp(l4, out->ip.src, out->ip.dst, &out->udp);
  if (r != DropReason::kNone) return r;

  out->payload = l4.subspan(kUdpHeaderLength, out->udp.length - kUdpHeaderLength);
  return DropReason::kNone;
}

size_t WriteUdpFrameHeaders(uint8_t* frame, const UdpFrameSpec& spec, size_t payload_len) {
  const size_t l2 =
      WriteEthernetHeader(frame, spec.dst_mac, spec.src_mac, spec.vlans, kEtherTypeIpv4);
  uint8_t* ip = frame + l2;
  uint8_t* udp = ip + kIpv4MinHeaderLength;
  // UDP first: its checksum needs only the addresses, not the IP header.
  WriteUdpHeader(udp, spec.src_ip, spec.dst_ip, spec.src_port, spec.dst_port, payload_len);
  WriteIpv4Header(ip, spec.src_ip, spec.dst_ip, kIpProtoUdp,
                  static_cast<uint16_t>(kUdpHeaderLength + payload_len), spec.ttl);
  return l2 + kIpv4MinHeaderLength + kUdpHeaderLength + payload_len;
}

}  // namespace dpdhcp::proto
