// Frames built by hand for the runtime tests, with the proto writers (which
// have their own tests against independently computed bytes).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/proto/arp.h"
#include "dpdhcp/proto/ethernet.h"
#include "dpdhcp/proto/frame.h"
#include "dpdhcp/proto/icmp.h"
#include "dpdhcp/proto/ipv4.h"

namespace dpdhcp::runtime::testing {

// A 300-byte DHCP message (RFC 2131 §2): BOOTREQUEST, htype 1, hlen 6,
// chaddr = mac, the magic cookie, option 53 = type, then options 50
// (requested address) and 54 (server id) when not zero, end, zero padding.
inline std::vector<uint8_t> DhcpPayload(const base::MacAddress& mac, uint32_t xid,
                                        uint8_t type = 1 /* DISCOVER */,
                                        base::Ipv4Address requested = {},
                                        base::Ipv4Address server_id = {}) {
  std::vector<uint8_t> b(300, 0);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  base::StoreBe32(&b[4], xid);
  base::StoreBe16(&b[10], 0x8000);  // broadcast flag
  for (size_t i = 0; i < 6; ++i) b[28 + i] = mac.bytes()[i];
  base::StoreBe32(&b[236], 0x63825363u);
  size_t i = 240;
  b[i++] = 53;
  b[i++] = 1;
  b[i++] = type;
  for (const auto& [code, address] :
       {std::pair{uint8_t{50}, requested}, std::pair{uint8_t{54}, server_id}}) {
    if (address.IsZero()) continue;
    b[i++] = code;
    b[i++] = 4;
    base::StoreBe32(&b[i], address.value());
    i += 4;
  }
  b[i] = 255;
  return b;
}

// Ethernet (+ tags) / IPv4 / UDP around a payload, checksums filled.
inline std::vector<uint8_t> UdpFrame(const proto::UdpFrameSpec& spec,
                                     const std::vector<uint8_t>& payload) {
  const size_t headers = proto::UdpFrameHeaderLength(spec.vlans);
  std::vector<uint8_t> f(headers + payload.size());
  std::copy(payload.begin(), payload.end(), f.begin() + static_cast<ptrdiff_t>(headers));
  proto::WriteUdpFrameHeaders(f.data(), spec, payload.size());
  return f;
}

// A directly attached client's message: mac -> broadcast, 0.0.0.0:68 ->
// 255.255.255.255:67 (DISCOVER by default).
inline std::vector<uint8_t> ClientFrame(const base::MacAddress& mac,
                                        const std::vector<uint8_t>& payload,
                                        const proto::VlanTags& vlans = {}) {
  proto::UdpFrameSpec spec;
  spec.dst_mac = base::kBroadcastMac;
  spec.src_mac = mac;
  spec.vlans = vlans;
  spec.src_ip = base::Ipv4Address();
  spec.dst_ip = base::kBroadcastAddress;
  spec.src_port = 68;
  spec.dst_port = 67;
  return UdpFrame(spec, payload);
}
inline std::vector<uint8_t> DiscoverFrame(const base::MacAddress& mac, uint32_t xid,
                                          const proto::VlanTags& vlans = {}) {
  return ClientFrame(mac, DhcpPayload(mac, xid), vlans);
}

inline std::vector<uint8_t> ArpFrame(uint16_t op, const base::MacAddress& sender_mac,
                                     base::Ipv4Address sender_ip, base::Ipv4Address target_ip,
                                     const proto::VlanTags& vlans = {}) {
  std::vector<uint8_t> f(proto::EthernetHeaderLength(vlans) + proto::kArpPacketLength);
  const size_t l2 = proto::WriteEthernetHeader(f.data(), base::kBroadcastMac, sender_mac, vlans,
                                               proto::kEtherTypeArp);
  proto::WriteArp(f.data() + l2, op, sender_mac, sender_ip, base::MacAddress(), target_ip);
  return f;
}

// An ICMP message of `type` with 32 bytes of data (an echo request for 8).
inline std::vector<uint8_t> IcmpFrame(const base::MacAddress& src_mac,
                                      const base::MacAddress& dst_mac, base::Ipv4Address src,
                                      base::Ipv4Address dst, uint8_t type = proto::kIcmpEchoRequest,
                                      const proto::VlanTags& vlans = {}) {
  constexpr size_t kData = 32;
  const size_t l2 = proto::EthernetHeaderLength(vlans);
  std::vector<uint8_t> f(l2 + proto::kIpv4MinHeaderLength + proto::kIcmpEchoHeaderLength + kData);
  proto::WriteEthernetHeader(f.data(), dst_mac, src_mac, vlans, proto::kEtherTypeIpv4);
  uint8_t* icmp = f.data() + l2 + proto::kIpv4MinHeaderLength;
  for (size_t i = 0; i < kData; ++i)
    icmp[proto::kIcmpEchoHeaderLength + i] = static_cast<uint8_t>(i);
  proto::WriteIcmpEchoRequest(icmp, 0x1234, 7, kData);
  if (type != proto::kIcmpEchoRequest) {
    // Another type: rewrite it and fix the checksum from scratch.
    icmp[0] = type;
    base::StoreBe16(icmp + 2, 0);
    uint32_t sum = 0;
    const size_t len = proto::kIcmpEchoHeaderLength + kData;
    for (size_t i = 0; i + 1 < len; i += 2) sum += base::LoadBe16(icmp + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    base::StoreBe16(icmp + 2, static_cast<uint16_t>(~sum));
  }
  proto::WriteIpv4Header(f.data() + l2, src, dst, proto::kIpProtoIcmp,
                         static_cast<uint16_t>(proto::kIcmpEchoHeaderLength + kData));
  return f;
}

}  // namespace dpdhcp::runtime::testing
