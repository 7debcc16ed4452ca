// Which configured interface a frame arrived on: the ingress DPDK port plus
// the frame's VLAN tags (none, an 802.1Q C-tag, or QinQ S-tag + C-tag).
//
// Several interfaces may share one port and differ only by their tags, and an
// access network may configure thousands of VLANs on one port, so the lookup
// is a small open-addressed hash table built once at start-up and read by
// every worker without locks (it is never modified after Build).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/proto/ethernet.h"

namespace dpdhcp::runtime {

inline constexpr uint32_t kNoInterface = 0xffffffffu;

// The match key of one interface. Tags are matched by VLAN ID only (PCP and
// DEI are ignored, RFC-free 802.1Q practice). tag_count 1 uses outer_vid.
struct InterfaceKey {
  uint16_t port = 0;
  uint8_t tag_count = 0;
  uint16_t outer_vid = 0;
  uint16_t inner_vid = 0;
  bool operator==(const InterfaceKey&) const = default;
};

// The key of a configured interface on DPDK port `port`: vlan alone is one
// tag; outer_vlan + vlan is QinQ (config validation requires vlan with
// outer_vlan).
InterfaceKey KeyForInterface(uint16_t port, const config::Interface& itf);

// The key a received frame presents (tags as combined by CombineVlanTags).
inline InterfaceKey KeyForFrame(uint16_t port, const proto::VlanTags& tags) {
  InterfaceKey k;
  k.port = port;
  k.tag_count = tags.count;
  k.outer_vid = tags.count >= 1 ? tags.outer_vid() : 0;
  k.inner_vid = tags.count >= 2 ? tags.inner_vid() : 0;
  return k;
}

class InterfaceTable {
 public:
  InterfaceTable() = default;

  // keys[i] is the key of config interface i. Duplicate keys are an error
  // naming both interfaces by index (the config parser refuses duplicates
  // already; ports named differently may still resolve to one DPDK port).
  static absl::StatusOr<InterfaceTable> Build(std::span<const InterfaceKey> keys);

  // Fast path: the interface index, or kNoInterface. No allocation.
  uint32_t Find(const InterfaceKey& key) const {
    const uint64_t k = Pack(key);
    for (uint64_t i = Hash(k) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == k) return s.index;
      if (s.key == kEmpty) return kNoInterface;
    }
  }
  uint32_t Find(uint16_t port, const proto::VlanTags& tags) const {
    return slots_.empty() ? kNoInterface : Find(KeyForFrame(port, tags));
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key;
    uint32_t index;
  };
  // A packed key never has all bits set: tag_count is at most 2.
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  static uint64_t Pack(const InterfaceKey& k) {
    return uint64_t{k.port} << 32 | uint64_t{k.tag_count} << 24 |
           uint64_t{k.outer_vid & 0xfffu} << 12 | (k.inner_vid & 0xfffu);
  }
  // Fibonacci hashing; the high bits are the well-mixed ones.
  static uint64_t Hash(uint64_t k) { return (k * 0x9e3779b97f4a7c15ull) >> 40; }

  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace dpdhcp::runtime
