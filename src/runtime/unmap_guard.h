// Keeps a PMD's shared memory mapped while a worker may still be inside an
// rx/tx burst on it (private to the runtime module).
//
// Why: DPDK 22.11's memif PMD handles a peer's disconnect (the peer exits,
// is killed, or sends DISCONNECT) on the EAL interrupt thread:
// memif_disconnect() clears ETH_MEMIF_FLAG_CONNECTED and then
// memif_free_regions() munmap()s the shared rings and packet buffers. Nothing
// synchronises that with the lcore polling the port: eth_memif_rx() tests the
// flag on entry and then reads ring->head, so a worker that passed the test
// just before the flag was cleared (more likely when it is preempted there)
// reads unmapped memory and dpdhcpd dies with SIGSEGV when its peer goes away.
// A PMD's munmap() is not something an application can hook per device, so
// the process's munmap() itself (defined in unmap_guard.cc, exported from the
// executable so that the dlopen()ed PMDs bind to it) first waits for a grace
// period: each online worker finishes the loop iteration it is in
// (quiescent-state RCU, DPDK's rte_rcu_qsbr). A worker that starts its next
// iteration after the wait began sees the flag cleared and does not touch
// the rings; the PMD unmaps only after that.
//
// Cost: one rte_rcu_qsbr_quiescent() per loop iteration (a load of a
// rarely-written token and, when it moved, one store); an munmap() while
// the workers run waits at most one loop iteration. With no guard active
// (before the dataplane runs, after it closes, in tools without one) munmap()
// is the plain system call.
#pragma once

#include <rte_rcu_qsbr.h>

#include <cstdint>

#include "absl/status/statusor.h"

namespace dpdhcp::runtime::internal {

class UnmapGuard {
 public:
  static constexpr int kMaxActive = 8;

  // Registers `workers` reader threads (ids 0..workers-1, all offline) and
  // makes munmap() wait for them. Up to kMaxActive guards (dataplanes) may be
  // active in a process at once.
  static absl::StatusOr<UnmapGuard*> Create(uint32_t workers);
  // Deactivates the guard (waiting for munmap() calls inside it) and frees it.
  static void Destroy(UnmapGuard* guard);

  rte_rcu_qsbr* qsbr() { return qsbr_; }

 private:
  explicit UnmapGuard(rte_rcu_qsbr* qsbr) : qsbr_(qsbr) {}
  rte_rcu_qsbr* qsbr_;
};

// Marks the calling thread as reader `id` of `qsbr` (nullptr: of none): its
// own munmap() calls then report it quiescent rather than wait for it.
void SetUnmapGuardThread(rte_rcu_qsbr* qsbr, uint32_t id);

// The grace-period wait munmap() does; exposed for the unit test.
void WaitForUnmapGrace();

// A polling thread's part in a guard, for the length of its poll loop: reader
// `id` of `qsbr`, online and known as that reader (SetUnmapGuardThread) from
// construction to destruction. With no guard (qsbr == nullptr) it does
// nothing.
class UnmapGuardReader {
 public:
  UnmapGuardReader(rte_rcu_qsbr* qsbr, uint32_t id) : qsbr_(qsbr), id_(id) {
    if (qsbr_ == nullptr) return;
    SetUnmapGuardThread(qsbr_, id_);
    rte_rcu_qsbr_thread_online(qsbr_, id_);
  }
  ~UnmapGuardReader() {
    if (qsbr_ == nullptr) return;
    rte_rcu_qsbr_thread_offline(qsbr_, id_);
    SetUnmapGuardThread(nullptr, RTE_QSBR_THRID_INVALID);
  }
  UnmapGuardReader(const UnmapGuardReader&) = delete;
  UnmapGuardReader& operator=(const UnmapGuardReader&) = delete;

  // Between loop iterations: the thread holds no pointer into a PMD's
  // memory, so a pending munmap() may go ahead.
  void Quiescent() {
    if (qsbr_ != nullptr) rte_rcu_qsbr_quiescent(qsbr_, id_);
  }
  // Around a sleep: an munmap() need not wait for it.
  void Offline() {
    if (qsbr_ != nullptr) rte_rcu_qsbr_thread_offline(qsbr_, id_);
  }
  void Online() {
    if (qsbr_ != nullptr) rte_rcu_qsbr_thread_online(qsbr_, id_);
  }

 private:
  rte_rcu_qsbr* const qsbr_;
  const uint32_t id_;
};

}  // namespace dpdhcp::runtime::internal
