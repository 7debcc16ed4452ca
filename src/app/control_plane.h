// dpdhcpd's control plane: the command registry over a ServerState, served
// on the Unix control socket (its own thread, never a worker) and, for the
// read-only commands, as DPDK telemetry paths under /dpdhcp/ so that
// dpdk-telemetry.py shows status, statistics, pools and leases:
//
//   /dpdhcp/status            status-get
//   /dpdhcp/version           version-get
//   /dpdhcp/stats             statistic-get-all (each statistic's latest value)
//   /dpdhcp/pools[,subnet-id] stat-pool4-get
//   /dpdhcp/subnets           stat-lease4-get
//   /dpdhcp/lease,<ip|mac>    lease4-get (ip-address) / lease4-get-by-hw-address
//
// Telemetry answers are the command's answer flattened into one dictionary
// (DPDK 22.11 telemetry nests at most one level and allows only [A-Za-z0-9_/]
// in keys): nested keys are joined with '/', other characters become '_',
// result-set rows become "<row>/<column>", and at most 256 entries are kept
// (a "truncated" entry says so; dpdhcpctl has the whole answer).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "dpdhcp/control/registry.h"
#include "dpdhcp/control/server_state.h"
#include "dpdhcp/control/socket_server.h"

namespace dpdhcp::app {

class ControlPlane {
 public:
  // `state` must outlive this.
  explicit ControlPlane(control::ServerState& state);
  ~ControlPlane();  // Stop()
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Registers the commands; then serves them on `socket_path` (empty: no
  // socket) with the file's `group` (empty: the process's) and mode 0600, or
  // 0660 when a group is given.
  absl::Status Start(const std::string& socket_path, const std::string& group);
  // Registers the /dpdhcp/ telemetry paths (once per process; the EAL's
  // telemetry thread calls them) and points them at this registry.
  absl::Status StartTelemetry();
  // Stops the socket; telemetry calls answer an error from here on. Idempotent.
  void Stop();

  const control::CommandRegistry& registry() const { return registry_; }

 private:
  control::ServerState& state_;
  control::CommandRegistry registry_;
  std::unique_ptr<control::ControlServer> server_;
  bool telemetry_ = false;
};

}  // namespace dpdhcp::app
