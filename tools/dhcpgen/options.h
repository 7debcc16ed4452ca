// dhcpgen's command line (DPDK-free, so that it is unit-tested): flags before
// "--", EAL arguments after it. --help text in UsageText().
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "generator.h"

namespace dpdhcp::dhcpgen {

struct CliOptions {
  GeneratorConfig gen;
  std::string port;         // DPDK devargs of the port
  std::string eal_profile;  // file of EAL arguments
  std::vector<std::string> eal_extra;
  double duration_s = 10;
  bool per_second = false;
  std::string json_path;
  double link_timeout_s = 10;
  uint32_t burst = 32;
  uint32_t mbufs = 8191;
  bool help = false;
};

// Parses argv[1..] (argv[0] is the program). --help sets help and stops.
absl::StatusOr<CliOptions> ParseCommandLine(const std::vector<std::string>& args);

// "dora=4,renew=1" -> weights (kinds not named are 0).
absl::Status ParseMix(std::string_view text, std::array<uint32_t, kTxKinds>* mix);

std::string UsageText();

}  // namespace dpdhcp::dhcpgen
