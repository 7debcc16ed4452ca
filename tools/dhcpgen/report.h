// dhcpgen's output: the per-second line, the final text report and the final
// JSON document (keys documented in tools/dhcpgen/README.md; perf scripts
// read them, so they only ever grow).
#pragma once

#include <cstddef>
#include <string>

#include "generator.h"
#include "nlohmann/json.hpp"

namespace dpdhcp::dhcpgen {

struct RunInfo {
  double duration_s = 0;    // first frame sent -> last transaction resolved
  double offered_rate = 0;  // --rate; 0 for flat out
  uint32_t window = 0;
};

// One line for the interval [prev, cur] of `seconds`: written into out
// (snprintf, no allocation: it runs in the generator's loop), returns its
// length. `elapsed_s` is the time since the start, printed first.
size_t FormatSecondLine(char* out, size_t cap, double elapsed_s, const Stats& prev,
                        const Stats& cur, const Histogram& interval, double seconds);

// The final result as JSON.
nlohmann::json FinalJson(const Generator& g, const RunInfo& run);
// The final result for people, several lines.
std::string FinalText(const Generator& g, const RunInfo& run);

}  // namespace dpdhcp::dhcpgen
