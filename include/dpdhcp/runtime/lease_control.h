// The control path into the running workers: lease changes and config
// swaps, each executed by the worker that owns the state it touches
// (../shared/DESIGN.md §3: the control thread never writes lease state owned
// by a worker except through that worker's command ring).
//
// Every method is called by one control thread at a time (calls are
// serialised by an internal mutex) and blocks that thread for at most the
// command timeout (1 s by default): a worker that does not take a command in
// time yields DeadlineExceeded, and the command is left to run when the
// worker gets to it (its slot stays busy until then, so nothing it points to
// is freed under it).
//
// Worker side (worker_commands.cc): a command is a preallocated struct passed
// through an SPSC rte_ring, executed between bursts, completed with one
// release store; the worker allocates nothing, takes no lock and makes no
// syscall for it.
//
// Config swap (Reconfigure), the RCU step: the new config is validated and its
// AddressSpace and one Engine per worker are built on the control thread.
// Then every worker, at its next quiescent point (between bursts), claims the
// addresses its own shard holds in the new AddressSpace and parks; once all
// have parked, each switches to its new engine, remaps its per-subnet gauges
// to the new subnet order and resumes. The stop lasts one walk over a shard
// (workers walk in parallel); no worker ever uses the new AddressSpace while
// another still allocates from the old one, so invariant 1 holds across the
// swap. The old engines, config and AddressSpace are released on the control
// thread after every worker acknowledged. Leases survive; a lease whose
// address is in no pool of the new config keeps its record, unclaimed, and
// expires naturally (the report counts them).
//
// This header includes no DPDK header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/pool/address_space.h"

namespace dpdhcp::runtime {

// What the readers use: a config and the AddressSpace built from it, swapped
// together.
struct ControlView {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const pool::AddressSpace> addresses;
};

struct ReconfigureReport {
  uint32_t subnets_added = 0, subnets_removed = 0;
  uint64_t leases_kept = 0;     // records holding an address, claimed again
  uint64_t leases_orphaned = 0; // holding an address no pool of the new config has
  std::vector<base::Ipv4Address> orphaned_sample;  // the first few of them
  // From the first command enqueued to every worker switched (control side).
  uint64_t switch_us = 0;
  // The longest time one worker spent on the swap, away from its queues
  // (claiming its shard's addresses, waiting for the others, switching).
  uint64_t pause_us = 0;
};

namespace internal {
struct LeaseControlImpl;
}

class LeaseControl {
 public:
  explicit LeaseControl(std::unique_ptr<internal::LeaseControlImpl> impl);
  ~LeaseControl();
  LeaseControl(const LeaseControl&) = delete;
  LeaseControl& operator=(const LeaseControl&) = delete;

  // Any thread: the config and AddressSpace in force.
  ControlView Current() const;

  // lease4-add: `lease` complete. AlreadyExists when a record holds the
  // address or the client key has a binding; FailedPrecondition when the
  // address cannot be claimed; ResourceExhausted when the shard is full.
  absl::Status AddLease(const lease::Lease& lease);
  // lease4-update: replaces the record holding lease.address (NotFound when
  // none, unless force_create). When the new record belongs to another shard
  // (another hardware address) it is a delete on one worker and an add on
  // the other; a refused add puts the old record back.
  absl::Status UpdateLease(const lease::Lease& lease, bool force_create);
  // lease4-del: removes the record holding `address` and frees the address.
  absl::Status DeleteLease(base::Ipv4Address address);
  // lease4-wipe: every record of the subnet (all when nullopt), on every worker.
  absl::StatusOr<uint64_t> WipeLeases(std::optional<uint32_t> subnet_id);
  // leases-reclaim: every expired record now, each worker its own shard;
  // remove: erase the records instead of keeping affinity hints.
  absl::StatusOr<uint64_t> ReclaimLeases(bool remove);
  // config-set / config-reload after validation (see the header comment).
  // FailedPrecondition for a change that needs a restart (interfaces).
  absl::StatusOr<ReconfigureReport> Reconfigure(std::shared_ptr<const config::Config> config);

  void set_timeout(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<internal::LeaseControlImpl> impl_;
};

}  // namespace dpdhcp::runtime
