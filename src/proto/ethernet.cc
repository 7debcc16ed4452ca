#include "dpdhcp/proto/ethernet.h"

#include <cstring>

namespace dpdhcp::proto {

using base::DropReason;
using base::LoadBe16;
using base::StoreBe16;

namespace {

inline bool IsOuterTpid(uint16_t type) { return type == kEtherTypeVlan || type == kEtherTypeQinQ; }

}  // namespace

DropReason ParseEthernet(base::ByteSpan frame, EthernetFrame* out) {
  if (frame.size() < kEthernetHeaderLength) return DropReason::kTruncatedEthernet;
  const uint8_t* p = frame.data();
  out->dst = base::MacAddress::FromBytes(p);
  out->src = base::MacAddress::FromBytes(p + 6);
  out->vlans = VlanTags{};

  // Each tag is TPID(2) TCI(2) and pushes the ethertype 4 bytes further.
  size_t type_at = 12;
  uint16_t type = LoadBe16(p + type_at);
  if (IsOuterTpid(type)) {
    if (frame.size() < type_at + 2 + kVlanTagLength) return DropReason::kTruncatedVlan;
    out->vlans.count = 1;
    out->vlans.outer_tpid = type;
    out->vlans.outer_tci = LoadBe16(p + type_at + 2);
    type_at += kVlanTagLength;
    type = LoadBe16(p + type_at);
    // IEEE 802.1ad: the tag inside an S-tag (or inside an outer C-tag, as
    // some access networks stack them) is a C-tag.
    if (type == kEtherTypeVlan) {
      if (frame.size() < type_at + 2 + kVlanTagLength) return DropReason::kTruncatedVlan;
      out->vlans.count = 2;
      out->vlans.inner_tci = LoadBe16(p + type_at + 2);
      type_at += kVlanTagLength;
      type = LoadBe16(p + type_at);
      if (IsOuterTpid(type)) return DropReason::kTooManyVlanTags;
    }
  }
  out->ethertype = type;
  out->l3_offset = static_cast<uint16_t>(type_at + 2);
  return DropReason::kNone;
}

size_t WriteEthernetHeader(uint8_t* p, const base::MacAddress& dst, const base::MacAddress& src,
                           const VlanTags& vlans, uint16_t ethertype) {
  std::memcpy(p, dst.data(), base::MacAddress::kSize);
  std::memcpy(p + 6, src.data(), base::MacAddress::kSize);
  size_t at = 12;
  if (vlans.count >= 1) {
    uint16_t tpid = vlans.outer_tpid;
    if (tpid == 0) tpid = vlans.count == 1 ? kEtherTypeVlan : kEtherTypeQinQ;
    StoreBe16(p + at, tpid);
    StoreBe16(p + at + 2, vlans.outer_tci);
    at += kVlanTagLength;
  }
  if (vlans.count >= 2) {
    StoreBe16(p + at, kEtherTypeVlan);
    StoreBe16(p + at + 2, vlans.inner_tci);
    at += kVlanTagLength;
  }
  StoreBe16(p + at, ethertype);
  return at + 2;
}

}  // namespace dpdhcp::proto
