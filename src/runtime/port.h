// Port bring-up for the dataplane (private to the runtime module): probe,
// configure, queues, start, stop. Slow path; every failure is a Status that
// names the port and says what to change.
#pragma once

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "dpdhcp/base/mac_address.h"

namespace dpdhcp::runtime::internal {

struct PortState {
  std::string devargs;     // as configured ("net_af_packet0,iface=veth0")
  std::string name;        // DeviceNameOf(devargs)
  std::string interfaces;  // names of the config interfaces on it, for messages
  uint16_t port_id = 0;
  std::string driver;
  int socket = 0;
  uint16_t rx_queues = 0, tx_queues = 0;
  uint16_t rx_descriptors = 0, tx_descriptors = 0;
  base::MacAddress mac;
  bool configured = false, started = false, closed = false;
  bool promiscuous_set = false;  // we turned it on (and turn it off at close)
};

// Finds the port (probing the device when it is not there yet) and
// configures it for `workers` TX queues and min(workers, device max) RX
// queues (all of them for af_packet, whose kernel fanout feeds every qpair)
// with the requested descriptor counts, adjusted to the device's limits.
// Fills port_id, driver, socket, queues and descriptors.
absl::Status ProbeAndConfigurePort(PortState& port, uint32_t workers, uint16_t rx_descriptors,
                                   uint16_t tx_descriptors);

// Sets up the queues (RX from `pool`), turns promiscuous mode on, starts
// the port and reads its MAC.
absl::Status StartPort(PortState& port, rte_mempool* pool);

// Stops and closes the port; idempotent. Errors are ignored (shutdown).
void StopAndClosePort(PortState& port);

}  // namespace dpdhcp::runtime::internal
