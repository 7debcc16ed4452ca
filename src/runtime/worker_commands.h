// Commands from the control thread to one worker (private to the runtime
// module): the preallocated command structs, the worker-side executor and
// the control-side LeaseControl implementation (dpdhcp/runtime/lease_control.h).
#pragma once

#include <rte_ring.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <functional>
#include <mutex>
#include <vector>

#include "dpdhcp/base/time.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"
#include "dpdhcp/runtime/lease_control.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::runtime::internal {

// Why a command did nothing; the control thread turns it into a Status text
// (the worker never builds strings).
enum class CommandOutcome : uint8_t {
  kOk,
  kNotFound,        // no record holds the address
  kAddressHeld,     // another record holds the address (`other`)
  kClientHolds,     // the client key already has a binding (`other`)
  kNotInPool,       // the address is in no pool
  kCannotClaim,     // in a pool, but excluded or in use
  kShardFull,
  kWrongShard,      // the record is not in this worker's shard (a bug)
  kAborted,         // a config swap given up by the control thread
};

// One reconfigure in progress, shared by the commands of every worker. One
// word, so that the outcome is decided once for everyone without the control
// thread on the critical path: the worker whose increment makes the count
// reach `workers` releases them all; the control thread may give up (set
// kAbort, by compare-and-swap) only while the count is short.
struct SwapBarrier {
  static constexpr uint32_t kAbort = 1u << 31;
  static constexpr uint32_t kCountMask = kAbort - 1;
  explicit SwapBarrier(uint32_t n) : workers(n) {}
  const uint32_t workers;
  std::atomic<uint32_t> state{0};  // parked count | kAbort
  // Set once every worker's command is in its ring: a worker that takes its
  // command earlier keeps serving and retries, so that no parked worker ever
  // waits for the control thread to be scheduled.
  std::atomic<bool> armed{false};
};

struct WorkerCommand {
  enum class Kind : uint8_t { kAdd, kUpdate, kDelete, kWipe, kReclaim, kSwap };
  enum State : uint32_t { kIdle = 0, kQueued = 1, kDone = 2 };

  // ---- Inputs (written by the control thread before the enqueue) ----
  Kind kind = Kind::kAdd;
  lease::Lease lease;             // kAdd, kUpdate (the new record)
  base::Ipv4Address address;      // kDelete, kUpdate (the record replaced)
  bool all_subnets = true;        // kWipe
  uint32_t subnet_id = 0;         // kWipe
  bool remove = false;            // kReclaim
  const config::Config* config = nullptr;  // in force: gauges by subnet index
  pool::AddressSpace* addresses = nullptr; // in force (kSwap: the new one)
  lease::LeaseStore* leases = nullptr;
  // kSwap: the new engine (the worker swaps in its old one), the subnet
  // index remap (new index -> old index, -1: new subnet) and scratch space
  // for the old gauges, all allocated by the control thread.
  std::unique_ptr<engine::Engine> engine;
  std::vector<int32_t> old_index_of;
  std::vector<std::array<int64_t, stats::kNumSubnetCounters>> scratch;
  std::shared_ptr<SwapBarrier> barrier;

  // ---- Outputs (written by the worker before the kDone store) ----
  CommandOutcome outcome = CommandOutcome::kOk;
  lease::Lease other;             // kAddressHeld / kClientHolds: the record in the way
  uint64_t count = 0;             // kWipe, kReclaim: records; kSwap: leases kept
  uint64_t orphaned = 0;          // kSwap: holding an address no pool has
  std::array<base::Ipv4Address, 8> orphaned_sample{};
  uint64_t paused_cycles = 0;     // kSwap: TSC cycles this worker spent on it

  std::atomic<uint32_t> state{kIdle};
};

// Journal hook: a worker passes its own, which records the change (the
// journal's worker method) like the engine's decisions.
using ChangeSink = void (*)(void* ctx, const engine::LeaseChange& change);

// Worker side: runs `c` for the worker owning shard `shard`. No allocation
// (a swapped engine goes back in `c`), no lock, no syscall. Sets c.outcome
// etc.; the caller publishes kDone. False: not yet (a swap not armed yet),
// the caller keeps the command and calls again on a later loop iteration.
bool ExecuteCommand(WorkerCommand& c, uint32_t shard, base::UnixSeconds now,
                    std::unique_ptr<engine::Engine>& engine, stats::WorkerCounters& counters,
                    ChangeSink sink, void* sink_ctx);

inline constexpr uint32_t kCommandRingSize = 16;
inline constexpr uint32_t kCommandSlots = 8;  // per worker; a slot is busy until done

class Worker;

struct LeaseControlImpl {
  struct PerWorker {
    rte_ring* ring = nullptr;
    std::vector<std::unique_ptr<WorkerCommand>> slots;
  };

  std::mutex mutex;  // one control call at a time
  mutable std::mutex view_mutex;
  ControlView view;
  std::shared_ptr<pool::AddressSpace> addresses;  // == view.addresses, writable
  lease::LeaseStore* leases = nullptr;
  std::vector<stats::WorkerCounters*> counters;
  std::vector<PerWorker> workers;
  std::chrono::milliseconds timeout{1000};
  size_t counter_subnets = 0;  // capacity of every counter block
  // Told about each swap (the dataplane keeps its config pointer current).
  std::function<void(std::shared_ptr<const config::Config>)> on_swap;

  ~LeaseControlImpl();

  // A free slot of worker w, filled with the common inputs; nullptr when
  // every slot still waits for the worker.
  WorkerCommand* Acquire(uint32_t w);
  // Enqueues and waits; DeadlineExceeded after the timeout.
  absl::Status Run(uint32_t w, WorkerCommand* c);
  absl::Status Submit(uint32_t w, WorkerCommand* c);
  absl::Status Wait(uint32_t w, WorkerCommand* c,
                    std::chrono::steady_clock::time_point deadline);
  absl::Status ToStatus(const WorkerCommand& c) const;
  absl::Status AddLocked(const lease::Lease& l);
};

// Builds the channel: one ring per worker on its socket, slots, and the
// view. `name_prefix` makes the ring names unique.
absl::StatusOr<std::unique_ptr<LeaseControlImpl>> CreateLeaseControl(
    const std::string& name_prefix, const std::vector<int>& sockets,
    std::shared_ptr<const config::Config> config, std::shared_ptr<pool::AddressSpace> addresses,
    lease::LeaseStore* leases, std::vector<stats::WorkerCounters*> counters);

}  // namespace dpdhcp::runtime::internal
