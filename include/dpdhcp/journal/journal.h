// The lease journal: per-worker record streams, one background thread that
// writes them to segment files and fdatasyncs them in groups, and snapshots
// that bound restart time (DESIGN §6; format and protocol in docs/journal.md).
//
//   worker w ──Append──▶ JournalStream w (SPSC ring) ──▶ journal thread:
//                                     write to stream-<w>-<seq>.seg, fdatasync
//   worker w ◀──durable_sequence()── (release store after each group commit)
//
// Group commit. The journal thread collects the records the workers append
// into a group and closes it (one write per stream, then one fdatasync per
// stream written, in parallel) when
//   1. the group holds max_group_records records (of one stream; more wait
//      for the next group), or
//   2. max_group_delay has passed since its first record, or
//   3. no record arrived during the last poll_interval (waiting longer would
//      only add latency).
// Then it publishes each stream's durable sequence. Under load a group is
// what arrived during the previous commit, so the commit rate stays at the
// disk's fdatasync rate while the record rate grows with the workers.
//
// Failure. A failed open, write or fdatasync marks the stream failing and the
// journal unhealthy: its records stay in its ring (which stops draining, so
// Append eventually returns nullopt), its durable sequence never passes what
// is on disk, one line per second at most goes to stderr, and every
// retry_interval the thread reopens the segment and rewrites every record not
// yet durable from the last good offset (the page cache is not trusted after
// a failed fdatasync), then syncs again. Records already on disk are never
// truncated or rewritten.
//
// Threads: Open, Snapshot, Stop and the destructor from a control thread;
// stream(i) hands each worker its producer end; healthy() and stats() from
// anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/journal/file_ops.h"
#include "dpdhcp/journal/journal_stream.h"
#include "dpdhcp/journal/snapshot.h"
#include "dpdhcp/lease/lease_store.h"

namespace dpdhcp::journal {

struct JournalOptions {
  uint32_t num_streams = 1;          // one per worker
  uint32_t ring_records = 1u << 16;  // per stream, rounded up to a power of two (64 B each)
  uint64_t segment_bytes = uint64_t{64} << 20;  // a new segment once one reaches this size
  uint32_t max_group_records = 16384;
  std::chrono::microseconds max_group_delay{1000};
  std::chrono::microseconds poll_interval{20};
  // After idle_after with no record, the thread polls every idle_poll_interval
  // instead: an idle server does not wake 50,000 times a second, and the first
  // record after a lull waits at most that much longer (well under the group
  // commit's own fdatasync time).
  std::chrono::milliseconds idle_after{10};
  std::chrono::microseconds idle_poll_interval{250};
  std::chrono::milliseconds retry_interval{100};  // after a write or sync error
  // Stop() gives up on a failing disk after this long (the records it could
  // not write are lost, and said so on stderr).
  std::chrono::milliseconds stop_timeout{2000};
  FileOps* file_ops = nullptr;  // nullptr: PosixFileOps()
};

struct JournalStats {
  uint64_t groups = 0;            // group commits that synced at least one stream
  uint64_t records = 0;           // records made durable
  uint64_t syncs = 0;             // successful fdatasync calls
  uint64_t write_errors = 0;      // failed open/write calls
  uint64_t sync_errors = 0;       // failed fdatasync calls
  uint64_t last_group_records = 0;
  uint64_t max_group_records = 0;
  uint64_t segments_created = 0;
};

struct SnapshotResult {
  uint64_t leases = 0;
  uint64_t bytes = 0;
  uint64_t segments_deleted = 0;
  std::vector<StreamCoverage> covered;
};

class Journal {
 public:
  // Opens (creating it if needed) the journal directory and starts the
  // journal thread. Run Replay on the directory first: Open refuses a stream
  // whose last segment ends in a torn record (Replay truncates it), and a
  // snapshot taken later covers the replayed history only if the store holds
  // it. Sequence numbers continue each stream's numbering on disk; the
  // generation is one more than any on disk.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(const std::string& dir,
                                                       const JournalOptions& options);
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();  // Stop()

  uint32_t num_streams() const { return static_cast<uint32_t>(streams_.size()); }
  // Worker i's producer end.
  JournalStream& stream(uint32_t i) { return *streams_[i]; }
  const JournalStream& stream(uint32_t i) const { return *streams_[i]; }
  uint32_t generation() const { return generation_; }
  const std::string& dir() const { return dir_; }

  // False while a write or fdatasync is failing (any thread, relaxed).
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  JournalStats stats() const;

  // Blocks until every record appended before the call is durable; false on
  // timeout (the disk is failing). Slow path: shutdown, tests, tools.
  bool Sync(std::chrono::milliseconds timeout);

  // Writes a snapshot of `leases` (crash-safe rename protocol, snapshot.h),
  // then deletes the segments it covers entirely. Runs on the calling thread
  // (with oneTBB inside) while workers keep appending: records appended
  // during the walk stay in segments and replay on top of it. The workers
  // must store each lease change before appending its record
  // (JournalStream::Append). One snapshot at a time (later calls wait).
  absl::StatusOr<SnapshotResult> Snapshot(const lease::LeaseStore& leases);

  // Writes and syncs what the rings hold, then stops the thread. Call after
  // the workers stopped appending. Idempotent.
  void Stop();

 private:
  struct Writer;
  Journal(std::string dir, const JournalOptions& options, int dir_fd, uint32_t generation);
  void Run();
  uint64_t PendingRecords() const;
  bool AllDurable() const;
  uint64_t GroupEnd(const Writer& w) const;
  void CommitGroup();
  bool WriteStream(Writer& w, uint64_t end);
  void SyncStreams(const std::vector<Writer*>& dirty);
  void RetryFailed(std::chrono::steady_clock::time_point now);
  void Fail(Writer& w, const char* op, int err);
  void UpdateHealth();

  const std::string dir_;
  const JournalOptions options_;
  FileOps& ops_;
  const int dir_fd_;
  const uint32_t generation_;
  std::vector<std::unique_ptr<JournalStream>> streams_;
  std::vector<std::unique_ptr<Writer>> writers_;  // journal-thread-private
  // Last sequence on disk at Open of each stream index ever seen (including
  // streams of earlier runs with more workers): what a snapshot covers of
  // streams that no worker writes now.
  std::vector<StreamCoverage> floor_;

  std::atomic<bool> healthy_{true};
  std::atomic<bool> stop_{false};
  std::atomic<bool> stopped_{false};
  std::mutex snapshot_mu_;
  std::thread thread_;

  // Statistics, the sync thread pool and the error log (journal.cc).
  struct ThreadState;
  std::unique_ptr<ThreadState> state_;
};

}  // namespace dpdhcp::journal
