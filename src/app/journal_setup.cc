#include "journal_setup.h"

#include <pthread.h>
#include <rte_lcore.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dpdhcp/journal/kea_csv.h"
#include "dpdhcp/journal/replay.h"

namespace dpdhcp::app {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void Say(const std::string& line) {
  std::printf("dpdhcpd: %s\n", line.c_str());
  std::fflush(stdout);
}

// Leases the store could not take are leases lost: say so loudly.
void ReportInstall(const journal::InstallStats& s) {
  if (s.store_full != 0) {
    Say(absl::StrFormat("warning: %u leases did not fit their lease shard (raise "
                        "--lease-capacity)",
                        s.store_full));
  }
  if (s.claim_conflicts != 0 || s.duplicate_keys != 0) {
    Say(absl::StrFormat("warning: %u leases dropped: their address was already claimed; %u "
                        "repeated clients dropped",
                        s.claim_conflicts, s.duplicate_keys));
  }
  if (s.outside_pools != 0) {
    Say(absl::StrFormat("%u leases hold addresses outside every configured pool (kept, "
                        "unclaimed)",
                        s.outside_pools));
  }
}

absl::StatusOr<uint64_t> Import(const std::string& path, runtime::Dataplane& dp) {
  const Clock::time_point start = Clock::now();
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, " to import leases"));
  auto imported = journal::ImportKeaCsv(in, path);
  if (!imported.ok()) return imported.status();
  const journal::InstallStats s =
      journal::InstallLeases(imported->leases, dp.mutable_leases(), &dp.addresses());
  Say(absl::StrFormat("imported %u leases from %s in %.2f s (%u lines, %u superseded, %u "
                      "deleted, %u older leases of repeated clients)",
                      s.installed, path, SecondsSince(start), imported->stats.lines,
                      imported->stats.superseded, imported->stats.deleted,
                      imported->stats.duplicate_clients));
  ReportInstall(s);
  return s.installed;
}

// The process's CPUs minus those of the worker lcores; all of them when that
// leaves none (a 1-CPU machine, or every CPU polled).
cpu_set_t ControlCpus(const cpu_set_t& process, const runtime::Dataplane& dp) {
  cpu_set_t out = process;
  for (const runtime::WorkerSummary& w : dp.workers()) {
    const rte_cpuset_t lcore = rte_lcore_cpuset(w.lcore);
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &lcore)) CPU_CLR(c, &out);
    }
  }
  return CPU_COUNT(&out) > 0 ? out : process;
}

// Runs fn on a new thread limited to `cpus`: threads it creates (the journal
// thread, oneTBB's workers when it is the first to use oneTBB) inherit them.
template <class Fn>
void RunOn(const cpu_set_t& cpus, Fn&& fn) {
  std::thread t([&] {
    pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
    fn();
  });
  t.join();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LeasePersistence>> LeasePersistence::Start(
    const config::Config& config, runtime::Dataplane& dp, const LeasePersistenceOptions& options) {
  std::unique_ptr<LeasePersistence> p(new LeasePersistence(dp, config));
  p->control_cpus_ = ControlCpus(options.process_cpus, dp);
  const std::string& dir = config.lease_database_name;
  if (config.lease_database_type == "memory") {
    Say("lease database: memory (no journal: leases are lost at restart)");
    if (!options.import_kea_csv.empty()) {
      auto n = Import(options.import_kea_csv, dp);
      if (!n.ok()) return n.status();
    }
    if (absl::Status s = dp.AttachJournal(nullptr, config.durability); !s.ok()) return s;
    return p;
  }

  // Restore before any worker runs: the shards and claims are written here
  // without the workers' ownership rules.
  const Clock::time_point start = Clock::now();
  journal::ReplayOptions ro;
  ro.skip_corrupt = options.skip_corrupt;
  absl::StatusOr<journal::ReplayResult> replayed;
  RunOn(options.process_cpus,
        [&] { replayed = journal::Replay(dir, dp.mutable_leases(), &dp.addresses(), ro); });
  if (!replayed.ok()) {
    const absl::Status& s = replayed.status();
    if (s.code() == absl::StatusCode::kDataLoss && !options.skip_corrupt) {
      return absl::DataLossError(absl::StrCat(
          "lease journal ", dir, ": ", s.message(),
          "; refusing to start. Start with --skip-corrupt-journal to skip the damaged records "
          "(the leases they held are lost), or restore the directory from a backup."));
    }
    return absl::Status(s.code(), absl::StrCat("lease journal ", dir, ": ", s.message()));
  }
  const journal::ReplayResult& r = *replayed;
  for (const journal::TruncatedTail& t : r.truncated) {
    Say(absl::StrFormat("journal: truncated a torn tail of %s at offset %u (%u bytes never "
                        "acknowledged)",
                        t.path, t.offset, t.bytes_dropped));
  }
  if (r.corrupt_skipped != 0) {
    Say(absl::StrFormat("journal: skipped %u corrupt records or snapshot blocks "
                        "(--skip-corrupt-journal)",
                        r.corrupt_skipped));
  }
  Say(absl::StrFormat("replayed %u leases from %s in %.3f s (snapshot %s%u leases, %u segments, "
                      "%u records applied; phase ends ms: snapshot %.0f, segments %.0f, merge "
                      "%.0f, install %.0f)",
                      r.install.installed, dir, SecondsSince(start), r.had_snapshot ? "" : "none, ",
                      r.snapshot_leases, r.segments, r.records_applied, r.timing.snapshot_ms,
                      r.timing.segments_ms, r.timing.merge_ms, r.timing.install_ms));
  ReportInstall(r.install);

  bool imported = false;
  if (!options.import_kea_csv.empty()) {
    if (r.had_snapshot || r.segments != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--import-kea-leases: ", dir,
          " already holds a lease journal; import into an empty lease-database directory (the "
          "imported leases would be mixed with the journal's)"));
    }
    absl::StatusOr<uint64_t> n;
    RunOn(options.process_cpus, [&] { n = Import(options.import_kea_csv, dp); });
    if (!n.ok()) return n.status();
    imported = true;
  }

  journal::JournalOptions jo;
  jo.num_streams = static_cast<uint32_t>(dp.workers().size());
  absl::StatusOr<std::unique_ptr<journal::Journal>> j;
  RunOn(p->control_cpus_, [&] { j = journal::Journal::Open(dir, jo); });
  if (!j.ok()) {
    return absl::Status(j.status().code(),
                        absl::StrCat("lease journal ", dir, ": ", j.status().message()));
  }
  p->journal_ = *std::move(j);
  if (imported) {
    // The imported leases exist only in memory until this snapshot.
    absl::Status s;
    RunOn(options.process_cpus, [&] { s = p->TakeSnapshot("import"); });
    if (!s.ok()) return s;
  }
  if (absl::Status s = dp.AttachJournal(p->journal_.get(), config.durability); !s.ok()) return s;
  Say(absl::StrFormat("lease journal %s: durability %s, %u streams, generation %u", dir,
                      config.durability == config::Durability::kStrict ? "strict" : "relaxed",
                      p->journal_->num_streams(), p->journal_->generation()));
  return p;
}

LeasePersistence::~LeasePersistence() { (void)Shutdown(); }

absl::Status LeasePersistence::TakeSnapshot(const char* why) {
  const Clock::time_point start = Clock::now();
  const uint64_t records = journal_->stats().records;
  auto s = journal_->Snapshot(dataplane_.leases());
  if (!s.ok()) {
    Say(absl::StrCat("journal: ", why, " snapshot failed: ", s.status().message()));
    return s.status();
  }
  records_at_snapshot_ = records;
  snapshots_.fetch_add(1, std::memory_order_relaxed);
  Say(absl::StrFormat("journal: %s snapshot of %u leases (%u bytes) in %.3f s, %u segments "
                      "deleted",
                      why, s->leases, s->bytes, SecondsSince(start), s->segments_deleted));
  return absl::OkStatus();
}

void LeasePersistence::StartCompaction() {
  if (journal_ == nullptr || compaction_.joinable()) return;
  if (lfc_interval_s_ == 0 && lfc_max_bytes_ == 0) return;
  compaction_ = std::thread([this] { CompactionLoop(); });
}

void LeasePersistence::CompactionLoop() {
  pthread_setaffinity_np(pthread_self(), sizeof control_cpus_, &control_cpus_);
  Clock::time_point last = Clock::now();
  while (!stop_compaction_.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const bool due_time =
        lfc_interval_s_ != 0 && Clock::now() - last >= std::chrono::seconds(lfc_interval_s_);
    const uint64_t written = (journal_->stats().records - records_at_snapshot_) * journal::kRecordSize;
    const bool due_size = lfc_max_bytes_ != 0 && written >= lfc_max_bytes_;
    if (!due_time && !due_size) continue;
    // A failure is logged; the next attempt comes at the next trigger.
    (void)TakeSnapshot(due_size ? "size-triggered" : "periodic");
    last = Clock::now();
  }
}

absl::Status LeasePersistence::Shutdown() {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  stop_compaction_.store(true);
  if (compaction_.joinable()) compaction_.join();
  if (journal_ == nullptr) return absl::OkStatus();
  absl::Status status;
  if (!journal_->Sync(std::chrono::seconds(2))) {
    status = absl::DataLossError(
        absl::StrCat("lease journal ", journal_->dir(),
                     ": could not sync every record at shutdown (the disk is failing); no ACK "
                     "was sent for the records lost"));
  } else {
    status = TakeSnapshot("shutdown");
  }
  journal_->Stop();
  return status;
}

}  // namespace dpdhcp::app
