#include "dpdhcp/proto/ipv4.h"

#include "dpdhcp/proto/checksum.h"

namespace dpdhcp::proto {

using base::DropReason;
using base::LoadBe16;
using base::LoadBe32;

namespace {

constexpr uint16_t kFlagMoreFragments = 0x2000;
constexpr uint16_t kFragmentOffsetMask = 0x1fff;

}  // namespace

DropReason ParseIpv4(base::ByteSpan data, Ipv4Packet* out) {
  // Check numbers follow the contract in ipv4.h.
  // 1. The fixed header is there.
  if (data.size() < kIpv4MinHeaderLength) return DropReason::kTruncatedIpv4;
  const uint8_t* p = data.data();
  // 2. RFC 791 §3.1: version 4.
  if ((p[0] >> 4) != 4) return DropReason::kBadIpVersion;
  // 3. IHL counts 32-bit words; 5 is the minimum legal header.
  const size_t header_length = size_t{p[0] & 0x0fu} * 4;
  if (header_length < kIpv4MinHeaderLength || header_length > data.size()) {
    return DropReason::kBadIpHeaderLength;
  }
  // 4. Total length covers the header and fits the frame; what follows it
  // (Ethernet pads frames to 60 bytes) is not part of the packet.
  const uint16_t total_length = LoadBe16(p + 2);
  if (total_length < header_length || total_length > data.size()) {
    return DropReason::kBadIpTotalLength;
  }
  // 5. RFC 1122 §3.2.1.2: silently discard on a bad header checksum. Summing
  // the header with its checksum included gives -0, which finishes to 0.
  if (ChecksumFinish(ChecksumPartial(p, header_length)) != 0) return DropReason::kBadIpChecksum;
  // 6. No reassembly: the first fragment (MF set) and later ones (offset != 0)
  // are both dropped.
  const uint16_t flags_offset = LoadBe16(p + 6);
  if ((flags_offset & kFlagMoreFragments) != 0 || (flags_offset & kFragmentOffsetMask) != 0) {
    return DropReason::kIpFragment;
  }

  out->tos = p[1];
  out->total_length = total_length;
  out->id = LoadBe16(p + 4);
  out->ttl = p[8];
  out->protocol = p[9];
  out->src = base::Ipv4Address(LoadBe32(p + 12));
  out->dst = base::Ipv4Address(LoadBe32(p + 16));
  out->header_length = static_cast<uint16_t>(header_length);
  return DropReason::kNone;
}

void WriteIpv4Header(uint8_t* p, base::Ipv4Address src, base::Ipv4Address dst, uint8_t protocol,
                     uint16_t payload_length, uint8_t ttl, uint16_t id) {
  constexpr uint16_t kVersionIhlTos = 0x4500;  // version 4, IHL 5, TOS routine
  const uint16_t total_length = static_cast<uint16_t>(kIpv4MinHeaderLength + payload_length);
  const uint16_t ttl_protocol = static_cast<uint16_t>(ttl << 8 | protocol);
  // The checksum is summed from the field values rather than read back from
  // the bytes just stored: reading narrow stores with wide loads stalls store
  // forwarding, and this runs once per reply.
  const uint32_t sum = uint32_t{kVersionIhlTos} + total_length + id + ttl_protocol +
                       (src.value() >> 16) + (src.value() & 0xffffu) + (dst.value() >> 16) +
                       (dst.value() & 0xffffu);
  base::StoreBe16(p, kVersionIhlTos);
  base::StoreBe16(p + 2, total_length);
  base::StoreBe16(p + 4, id);
  base::StoreBe16(p + 6, 0);  // flags and fragment offset
  base::StoreBe16(p + 8, ttl_protocol);
  base::StoreBe16(p + 10, ChecksumFinish(sum));
  base::StoreBe32(p + 12, src.value());
  base::StoreBe32(p + 16, dst.value());
}

}  // namespace dpdhcp::proto
