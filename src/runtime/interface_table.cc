#include "dpdhcp/runtime/interface_table.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_format.h"

namespace dpdhcp::runtime {

InterfaceKey KeyForInterface(uint16_t port, const config::Interface& itf) {
  InterfaceKey k;
  k.port = port;
  if (itf.outer_vlan && itf.vlan) {
    k.tag_count = 2;
    k.outer_vid = *itf.outer_vlan;
    k.inner_vid = *itf.vlan;
  } else if (itf.vlan) {
    k.tag_count = 1;
    k.outer_vid = *itf.vlan;
  }
  return k;
}

absl::StatusOr<InterfaceTable> InterfaceTable::Build(std::span<const InterfaceKey> keys) {
  InterfaceTable t;
  // At most half full, so that a miss ends after a few probes.
  const size_t slots = std::bit_ceil(std::max<size_t>(8, keys.size() * 2));
  t.slots_.assign(slots, Slot{kEmpty, kNoInterface});
  t.mask_ = slots - 1;
  for (size_t i = 0; i < keys.size(); ++i) {
    const uint64_t k = Pack(keys[i]);
    for (uint64_t s = Hash(k) & t.mask_;; s = (s + 1) & t.mask_) {
      Slot& slot = t.slots_[s];
      if (slot.key == k) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "interfaces %u and %u are on the same port with the same VLAN tags", slot.index, i));
      }
      if (slot.key == kEmpty) {
        slot = Slot{k, static_cast<uint32_t>(i)};
        break;
      }
    }
  }
  t.size_ = keys.size();
  return t;
}

}  // namespace dpdhcp::runtime
