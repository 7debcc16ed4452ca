// The DPDK side of the server: ports, mbuf pools, steering rings and one
// worker per lcore (../shared/DESIGN.md §2, §3).
//
// Lifecycle (all on the EAL main lcore, after rte_eal_init):
//   Create  probes each configured port (rte_dev_probe for a vdev that is not
//           there yet), configures it once for all the interfaces on it
//           (RX queues = min(workers, device max), or all of an af_packet
//           port's qpairs; one TX queue per worker;
//           promiscuous), builds one mbuf pool per NUMA socket, the N x N SPSC
//           steering rings, the lease shards (one per worker) and an engine
//           per worker. Every failure is an absl::Status naming the port or
//           resource and what to change; nothing half-built is left running.
//   Run     runs worker 0 on the calling (main) lcore and workers 1..N-1 on
//           the next EAL lcores, until `stop` becomes true; then frees what
//           the steering rings still hold.
//   Close   stops and closes the ports, frees rings and pools (the
//           destructor calls it). Counters and leases stay readable.
//
// Work split: queue q of every port is polled by worker q mod N; a DHCP request
// belongs to the worker owning lease shard ShardFor(chaddr) and is handed to
// it over an SPSC ring when another worker received it. ARP and ICMP echo
// for the server's addresses are answered by the receiving worker. Replies
// are built in the request's mbuf and leave on the ingress port through the
// handling worker's own TX queue.
//
// This header includes no DPDK header: the app and tests see only this.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/runtime/lease_control.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::journal {
class Journal;
}
namespace dpdhcp::pool {
class AddressSpace;
}

namespace dpdhcp::runtime {

struct DataplaneOptions {
  uint32_t workers = 0;         // 0: one per EAL lcore
  uint32_t lease_capacity = 0;  // records per shard; 0: DefaultLeaseCapacity
  uint16_t rx_descriptors = 1024;
  uint16_t tx_descriptors = 1024;
  uint32_t steering_ring_size = 1024;  // entries per ring, a power of two
  // 0: workers busy-poll without pause (the production setting: a worker owns
  // its CPU). N: a worker that found nothing to do for kIdleLoopsBeforeSleep
  // iterations in a row sleeps N microseconds per idle iteration, giving its
  // CPU back to whatever shares it (a lab or CI machine where the clients and
  // the kernel's veth path run on the same cores). Costs up to N us (plus the
  // kernel's timer slack) of latency for the first packet after a lull.
  uint32_t idle_sleep_us = 0;
};

struct PortSummary {
  std::string name;     // DPDK device name
  std::string devargs;  // as configured
  std::string driver;
  uint16_t port_id = 0;
  base::MacAddress mac;
  uint16_t rx_queues = 0, tx_queues = 0;
  int socket = 0;
};

struct WorkerSummary {
  uint32_t index = 0;
  unsigned lcore = 0;
  std::vector<std::pair<uint16_t, uint16_t>> rx_queues;  // (port id, queue)
  uint32_t shard = 0;
};

// rte_eth_stats of a port, read on the control path.
struct PortCounters {
  uint64_t rx_packets = 0, tx_packets = 0;
  uint64_t rx_missed = 0, rx_errors = 0, tx_errors = 0, rx_nombuf = 0;
};

// rte_eth_link of a port, read on the control path.
struct PortLink {
  bool up = false;
  uint32_t speed_mbps = 0;  // 0: unknown
};

class Dataplane {
 public:
  static absl::StatusOr<std::unique_ptr<Dataplane>> Create(
      std::shared_ptr<const config::Config> config, const DataplaneOptions& options);
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  // Blocks until every worker has left its loop. The loops poll `stop`
  // (relaxed loads); Run sets it itself when a worker cannot be launched, and
  // then returns that error.
  absl::Status Run(std::atomic<bool>& stop);

  // Idempotent.
  void Close();

  // Start-up description: one line per port, interface and worker.
  std::vector<std::string> DescribeLines() const;

  const std::vector<PortSummary>& ports() const;
  const std::vector<WorkerSummary>& workers() const;
  // Reader side of each worker's counters (any thread, any time).
  std::vector<const stats::WorkerCounters*> counters() const;
  // Lease shards: readable from any thread (lock-free readers).
  const lease::LeaseStore& leases() const;
  // Start-up only, before Run: the app restores the leases (journal replay,
  // Kea CSV import) into the shards and the address claims the workers use.
  lease::LeaseStore& mutable_leases();
  pool::AddressSpace& addresses();
  // Before Run: worker w journals its lease changes on journal->stream(w)
  // (DESIGN §6); `durability` kStrict parks each ACK until its record is
  // durable. nullptr: no journal (lease-database type "memory"). The journal
  // must have a stream per worker and outlive Run.
  absl::Status AttachJournal(journal::Journal* journal, config::Durability durability);
  const config::Config& config() const;
  // Control path; zeros for a closed port.
  PortCounters ReadPortCounters(size_t port_index) const;
  PortLink ReadPortLink(size_t port_index) const;
  // Lease changes and config swaps through the workers' command rings, and
  // the config + AddressSpace readers use (lease_control.h). Control threads.
  LeaseControl& control();

 private:
  struct Impl;
  explicit Dataplane(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dpdhcp::runtime
