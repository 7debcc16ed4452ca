#include "dpdhcp/base/drop_reason.h"

#include <array>

namespace dpdhcp::base {
namespace {

struct Entry {
  std::string_view name;
  std::string_view help;
};

constexpr std::array<Entry, kNumDropReasons> kEntries = {{
    {"none", "not dropped"},
#define DPDHCP_DROP(id, name, help) {name, help},
#include "dpdhcp/base/drop_reason.def"
#undef DPDHCP_DROP
}};

}  // namespace

std::string_view DropReasonName(DropReason reason) {
  const auto i = static_cast<size_t>(reason);
  return i < kEntries.size() ? kEntries[i].name : "unknown";
}

std::string_view DropReasonHelp(DropReason reason) {
  const auto i = static_cast<size_t>(reason);
  return i < kEntries.size() ? kEntries[i].help : "unknown";
}

}  // namespace dpdhcp::base
