// One worker lcore's state and loop (private to the runtime module).
//
// The loop follows DPDK examples/l2fwd-event/l2fwd_poll.c: state looked up
// once, TSC read once per iteration, RX bursts over the lcore's queues, then
// the inbound steering rings, then every TX buffer drained (the drain
// deadline is one iteration). Nothing in it allocates, locks, makes a syscall
// (beyond what a PMD's rx/tx burst does itself) or throws.
#pragma once

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "ack_parking.h"
#include "dpdhcp/base/time.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/journal/journal.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/runtime/frame_classifier.h"
#include "dpdhcp/runtime/tsc_clock.h"
#include "dpdhcp/stats/counters.h"
#include "unmap_guard.h"
#include "worker_commands.h"

namespace dpdhcp::runtime::internal {

inline constexpr uint16_t kRxBurst = 32;
inline constexpr uint16_t kTxBufferSize = 32;
// Records visited per expiry pass (every kReclaimPeriodMs): a few
// microseconds, so a pass never delays a burst noticeably.
inline constexpr uint32_t kReclaimBudget = 256;
inline constexpr uint64_t kReclaimPeriodMs = 100;
// The engine writes a reply here while it still reads the request in the
// mbuf; the reply is then copied into the mbuf. Ethernet MTU sized.
inline constexpr size_t kReplyBufferSize = 1500;
// At shutdown a worker waits this long for its parked ACKs to become durable.
inline constexpr uint64_t kParkedDrainMs = 100;
// With an idle sleep set, empty loop iterations before the first sleep: a
// few tens of microseconds of polling, so a burst that pauses briefly never
// waits for a wake-up.
inline constexpr uint32_t kIdleLoopsBeforeSleep = 512;

struct RxQueueRef {
  uint16_t port;
  uint16_t queue;
};

// What every worker reads and nobody writes while they run.
struct SharedState {
  const FrameClassifier* classifier = nullptr;
  const lease::LeaseStore* leases = nullptr;  // ShardFor only
  TscClock clock;
};

class alignas(64) Worker {
 public:
  Worker(uint32_t index, unsigned lcore, const SharedState& shared,
         std::unique_ptr<engine::Engine> engine, stats::WorkerCounters& counters);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Set-up, before Run.
  void AddRxQueue(uint16_t port, uint16_t queue) { rx_.push_back({port, queue}); }
  // Transmits on (port, queue): one TX queue per worker per port.
  void AddTxQueue(uint16_t port, uint16_t queue);
  // Ring to worker `owner` (nullptr for this worker itself), one per worker.
  void SetOutboundRings(std::vector<rte_ring*> rings);
  void AddInboundRing(rte_ring* ring) { inbound_.push_back(ring); }
  // The control thread's command ring (worker_commands.h): one command is
  // taken per loop iteration, between bursts.
  void SetCommandRing(rte_ring* ring) { commands_ = ring; }
  // Journals this worker's lease changes on its stream of `journal`
  // (nullptr: no journal, lease-database type "memory"); kStrict parks each
  // ACK until its record is durable, kRelaxed sends it at once unless the
  // journal is failing.
  void SetJournal(journal::Journal* journal, config::Durability durability);
  // Where a parked ACK's mbuf comes from when it leaves (durability: strict):
  // the mbuf pool of the worker's socket.
  void SetParkingPool(rte_mempool* pool) { parking_pool_ = pool; }
  // DataplaneOptions::idle_sleep_us; 0 (the default) never sleeps.
  void SetIdleSleep(uint32_t micros) { idle_sleep_us_ = micros; }
  // The unmap guard (unmap_guard.h) this worker reports to as reader `index`:
  // quiescent between loop iterations, offline while asleep or stopped.
  void SetUnmapGuard(rte_rcu_qsbr* qsbr) { unmap_guard_ = qsbr; }

  // Appends the record of a lease change this worker made (its decisions,
  // its expiry reclaims, and lease changes the control plane asks it to make
  // through its command ring). Worker thread only. True when recorded or
  // when there is no journal; false when the ring refused it (full: the disk
  // is slow or failing), which the caller must not acknowledge.
  bool JournalChange(const engine::LeaseChange& change);
  // The sequence number of the last record JournalChange appended; an ACK for
  // it may leave once the stream's durable_sequence() reaches it.
  uint64_t last_journal_sequence() const {
    return journal_ != nullptr ? journal_->last_sequence() : 0;
  }

  // The loop; returns once `stop` is seen, with its TX buffers flushed.
  void Run(const std::atomic<bool>& stop);

  uint32_t index() const { return index_; }
  unsigned lcore() const { return lcore_; }

 private:
  struct TxBuffer {
    uint16_t port = 0;
    uint16_t queue = 0;
    uint16_t count = 0;
    std::array<rte_mbuf*, kTxBufferSize> pkts{};
  };
  struct SteerBuffer {
    uint16_t count = 0;
    std::array<void*, kRxBurst> objs{};
  };

  void ProcessRxBurst(uint16_t port, rte_mbuf** pkts, uint16_t n);
  // A DHCP request this worker owns, already classified.
  void HandleDhcp(rte_mbuf* m, const ClassifiedFrame& c);
  // A request another worker handed over: classified again (cheap).
  void HandleSteered(rte_mbuf* m);
  void Steer(uint32_t owner, rte_mbuf* m);
  void FlushSteering();
  void Transmit(rte_mbuf* m);
  void Flush(TxBuffer& b);
  // Runs the next control command, if any (worker_commands.h); true when
  // there was one.
  bool PollCommands();
  // Journals a decision's changes (prior, then change); false when refused.
  bool JournalDecision(const engine::Decision& d);
  // Sends the parked ACKs whose records are durable (every loop iteration).
  void ReleaseParked();
  // A parked ACK copied into the fresh mbuf m, onto its TX buffer.
  void TransmitParked(rte_mbuf* m, const ParkedFrame& f);
  // durability strict: the ACK decided in d, built into the parking ring
  // until its journal record is durable; m (the request) is freed.
  void ParkAck(rte_mbuf* m, const ClassifiedFrame& c, const engine::Decision& d);
  // Shutdown: sends what becomes durable within kParkedDrainMs, frees the rest.
  void DrainParked(UnmapGuardReader& guard);
  void DropFrame(rte_mbuf* m, base::DropReason reason) {
    counters_.Drop(reason);
    rte_pktmbuf_free(m);
  }

  const uint32_t index_;
  const unsigned lcore_;
  const FrameClassifier& classifier_;
  const lease::LeaseStore& leases_;
  const TscClock clock_;
  std::unique_ptr<engine::Engine> engine_;
  stats::WorkerCounters& counters_;
  base::UnixSeconds now_ = 0;

  std::vector<RxQueueRef> rx_;
  std::vector<rte_ring*> outbound_;  // by owner; nullptr for this worker
  std::vector<rte_ring*> inbound_;
  std::vector<SteerBuffer> steer_;  // by owner
  std::vector<TxBuffer> tx_;
  std::array<int16_t, RTE_MAX_ETHPORTS> tx_by_port_{};  // port id -> tx_ index, -1: none
  ClassifiedFrame classified_;
  rte_ring* commands_ = nullptr;
  WorkerCommand* pending_command_ = nullptr;  // taken, not runnable yet
  journal::JournalStream* journal_ = nullptr;
  const journal::Journal* journal_state_ = nullptr;  // healthy() only
  bool park_acks_ = false;  // durability: strict with a journal
  FrameParking parked_;
  rte_mempool* parking_pool_ = nullptr;
  uint32_t idle_sleep_us_ = 0;
  rte_rcu_qsbr* unmap_guard_ = nullptr;
  std::array<uint8_t, kReplyBufferSize> reply_{};
};

// rte_eal_remote_launch entry point; arg is a LaunchArgs.
struct LaunchArgs {
  Worker* worker;
  const std::atomic<bool>* stop;
};
int WorkerMain(void* arg);

}  // namespace dpdhcp::runtime::internal
