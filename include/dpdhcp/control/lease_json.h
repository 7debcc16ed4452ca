// Leases as Kea's lease commands print and accept them:
//   {"ip-address": "198.18.0.100", "hw-address": "0a:0b:0c:0d:0e:0f",
//    "client-id": "01:0a:0b:0c:0d:0e:0f", "valid-lft": 3600, "cltt": 1700000000,
//    "subnet-id": 1, "state": 0, "hostname": "", "fqdn-fwd": false,
//    "fqdn-rev": false}
// Kea states: 0 default (assigned), 1 declined, 2 expired-reclaimed. dpdhcp's
// offered and bound records print as 0, declined as 1, released and expired
// (affinity hints) as 2. dpdhcp stores no hostname and does no DNS update, so
// "hostname" is always "" and the fqdn flags false; "client-id" is left out
// for a client without one, and for a client-id longer than the 17 bytes a
// record keeps whole (lease::ClientKey).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/base/time.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/control/answer.h"
#include "dpdhcp/lease/lease.h"

namespace dpdhcp::control {

inline constexpr int kKeaStateDefault = 0;
inline constexpr int kKeaStateDeclined = 1;
inline constexpr int kKeaStateExpiredReclaimed = 2;

int KeaLeaseState(lease::LeaseState state);
Json LeaseToJson(const lease::Lease& lease);
Json LeasesToJson(const std::vector<lease::Lease>& leases);

// A lease built from lease4-add / lease4-update arguments.
struct LeaseArguments {
  lease::Lease lease;
  bool force_create = false;          // lease4-update only
  std::vector<std::string> ignored;   // accepted but not stored ("hostname", ...)
};

// Checks and converts the arguments of lease4-add (update = false) or
// lease4-update (update = true); the error text names the argument.
//  - "ip-address" (required) must lie in the subnet "subnet-id" names, or,
//    when subnet-id is absent or 0, in some configured subnet.
//  - "hw-address" (required): hex bytes, 1 to 16 of them.
//  - "client-id" (optional): hex bytes, 2 to 255 (RFC 2132 §9.14). The lease
//    is keyed by it when given and the subnet has match-client-id, else by
//    the hardware address (htype 1), as the engine keys its clients.
//  - "valid-lft" (default: the subnet's valid-lifetime; 4294967295 =
//    infinite), "cltt" or "expire" (at most one; default cltt = now).
//  - "state": 0 (bound), 1 (declined: keyed by the address with hardware type
//    0, as a DECLINE quarantines it) or 2 (expired: an affinity hint).
//  - "hostname", "fqdn-fwd", "fqdn-rev", "user-context", "comment": type
//    checked, then ignored (listed in `ignored`).
//  - "force-create" (update only): bool.
absl::StatusOr<LeaseArguments> LeaseFromArguments(const Json& arguments, const config::Config& config,
                                                  base::UnixSeconds now, bool update);

}  // namespace dpdhcp::control
