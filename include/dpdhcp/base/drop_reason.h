// The one list of drop reasons (drop_reason.def), shared by every module that
// can reject a packet, so that each rejection lands on exactly one named
// counter (../shared/DESIGN.md §5 invariants 4 and 5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dpdhcp::base {

enum class DropReason : uint16_t {
  kNone = 0,
#define DPDHCP_DROP(id, name, help) id,
#include "dpdhcp/base/drop_reason.def"
#undef DPDHCP_DROP
  kCount,
};

inline constexpr size_t kNumDropReasons = static_cast<size_t>(DropReason::kCount);

// "drop-bad-ip-checksum"; "none" for kNone.
std::string_view DropReasonName(DropReason reason);
// The operator-readable sentence for the reason.
std::string_view DropReasonHelp(DropReason reason);

}  // namespace dpdhcp::base
