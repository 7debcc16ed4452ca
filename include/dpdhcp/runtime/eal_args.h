// The strings dpdhcpd hands to DPDK: EAL arguments (from a profile file, the
// command line and defaults) and port device arguments. Slow path only.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dpdhcp::runtime {

// An EAL profile (dpdk-config/*.eal): arguments separated by whitespace, '#'
// starts a comment that runs to the end of the line. No quoting: EAL
// arguments never need spaces.
std::vector<std::string> ParseEalProfile(std::string_view text);
// Reads and parses a profile; errors name the file.
absl::StatusOr<std::vector<std::string>> ReadEalProfile(const std::string& path);

// True when args hold `option` as "--option value" or "--option=value".
bool HasEalOption(std::span<const std::string> args, std::string_view option);

// argv for rte_eal_init: program, the profile's arguments, then the extra
// ones (the command line's, after "--", so they can override the profile),
// then "--file-prefix <default_file_prefix>" unless one was given (two EAL
// processes with the same prefix refuse to start: each instance gets its own).
std::vector<std::string> AssembleEalArgs(std::string_view program,
                                         std::span<const std::string> profile,
                                         std::span<const std::string> extra,
                                         std::string_view default_file_prefix);

// The DPDK device name in a port's device arguments: the part before the
// first comma ("net_af_packet0,iface=veth0" -> "net_af_packet0"). A PCI
// address is its own name.
std::string_view DeviceNameOf(std::string_view devargs);
// True when the device arguments carry options after the name.
inline bool HasDeviceOptions(std::string_view devargs) {
  return devargs.find(',') != std::string_view::npos;
}

}  // namespace dpdhcp::runtime
