#include "dpdhcp/proto/udp.h"

#include "dpdhcp/proto/checksum.h"

namespace dpdhcp::proto {

using base::DropReason;
using base::LoadBe16;

DropReason ParseUdp(base::ByteSpan data, base::Ipv4Address src, base::Ipv4Address dst,
                    UdpDatagram* out) {
  // Check numbers follow the contract in udp.h.
  // 1. The header is there.
  if (data.size() < kUdpHeaderLength) return DropReason::kTruncatedUdp;
  const uint8_t* p = data.data();
  // 2. RFC 768: length counts the header and the data; it may not claim more
  // than the IP payload carries.
  const uint16_t length = LoadBe16(p + 4);
  if (length < kUdpHeaderLength || length > data.size()) return DropReason::kBadUdpLength;
  // 3. A transmitted checksum of 0 means none was computed. Otherwise the sum
  // over the pseudo-header and the datagram, checksum included, must be -0.
  const uint16_t checksum = LoadBe16(p + 6);
  if (checksum != 0) {
    const uint32_t sum = ChecksumPartial(p, length, UdpPseudoHeaderSum(src, dst, length));
    if (ChecksumFinish(sum) != 0) return DropReason::kBadUdpChecksum;
  }

  out->src_port = LoadBe16(p);
  out->dst_port = LoadBe16(p + 2);
  out->length = length;
  out->checksum_present = checksum != 0;
  return DropReason::kNone;
}

void WriteUdpHeader(uint8_t* udp, base::Ipv4Address src, base::Ipv4Address dst, uint16_t src_port,
                    uint16_t dst_port, size_t payload_len) {
  const uint16_t length = static_cast<uint16_t>(kUdpHeaderLength + payload_len);
  // Same sum as UdpChecksum, with the header words taken from the values
  // instead of read back from memory just written (store forwarding).
  uint32_t sum = UdpPseudoHeaderSum(src, dst, length) + src_port + dst_port + length;
  sum = ChecksumPartial(udp + kUdpHeaderLength, payload_len, sum);
  uint16_t checksum = ChecksumFinish(sum);
  if (checksum == 0) checksum = 0xffff;  // RFC 768: 0 would mean "none"
  base::StoreBe16(udp, src_port);
  base::StoreBe16(udp + 2, dst_port);
  base::StoreBe16(udp + 4, length);
  base::StoreBe16(udp + 6, checksum);
}

}  // namespace dpdhcp::proto
