// Ethernet II headers with up to two VLAN tags (IEEE 802.1Q, and 802.1ad QinQ
// as access networks use it: S-tag then C-tag). Views parse in place and
// copy out only the header fields; the payload stays in the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/mac_address.h"

namespace dpdhcp::proto {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;  // IEEE 802.1Q C-tag
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;  // IEEE 802.1ad S-tag

inline constexpr size_t kEthernetHeaderLength = 14;  // dst, src, ethertype
inline constexpr size_t kVlanTagLength = 4;          // TPID, TCI
inline constexpr size_t kMaxVlanTags = 2;

// count 0: untagged. 1: one tag, in outer_*. 2: QinQ, the outer tag (TPID
// 0x88a8 or 0x8100) then an inner 0x8100 tag whose TCI is inner_tci. Writers
// require count <= kMaxVlanTags.
struct VlanTags {
  uint8_t count = 0;
  uint16_t outer_tpid = 0;
  uint16_t outer_tci = 0;  // PCP(3) DEI(1) VID(12)
  uint16_t inner_tci = 0;

  uint16_t outer_vid() const { return outer_tci & 0x0fff; }
  uint16_t inner_vid() const { return inner_tci & 0x0fff; }
  bool operator==(const VlanTags&) const = default;
};

struct EthernetFrame {
  base::MacAddress dst;
  base::MacAddress src;
  VlanTags vlans;
  uint16_t ethertype = 0;  // after the tags
  uint16_t l3_offset = 0;  // where the ethertype's payload starts
};

// Parses the Ethernet header and its tags. The outer tag is recognised by TPID
// 0x8100 or 0x88a8; the inner one only by 0x8100 (802.1ad puts a C-tag inside
// an S-tag), so an S-tag nested in a C-tag surfaces as ethertype 0x88a8 for
// the caller to refuse. The ethertype itself is not judged here: the caller
// dispatches on it (IPv4, ARP) and drops the rest as kUnsupportedEthertype.
// Returns kNone, kTruncatedEthernet (< 14 bytes), kTruncatedVlan (the frame
// ends inside a tag or the ethertype after it) or kTooManyVlanTags (a third
// 0x8100/0x88a8 after two tags).
base::DropReason ParseEthernet(base::ByteSpan frame, EthernetFrame* out);

// 14 + 4 * count.
inline size_t EthernetHeaderLength(const VlanTags& vlans) {
  return kEthernetHeaderLength + kVlanTagLength * vlans.count;
}

// Writes dst, src, the tags and the ethertype at p (EthernetHeaderLength bytes)
// and returns that length. An outer_tpid of 0 means the default: 0x8100 for a
// single tag, 0x88a8 for QinQ. The inner tag's TPID is always 0x8100.
size_t WriteEthernetHeader(uint8_t* p, const base::MacAddress& dst, const base::MacAddress& src,
                           const VlanTags& vlans, uint16_t ethertype);

}  // namespace dpdhcp::proto
