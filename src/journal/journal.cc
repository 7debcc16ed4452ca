#include "dpdhcp/journal/journal.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dpdhcp/journal/segment_files.h"
#include "internal.h"
#include "tbb/parallel_for.h"
#include "tbb/task_arena.h"

namespace dpdhcp::journal {

using Clock = std::chrono::steady_clock;

namespace {

// Up to this many fdatasync calls run at once (one per stream written in a
// group): ext4 and XFS fold concurrent fsyncs into one journal commit, so
// syncing N streams in parallel costs about one sync, not N. They run in a
// oneTBB arena of their own, so at most as many at once as TBB has threads
// (the cores; keep the worker lcores out of the scheduler with isolcpus).
constexpr int kMaxParallelSyncs = 16;
constexpr uint32_t kMaxStreams = 1024;

// The last record of a segment, read with pread (Open checks it and takes
// its generation).
absl::StatusOr<Record> ReadLastRecord(const SegmentFile& seg) {
  const int fd = ::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(seg.path, ": open: ", internal::ErrnoText(errno)));
  }
  uint8_t buf[kRecordSize];
  const uint64_t offset = seg.size - kRecordSize;
  const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(offset));
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof buf)) {
    return absl::UnavailableError(absl::StrCat(seg.path, ": read: ", internal::ErrnoText(err)));
  }
  Record r;
  const RecordError e = DecodeRecord(buf, &r);
  const uint64_t expected = seg.first_sequence + seg.size / kRecordSize - 1;
  if (e != RecordError::kOk || r.sequence != expected) {
    return absl::FailedPreconditionError(absl::StrCat(
        seg.path, ": offset ", offset, ": last record is torn or corrupt (",
        internal::Sv(e != RecordError::kOk ? RecordErrorName(e) : "wrong sequence number"),
        "); run Replay on the directory first, it truncates torn tails"));
  }
  return r;
}

}  // namespace

struct Journal::Writer {
  JournalStream* ring = nullptr;
  int fd = -1;
  uint64_t segment_first = 0;  // first sequence of the open segment; 0: none
  std::string segment_path;
  bool dir_synced = false;  // the segment's directory entry is durable
  uint64_t written = 0;     // ring positions before this are written to the file
  uint64_t synced = 0;      // ... and before this are durable
  bool failed = false;
  Clock::time_point retry_at{};

  uint64_t FileOffset(uint64_t position) const {
    return (ring->first_sequence() + position - segment_first) * kRecordSize;
  }
};

struct Journal::ThreadState {
  explicit ThreadState(int sync_threads) : sync_arena(sync_threads) {}
  tbb::task_arena sync_arena;
  internal::RateLimitedLog log;
  std::atomic<uint64_t> groups{0}, records{0}, syncs{0}, write_errors{0}, sync_errors{0},
      last_group{0}, max_group{0}, segments_created{0};
  // Relaxed single-writer increments (journal thread only).
  static void Add(std::atomic<uint64_t>& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(const std::string& dir,
                                                       const JournalOptions& options) {
  if (options.num_streams == 0 || options.num_streams > kMaxStreams) {
    return absl::InvalidArgumentError(
        absl::StrCat("journal: num_streams must be 1..", kMaxStreams, ", not ", options.num_streams));
  }
  if (options.max_group_records == 0 || options.segment_bytes < kRecordSize ||
      options.ring_records == 0) {
    return absl::InvalidArgumentError(
        "journal: max_group_records, ring_records and segment_bytes (>= 64) must be positive");
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat(dir, ": mkdir: ", internal::ErrnoText(errno)));
  }
  FileOps& ops = options.file_ops != nullptr ? *options.file_ops : PosixFileOps();
  auto segments = ListSegments(dir);
  if (!segments.ok()) return segments.status();

  // Where each stream stands on disk: the snapshot's coverage and the
  // segments' last records.
  std::map<uint32_t, uint64_t> last_seq;
  uint32_t max_generation = 0;
  auto snap = internal::MappedFile::Open(absl::StrCat(dir, "/", internal::Sv(kSnapshotFileName)));
  if (snap.ok()) {
    auto header = ParseSnapshotHeader(snap->bytes(), absl::StrCat(dir, "/", internal::Sv(kSnapshotFileName)));
    if (!header.ok()) return header.status();
    max_generation = header->generation;
    for (const StreamCoverage& c : header->covered) last_seq[c.stream] = c.sequence;
  } else if (!absl::IsNotFound(snap.status())) {
    return snap.status();
  }
  const std::vector<SegmentFile>& segs = *segments;
  for (size_t i = 0; i < segs.size(); ++i) {
    const SegmentFile& s = segs[i];
    const bool last_of_stream = i + 1 == segs.size() || segs[i + 1].stream != s.stream;
    uint64_t& seq = last_seq[s.stream];
    seq = std::max(seq, s.first_sequence - 1);
    if (s.size >= kRecordSize) seq = std::max(seq, s.first_sequence + s.size / kRecordSize - 1);
    if (!last_of_stream) continue;
    if (s.size % kRecordSize != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(s.path, ": size ", s.size, " is not a whole number of records (torn tail); ",
                       "run Replay on the directory first, it truncates torn tails"));
    }
    // The newest non-empty segment of the stream holds its newest generation.
    for (size_t k = i + 1; k-- > 0 && segs[k].stream == s.stream;) {
      if (segs[k].size < kRecordSize) continue;
      auto r = ReadLastRecord(segs[k]);
      if (!r.ok()) return r.status();
      max_generation = std::max(max_generation, r->generation);
      break;
    }
  }
  if (max_generation == UINT32_MAX) {
    return absl::FailedPreconditionError(absl::StrCat(dir, ": journal generation exhausted"));
  }

  const int dir_fd = ops.Open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir_fd < 0) {
    return absl::UnavailableError(absl::StrCat(dir, ": open: ", internal::ErrnoText(-dir_fd)));
  }
  std::unique_ptr<Journal> j(new Journal(dir, options, dir_fd, max_generation + 1));
  for (const auto& [stream, seq] : last_seq) j->floor_.push_back({stream, seq});
  for (uint32_t w = 0; w < options.num_streams; ++w) {
    const auto it = last_seq.find(w);
    const uint64_t first = (it == last_seq.end() ? 0 : it->second) + 1;
    j->streams_.push_back(
        std::make_unique<JournalStream>(w, j->generation_, first, options.ring_records));
    auto writer = std::make_unique<Writer>();
    writer->ring = j->streams_.back().get();
    j->writers_.push_back(std::move(writer));
  }
  j->thread_ = std::thread([p = j.get()] { p->Run(); });
  return j;
}

Journal::Journal(std::string dir, const JournalOptions& options, int dir_fd, uint32_t generation)
    : dir_(std::move(dir)),
      options_(options),
      ops_(options.file_ops != nullptr ? *options.file_ops : PosixFileOps()),
      dir_fd_(dir_fd),
      generation_(generation),
      state_(std::make_unique<ThreadState>(
          static_cast<int>(std::min<uint32_t>(options.num_streams, kMaxParallelSyncs)))) {}

Journal::~Journal() { Stop(); }

void Journal::Stop() {
  if (stopped_.exchange(true)) return;
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
  for (auto& w : writers_) {
    if (w->fd >= 0) ops_.Close(w->fd);
    w->fd = -1;
  }
  ops_.Close(dir_fd_);
}

JournalStats Journal::stats() const {
  const ThreadState& s = *state_;
  JournalStats out;
  out.groups = s.groups.load(std::memory_order_relaxed);
  out.records = s.records.load(std::memory_order_relaxed);
  out.syncs = s.syncs.load(std::memory_order_relaxed);
  out.write_errors = s.write_errors.load(std::memory_order_relaxed);
  out.sync_errors = s.sync_errors.load(std::memory_order_relaxed);
  out.last_group_records = s.last_group.load(std::memory_order_relaxed);
  out.max_group_records = s.max_group.load(std::memory_order_relaxed);
  out.segments_created = s.segments_created.load(std::memory_order_relaxed);
  return out;
}

bool Journal::Sync(std::chrono::milliseconds timeout) {
  std::vector<uint64_t> target;
  for (const auto& s : streams_) target.push_back(s->appended_sequence());
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    bool done = true;
    for (size_t i = 0; i < streams_.size() && done; ++i) {
      done = streams_[i]->durable_sequence() >= target[i];
    }
    if (done) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

// ---- The journal thread. ----

uint64_t Journal::PendingRecords() const {
  uint64_t n = 0;
  for (const auto& w : writers_) {
    if (!w->failed) n += w->ring->published() - w->written;
  }
  return n;
}

bool Journal::AllDurable() const {
  for (const auto& w : writers_) {
    if (w->ring->published() != w->synced) return false;
  }
  return true;
}

void Journal::UpdateHealth() {
  bool ok = true;
  for (const auto& w : writers_) ok = ok && !w->failed;
  healthy_.store(ok, std::memory_order_relaxed);
}

void Journal::Fail(Writer& w, const char* op, int err) {
  ThreadState::Add(std::string_view(op) == "fdatasync" ? state_->sync_errors : state_->write_errors, 1);
  if (w.fd >= 0) ops_.Close(w.fd);
  w.fd = -1;
  // Everything after the last good offset is written again on the retry:
  // after a failed write or fdatasync the page cache may hold anything.
  w.written = w.synced;
  w.failed = true;
  w.retry_at = Clock::now() + options_.retry_interval;
  healthy_.store(false, std::memory_order_relaxed);
  state_->log.Log(absl::StrFormat(
      "stream %u: %s %s: %s; %u records kept in memory, durable up to sequence %u; retrying "
      "every %d ms",
      w.ring->index(), op, w.segment_path, internal::ErrnoText(err),
      w.ring->published() - w.synced, w.ring->durable_sequence(),
      static_cast<int>(options_.retry_interval.count())));
}

bool Journal::WriteStream(Writer& w, uint64_t end) {
  if (end == w.written) return true;
  JournalStream& ring = *w.ring;
  if (w.fd < 0) {
    if (w.segment_first == 0) {
      // A new segment starts at a group boundary (written == synced).
      w.segment_first = ring.first_sequence() + w.written;
      w.segment_path = absl::StrCat(dir_, "/", SegmentFileName(ring.index(), w.segment_first));
      w.dir_synced = false;
    }
    // No O_TRUNC: on a retry the file holds durable records to keep.
    const int fd = ops_.Open(w.segment_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      Fail(w, "open", -fd);
      return false;
    }
    w.fd = fd;
    if (!w.dir_synced) {
      if (const int r = ops_.Fsync(dir_fd_); r != 0) {
        Fail(w, "fsync directory for", -r);
        return false;
      }
      w.dir_synced = true;
      ThreadState::Add(state_->segments_created, 1);
    }
  }
  for (uint64_t p = w.written; p < end; ++p) SealRecord(ring.slot(p));
  // At most two runs: the ring wraps at most once.
  struct iovec iov[2];
  int iovcnt = 0;
  for (uint64_t p = w.written; p < end;) {
    const size_t run = ring.ContiguousRun(p, end - p);
    iov[iovcnt++] = {ring.slot(p), run * kRecordSize};
    p += run;
  }
  uint64_t offset = w.FileOffset(w.written);
  struct iovec* next = iov;
  while (iovcnt > 0) {
    const int64_t n = ops_.Pwritev(w.fd, next, iovcnt, static_cast<int64_t>(offset));
    if (n <= 0) {
      Fail(w, "write", n < 0 ? static_cast<int>(-n) : EIO);
      return false;
    }
    // A short write (the disk filling up): continue after it.
    offset += static_cast<uint64_t>(n);
    for (size_t left = static_cast<size_t>(n); left > 0;) {
      const size_t take = std::min(left, next->iov_len);
      next->iov_base = static_cast<uint8_t*>(next->iov_base) + take;
      next->iov_len -= take;
      left -= take;
      if (next->iov_len == 0) {
        ++next;
        --iovcnt;
      }
    }
  }
  w.written = end;
  return true;
}

void Journal::SyncStreams(const std::vector<Writer*>& dirty) {
  if (dirty.empty()) return;
  std::vector<int> result(dirty.size(), 0);
  if (dirty.size() == 1) {
    result[0] = ops_.Fdatasync(dirty[0]->fd);
  } else {
    state_->sync_arena.execute([&] {
      tbb::parallel_for(size_t{0}, dirty.size(), [&](size_t i) {
        result[i] = ops_.Fdatasync(dirty[i]->fd);
      });
    });
  }
  uint64_t group = 0;
  for (size_t i = 0; i < dirty.size(); ++i) {
    Writer& w = *dirty[i];
    if (result[i] != 0) {
      Fail(w, "fdatasync", -result[i]);
      continue;
    }
    ThreadState::Add(state_->syncs, 1);
    group += w.written - w.synced;
    w.synced = w.written;
    w.ring->Retire(w.synced);
    if (w.failed) {
      w.failed = false;
      internal::LogLine(absl::StrFormat("stream %u: %s writable again, durable up to sequence %u",
                                        w.ring->index(), w.segment_path,
                                        w.ring->durable_sequence()));
    }
    if (w.FileOffset(w.synced) >= options_.segment_bytes) {
      ops_.Close(w.fd);
      w.fd = -1;
      w.segment_first = 0;  // the next write starts a new segment
    }
  }
  if (group > 0) {
    ThreadState::Add(state_->groups, 1);
    ThreadState::Add(state_->records, group);
    state_->last_group.store(group, std::memory_order_relaxed);
    if (group > state_->max_group.load(std::memory_order_relaxed)) {
      state_->max_group.store(group, std::memory_order_relaxed);
    }
  }
  UpdateHealth();
}

uint64_t Journal::GroupEnd(const Writer& w) const {
  return std::min(w.ring->published(), w.written + options_.max_group_records);
}

void Journal::CommitGroup() {
  std::vector<Writer*> dirty;
  for (auto& w : writers_) {
    if (w->failed) continue;
    if (WriteStream(*w, GroupEnd(*w)) && w->written != w->synced) dirty.push_back(w.get());
  }
  SyncStreams(dirty);
}

void Journal::RetryFailed(Clock::time_point now) {
  for (auto& w : writers_) {
    if (!w->failed || now < w->retry_at) continue;
    if (WriteStream(*w, GroupEnd(*w))) SyncStreams({w.get()});
  }
}

void Journal::Run() {
  pthread_setname_np(pthread_self(), "dpdhcp-journal");
  // nanosleep wakes up to 50 µs late by default; the poll interval is 20 µs.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  bool group_open = false;
  Clock::time_point group_start{};
  uint64_t last_pending = 0;
  bool stopping = false;
  Clock::time_point stop_deadline{};
  Clock::time_point last_record = Clock::now();
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (!stopping && stop_.load(std::memory_order_acquire)) {
      stopping = true;
      stop_deadline = now + options_.stop_timeout;
    }
    RetryFailed(now);
    const uint64_t pending = PendingRecords();
    if (pending == 0) {
      group_open = false;
      if (stopping && (AllDurable() || now >= stop_deadline)) break;
      const bool idle = !stopping && now - last_record >= options_.idle_after;
      std::this_thread::sleep_for(idle ? options_.idle_poll_interval : options_.poll_interval);
      continue;
    }
    last_record = now;
    if (!group_open) {
      group_open = true;
      group_start = now;
    } else if (!stopping && pending < options_.max_group_records &&
               now - group_start < options_.max_group_delay && pending != last_pending) {
      // Still growing: wait for more (rule 3 of the header comment).
    } else {
      CommitGroup();
      group_open = false;
      continue;
    }
    last_pending = pending;
    if (stopping || pending >= options_.max_group_records) continue;  // close at once
    const auto left = options_.max_group_delay - (now - group_start);
    std::this_thread::sleep_for(std::min<Clock::duration>(options_.poll_interval, left));
  }
  uint64_t lost = 0;
  for (const auto& w : writers_) lost += w->ring->published() - w->synced;
  if (lost > 0) {
    internal::LogLine(absl::StrCat("stopping with ", lost,
                                   " records not durable: the disk kept failing"));
  }
}

// ---- Snapshot and compaction (a control thread). ----

absl::StatusOr<SnapshotResult> Journal::Snapshot(const lease::LeaseStore& leases) {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  // Coverage first, the walk after (docs/journal.md, "Snapshot"): every
  // record up to covered[w] was appended after its change reached the store,
  // so the walk sees that change or a later one.
  std::map<uint32_t, uint64_t> covered;
  for (const StreamCoverage& f : floor_) covered[f.stream] = f.sequence;
  for (const auto& s : streams_) {
    covered[s->index()] = std::max(covered[s->index()], s->appended_sequence());
  }
  SnapshotResult result;
  for (const auto& [stream, seq] : covered) result.covered.push_back({stream, seq});
  auto written = WriteSnapshot(dir_, leases, generation_, result.covered, ops_);
  if (!written.ok()) return written.status();
  result.leases = written->leases;
  result.bytes = written->bytes;

  // Compaction: a segment whose records are all covered goes, except the
  // newest of a live stream (the journal thread may be writing it).
  auto segments = ListSegments(dir_);
  if (!segments.ok()) return segments.status();
  const std::vector<SegmentFile>& segs = *segments;
  for (size_t i = 0; i < segs.size(); ++i) {
    const SegmentFile& s = segs[i];
    const auto it = covered.find(s.stream);
    if (it == covered.end()) continue;
    const bool has_next = i + 1 < segs.size() && segs[i + 1].stream == s.stream;
    bool remove = false;
    if (has_next) {
      remove = segs[i + 1].first_sequence - 1 <= it->second;
    } else if (s.stream >= num_streams() && s.size % kRecordSize == 0) {
      remove = s.first_sequence + s.size / kRecordSize - 1 <= it->second;
    }
    if (!remove) continue;
    if (const int r = ops_.Unlink(s.path); r != 0) {
      internal::LogLine(absl::StrCat(s.path, ": cannot delete: ", internal::ErrnoText(-r)));
      continue;
    }
    ++result.segments_deleted;
  }
  // Not needed for correctness (a segment that reappears after a crash is
  // covered and skipped), only to free the space for sure.
  if (result.segments_deleted > 0) ops_.Fsync(dir_fd_);
  return result;
}

}  // namespace dpdhcp::journal
