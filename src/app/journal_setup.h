// The lease journal of one dpdhcpd run (DESIGN §6, docs/journal.md):
// restore at start-up, compaction while serving, the last snapshot at
// shutdown. Slow path only; the workers see nothing of it but their
// JournalStream.
//
//   Start     replays Dhcp4.lease-database.name into the dataplane's lease
//             shards and address claims (or imports a Kea CSV into an empty
//             directory), then opens the journal with a stream per worker
//             and attaches it: all before the workers run.
//   StartCompaction  a control thread that snapshots every lfc-interval
//             seconds and once lfc-max-journal-mb MiB of records were written
//             since the last snapshot (off the workers; oneTBB inside).
//   Shutdown  after the workers stopped: every record synced, one last
//             snapshot (the next start reads it instead of the segments),
//             the journal thread stopped.
// Lease database type "memory": no journal; an import still fills the store.
#pragma once

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/journal/journal.h"
#include "dpdhcp/runtime/dataplane.h"

namespace dpdhcp::app {

struct LeasePersistenceOptions {
  // Replay skips corrupt records and snapshot blocks instead of refusing to
  // start (--skip-corrupt-journal).
  bool skip_corrupt = false;
  // A Kea memfile lease CSV to import (--import-kea-leases); the journal
  // directory must hold no journal yet.
  std::string import_kea_csv;
  // The CPUs the process had before the EAL pinned the main thread. Replay
  // runs (with oneTBB) on all of them; the journal thread and the snapshot
  // thread on those no worker lcore uses (all of them when none is left), so
  // that group commit never waits for a busy-polling worker's time slice.
  cpu_set_t process_cpus = AllCpus();
  static cpu_set_t AllCpus() {
    cpu_set_t s;
    CPU_ZERO(&s);
    for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &s);
    return s;
  }
};

class LeasePersistence {
 public:
  static absl::StatusOr<std::unique_ptr<LeasePersistence>> Start(
      const config::Config& config, runtime::Dataplane& dataplane,
      const LeasePersistenceOptions& options);
  ~LeasePersistence();
  LeasePersistence(const LeasePersistence&) = delete;
  LeasePersistence& operator=(const LeasePersistence&) = delete;

  // Starts the snapshot thread (no-op without a journal, or when both
  // triggers are 0).
  void StartCompaction();
  // Once the workers have stopped: stops the snapshot thread, syncs, takes
  // the last snapshot, stops the journal. Idempotent.
  absl::Status Shutdown();

  // nullptr for lease-database type "memory". For status reports
  // (healthy(), stats(), stream(i).durable_sequence()).
  const journal::Journal* journal() const { return journal_.get(); }
  config::Durability durability() const { return durability_; }
  // Snapshots taken by this run (periodic, size-triggered, import, shutdown).
  uint64_t snapshots() const { return snapshots_.load(std::memory_order_relaxed); }

 private:
  LeasePersistence(const runtime::Dataplane& dataplane, const config::Config& config)
      : dataplane_(dataplane),
        durability_(config.durability),
        lfc_interval_s_(config.lfc_interval),
        lfc_max_bytes_(uint64_t{config.lfc_max_journal_mb} << 20) {}
  absl::Status TakeSnapshot(const char* why);
  void CompactionLoop();

  const runtime::Dataplane& dataplane_;
  const config::Durability durability_;
  const uint32_t lfc_interval_s_;
  const uint64_t lfc_max_bytes_;
  std::unique_ptr<journal::Journal> journal_;
  uint64_t records_at_snapshot_ = 0;  // journal stats().records at the last snapshot
  std::atomic<uint64_t> snapshots_{0};
  std::atomic<bool> stop_compaction_{false};
  cpu_set_t control_cpus_;  // for the journal and snapshot threads
  std::thread compaction_;
  bool shut_down_ = false;
};

}  // namespace dpdhcp::app
