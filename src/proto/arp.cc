#include "dpdhcp/proto/arp.h"

#include <cstring>

#include "dpdhcp/proto/ethernet.h"

namespace dpdhcp::proto {

using base::DropReason;
using base::LoadBe16;
using base::LoadBe32;

// RFC 826 layout for Ethernet/IPv4:
//   0 htype(2) 2 ptype(2) 4 hlen(1) 5 plen(1) 6 op(2)
//   8 sha(6) 14 spa(4) 18 tha(6) 24 tpa(4)
DropReason ParseArp(base::ByteSpan data, ArpPacket* out) {
  if (data.size() < kArpPacketLength) return DropReason::kTruncatedArp;
  const uint8_t* p = data.data();
  if (LoadBe16(p) != kArpHardwareEthernet || LoadBe16(p + 2) != kEtherTypeIpv4 ||
      p[4] != base::MacAddress::kSize || p[5] != 4) {
    return DropReason::kUnsupportedArp;
  }
  out->op = LoadBe16(p + 6);
  out->sender_mac = base::MacAddress::FromBytes(p + 8);
  out->sender_ip = base::Ipv4Address(LoadBe32(p + 14));
  out->target_mac = base::MacAddress::FromBytes(p + 18);
  out->target_ip = base::Ipv4Address(LoadBe32(p + 24));
  return DropReason::kNone;
}

void WriteArp(uint8_t* arp, uint16_t op, const base::MacAddress& sender_mac,
              base::Ipv4Address sender_ip, const base::MacAddress& target_mac,
              base::Ipv4Address target_ip) {
  base::StoreBe16(arp, kArpHardwareEthernet);
  base::StoreBe16(arp + 2, kEtherTypeIpv4);
  arp[4] = base::MacAddress::kSize;
  arp[5] = 4;
  base::StoreBe16(arp + 6, op);
  std::memcpy(arp + 8, sender_mac.data(), base::MacAddress::kSize);
  base::StoreBe32(arp + 14, sender_ip.value());
  std::memcpy(arp + 18, target_mac.data(), base::MacAddress::kSize);
  base::StoreBe32(arp + 24, target_ip.value());
}

}  // namespace dpdhcp::proto
