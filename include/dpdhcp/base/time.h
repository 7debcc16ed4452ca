// Time as the DHCP core sees it: whole seconds of wall-clock (Unix) time,
// injected by the caller, never read inside the engine (tests drive a manual
// clock). Unix seconds fit 32 bits until 2106; lease files store them as is.
#pragma once

#include <cstdint>

namespace dpdhcp::base {

using UnixSeconds = uint32_t;

// RFC 2131 §3.3: 0xffffffff as a lease time means "infinity"; as an absolute
// expiry it means the binding never expires (automatic allocation).
inline constexpr uint32_t kInfiniteLifetime = 0xffffffffu;

// now + lifetime, saturating at infinity.
constexpr UnixSeconds ExpiryAfter(UnixSeconds now, uint32_t lifetime) {
  if (lifetime == kInfiniteLifetime) return kInfiniteLifetime;
  const uint64_t t = uint64_t{now} + lifetime;
  return t >= kInfiniteLifetime ? kInfiniteLifetime - 1 : static_cast<UnixSeconds>(t);
}

}  // namespace dpdhcp::base
