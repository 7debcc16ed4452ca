// Wall-clock seconds from the CPU's time-stamp counter, so that workers know
// the time without a syscall per packet or per loop (the engine takes time as
// an argument: DESIGN §3).
//
// The base (a TSC reading and the Unix time in nanoseconds at that moment) is
// taken once at start-up; Now() extrapolates with the TSC frequency. An
// invariant TSC (constant_tsc, nonstop_tsc: every x86 server of the last
// decade) drifts from NTP time by its crystal's error, parts per million:
// seconds per month, well inside DHCP lease granularity.
#pragma once

#include <cstdint>

#include "dpdhcp/base/time.h"

namespace dpdhcp::runtime {

class TscClock {
 public:
  TscClock() = default;
  // hz > 0.
  TscClock(uint64_t base_tsc, uint64_t hz, uint64_t base_unix_ns)
      : base_tsc_(base_tsc), hz_(hz), base_unix_ns_(base_unix_ns) {}

  // Nanoseconds since the Unix epoch at TSC value tsc (a value before the
  // base reads as the base). Two divisions: call once per loop, not per packet.
  uint64_t UnixNanos(uint64_t tsc) const {
    const uint64_t elapsed = tsc > base_tsc_ ? tsc - base_tsc_ : 0;
    const uint64_t seconds = elapsed / hz_;
    const uint64_t rest = elapsed % hz_;  // < hz_ <= ~2^33: rest * 1e9 fits 64 bits
    return base_unix_ns_ + seconds * kNanosPerSecond + rest * kNanosPerSecond / hz_;
  }
  base::UnixSeconds Now(uint64_t tsc) const {
    return static_cast<base::UnixSeconds>(UnixNanos(tsc) / kNanosPerSecond);
  }
  // TSC cycles in `ms` milliseconds.
  uint64_t CyclesForMillis(uint64_t ms) const { return hz_ * ms / 1000; }

  uint64_t hz() const { return hz_; }

 private:
  static constexpr uint64_t kNanosPerSecond = 1000000000;
  uint64_t base_tsc_ = 0;
  uint64_t hz_ = 1;
  uint64_t base_unix_ns_ = 0;
};

}  // namespace dpdhcp::runtime
