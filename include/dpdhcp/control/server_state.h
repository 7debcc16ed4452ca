// The seam between the control commands and the running server.
//
// The control module knows nothing of DPDK or workers: every command reads
// and changes the server through this interface. dpdhcpd implements it over
// its workers (counters read from their blocks, leases read lock-free from
// the shards, mutations sent to the owning worker's command ring and waited
// for); MemoryServerState (memory_server_state.h) implements it over a
// config, a LeaseStore and an AddressSpace in one process, for tests and
// offline tools.
//
// Threads: every method is called from a control-plane thread (the control
// socket thread, later also DPDK telemetry threads), never from a worker.
// Read methods (Get*, Now) may run concurrently with each other and with one
// mutation; implementations must make them safe for that (lock-free lease
// reads are). Mutations and config changes are called one at a time by the
// control socket thread and may block it; an implementation should bound the
// wait (e.g. answer DeadlineExceeded when a worker does not take a command
// within a second) so that a stuck worker cannot wedge the control channel.
//
// Errors are absl::Status; the commands turn OK into result 0, NotFound into
// result 3 (empty) and anything else into result 1 with the message as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/time.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::control {

// One NIC port as status-get shows it.
struct PortStatus {
  std::string name;    // DPDK device name, e.g. "net_af_packet0" or "0000:03:00.0"
  std::string driver;  // e.g. "net_ixgbe"
  std::string mac;     // "aa:bb:cc:dd:ee:ff"
  bool link_up = false;
  uint32_t speed_mbps = 0;
  uint16_t rx_queues = 0, tx_queues = 0;
};

// Which worker polls which receive queue.
struct QueueAssignment {
  uint32_t worker = 0;
  std::string port;
  uint16_t rx_queue = 0;
};

// The lease journal as status-get shows it (strings and integers so that the
// journal module's own types stay out of this interface).
struct DurabilityStatus {
  std::string mode;   // "strict" | "relaxed"
  std::string state;  // e.g. "ok", "degraded: fdatasync failed", "none" (no journal)
  uint64_t durable_sequence = 0;
  uint64_t pending_records = 0;
};

struct ServerStatus {
  int64_t pid = 0;
  uint64_t uptime_seconds = 0;
  uint64_t seconds_since_reload = 0;  // since start when never reloaded
  uint32_t workers = 0;
  std::vector<PortStatus> ports;
  std::vector<QueueAssignment> queues;
  DurabilityStatus durability;
};

// One configured pool. total and claimed are the AddressSpace's
// (pool::AddressSpace::PoolUsage: total excludes the network, broadcast and
// server addresses; claimed counts offered, bound, declined and reserved
// addresses in use); assigned and declined count the pool's leases in state
// kBound and kDeclined. free = total - claimed. Taken without stopping the
// workers, so the numbers may disagree by the changes made during the walk.
struct PoolUsage {
  uint32_t pool_index = 0;  // into config::Subnet::pools
  base::Ipv4Address first, last;
  uint64_t total = 0, claimed = 0, assigned = 0, declined = 0;
  uint64_t free() const { return claimed >= total ? 0 : total - claimed; }
};

struct SubnetUsage {
  uint32_t subnet_id = 0;
  base::Ipv4Prefix prefix;
  std::vector<PoolUsage> pools;  // config order
};

// A lease listing (lease4-get-all, lease4-get-page): every record that is not
// free, in ascending address order.
struct LeaseQuery {
  std::vector<uint32_t> subnet_ids;       // empty: every subnet
  std::optional<base::Ipv4Address> after;  // only addresses greater than this
  size_t limit = std::numeric_limits<size_t>::max();
};

class ServerState {
 public:
  virtual ~ServerState() = default;

  // ---- Read side ----

  // The server's clock (Unix seconds): lease times and statistic timestamps.
  virtual base::UnixSeconds Now() const = 0;
  // The configuration in force (its source_json is what config-get returns).
  virtual std::shared_ptr<const config::Config> GetConfig() const = 0;
  virtual ServerStatus GetStatus() const = 0;
  // One entry per worker, index = worker number. Raw values: statistic-reset
  // is applied by the commands (commands.h), not here.
  virtual std::vector<stats::CounterTotals> GetWorkerCounters() const = 0;
  // Every subnet of GetConfig(), in config order.
  virtual std::vector<SubnetUsage> GetPoolUsage() const = 0;

  // The record holding `address` (offered, bound or declined); nullopt when
  // no record holds it.
  virtual std::optional<lease::Lease> GetLease(base::Ipv4Address address) const = 0;
  // Records whose hardware address (Lease::hw()) equals `hw`, any state but
  // free, ascending address.
  virtual std::vector<lease::Lease> GetLeasesByHwAddress(base::ByteSpan hw) const = 0;
  // Records keyed by this client identifier (option 61 value, type byte
  // included), ascending address.
  virtual std::vector<lease::Lease> GetLeasesByClientId(base::ByteSpan client_id) const = 0;
  virtual std::vector<lease::Lease> GetLeases(const LeaseQuery& query) const = 0;

  // ---- Configuration ----

  // Parses and validates `json_text` (a whole config, {"Dhcp4": {...}}) as a
  // reload would, without applying it. The error text starts with the JSON
  // path (config::ParseConfig).
  virtual absl::Status TestConfig(std::string_view json_text) = 0;
  // config-set: validates, then applies `json_text`, keeping the leases.
  // On success, a note for the operator appended to the answer text (e.g.
  // leases whose address left every pool); may be empty.
  virtual absl::StatusOr<std::string> SetConfig(std::string_view json_text) = 0;
  // config-reload: reads the configuration file the server was started with
  // again, validates it and applies it (answer as SetConfig).
  // FailedPrecondition when there is no such file.
  virtual absl::StatusOr<std::string> ReloadConfig() = 0;

  // ---- Lease mutations: forwarded to the worker owning the record ----

  // Adds `lease` (complete: key, hardware address, subnet, state, times).
  // AlreadyExists when a record holds the address or the client key already
  // has a binding; FailedPrecondition when the address cannot be claimed (not
  // in a pool of the subnet, or held).
  virtual absl::Status AddLease(const lease::Lease& lease) = 0;
  // Replaces the record holding lease.address. NotFound when there is none,
  // unless force_create (then as AddLease).
  virtual absl::Status UpdateLease(const lease::Lease& lease, bool force_create) = 0;
  // Removes the record holding `address` and frees the address. NotFound
  // when no record holds it.
  virtual absl::Status DeleteLease(base::Ipv4Address address) = 0;
  // Removes every record of the subnet (every record when nullopt); returns
  // how many were removed.
  virtual absl::StatusOr<uint64_t> WipeLeases(std::optional<uint32_t> subnet_id) = 0;
  // Reclaims every expired offer, binding and declined address now (as the
  // workers do in the background); remove: delete the reclaimed records
  // instead of keeping them as affinity hints. Returns how many.
  virtual absl::StatusOr<uint64_t> ReclaimLeases(bool remove) = 0;

  // ---- Process ----

  // Asks the server to stop (the answer to "shutdown" is sent first).
  virtual absl::Status Shutdown(int exit_value) = 0;
};

}  // namespace dpdhcp::control
