// The server's control commands, with Kea's names and argument shapes (Kea
// ARM "Management API", src/share/api/*.json), registered over a
// ServerState:
//
//   read:  list-commands version-get status-get config-get config-test
//          statistic-get statistic-get-all stat-lease4-get lease4-get
//          lease4-get-all lease4-get-page lease4-get-by-hw-address
//          lease4-get-by-client-id
//          dpdhcp extensions: stat-pool4-get (per pool usage),
//          stat-worker4-get (counters per worker)
//   write: statistic-reset statistic-reset-all lease4-add lease4-update
//          lease4-del lease4-wipe leases-reclaim config-set config-reload
//          shutdown
//
// docs/control.md lists every argument and answer. Each handler checks its
// arguments (unknown keys and wrong types answer result 1 naming the key)
// before calling the ServerState.
//
// Threads: the read commands may run concurrently (a telemetry thread next to
// the socket thread); the statistic-reset baseline is the only state the
// commands keep, guarded by a mutex.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "dpdhcp/control/registry.h"
#include "dpdhcp/control/server_state.h"

namespace dpdhcp::control {

// The version version-get reports (the meson project version).
std::string_view Version();

// Registers every command above on `registry`. `state` must outlive it.
absl::Status RegisterServerCommands(CommandRegistry& registry, ServerState& state);

}  // namespace dpdhcp::control
