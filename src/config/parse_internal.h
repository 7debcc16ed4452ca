// Private to the config module: the parsers of the parts of a Dhcp4 object.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dpdhcp/config/config.h"
#include "json_reader.h"

namespace dpdhcp::config::internal {

// Values a scope (Dhcp4 or one subnet) may set; a subnet inherits what it
// leaves out from Dhcp4.
struct ScopeParameters {
  std::optional<uint32_t> valid_lifetime, renew_timer, rebind_timer;
  bool authoritative = false;
  bool match_client_id = true;
};

// The resolved lease timers of one scope.
struct Timers {
  uint32_t valid, renew, rebind;
};

// Reads the scope's own "valid-lifetime", "renew-timer" and "rebind-timer".
absl::Status ReadTimerKeys(const ObjectReader& r, ScopeParameters& p);

// Resolves valid-lifetime, renew-timer and rebind-timer for a scope at `path`
// whose own values are `own` (all empty for the global scope), and checks
// renew < rebind < valid. Errors name `path` and where each value came from.
absl::StatusOr<Timers> ResolveTimers(std::string_view path, const ScopeParameters& own,
                                     const ScopeParameters& global);

// An "option-data" array (`list` may be null: no options) at `path`.
absl::StatusOr<OptionSet> ParseOptionList(const Json* list, std::string_view path);

// "subnet4": every subnet, with its pools and reservations, checked against
// the interfaces and against each other (disjoint subnets and pools, unique
// ids and relay addresses).
absl::Status ParseSubnets(const Json* list, std::string_view path, const ScopeParameters& global,
                          Config& config);

}  // namespace dpdhcp::config::internal
