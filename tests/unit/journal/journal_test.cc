// The journal thread: group commit, restart numbering, and what happens when
// the disk fails (injected errors, and a real full tmpfs when run as root).
#include "dpdhcp/journal/journal.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dpdhcp/journal/replay.h"
#include "dpdhcp/journal/segment_files.h"
#include "test_util.h"

namespace dpdhcp::journal {
namespace {

using lease::LeaseState;
using lease::LeaseStore;
using testing::Apply;
using testing::Eventually;
using testing::FaultyFileOps;
using testing::LiveLeases;
using testing::MakeLease;

constexpr auto kLong = std::chrono::milliseconds(30000);

JournalOptions SmallOptions(uint32_t streams = 1) {
  JournalOptions o;
  o.num_streams = streams;
  o.ring_records = 1024;
  o.segment_bytes = 64 * 1024;
  o.retry_interval = std::chrono::milliseconds(2);
  return o;
}

std::unique_ptr<Journal> OpenOrDie(const std::string& dir, const JournalOptions& o) {
  auto j = Journal::Open(dir, o);
  EXPECT_TRUE(j.ok()) << j.status();
  return j.ok() ? *std::move(j) : nullptr;
}

ReplayResult ReplayOrDie(const std::string& dir, LeaseStore& store,
                         const ReplayOptions& options = {}) {
  auto r = Replay(dir, store, nullptr, options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ReplayResult{};
}

// Each test's journal lives in a fresh directory, dir_; OpenFaulty's journal
// makes its system calls through ops_, which fails them on demand.
class JournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<Journal> OpenFaulty(JournalOptions o = SmallOptions()) {
    o.file_ops = &ops_;
    return OpenOrDie(dir_.path(), o);
  }

  // Appends lease 0 on `s` and holds the fdatasync of its group: what is
  // appended until ops_.hold_sync is cleared forms the next group. False if
  // the sync never started.
  bool HoldFirstSync(LeaseStore& live, JournalStream& s) {
    ops_.hold_sync = true;
    Apply(live, s, MakeLease(0));
    return Eventually([&] { return ops_.held_syncs.load() == 1; });
  }

  testing::TempDir dir_;
  FaultyFileOps ops_;
};

TEST_F(JournalTest, AppendedRecordsBecomeDurableAndReplay) {
  LeaseStore live(4, 4096);
  auto j = OpenOrDie(dir_.path(), SmallOptions(2));
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(j->generation(), 1u);
  for (uint32_t c = 0; c < 3000; ++c) {
    Apply(live, j->stream(c % 2), MakeLease(c));
    if (c % 3 == 0) Apply(live, j->stream(c % 2), MakeLease(c, LeaseState::kReleased));
  }
  ASSERT_TRUE(j->Sync(kLong));
  EXPECT_EQ(j->stream(0).durable_sequence(), j->stream(0).last_sequence());
  EXPECT_EQ(j->stream(1).durable_sequence(), j->stream(1).last_sequence());
  EXPECT_EQ(j->stats().records, 4000u);
  EXPECT_TRUE(j->healthy());
  j->Stop();
  EXPECT_GT(j->stats().segments_created, 2u) << "64 KiB segments: 1024 records each";

  LeaseStore replayed(4, 4096);
  const ReplayResult r = ReplayOrDie(dir_.path(), replayed);
  EXPECT_EQ(r.records_read, 4000u);
  EXPECT_EQ(r.records_applied, 4000u);
  EXPECT_EQ(r.install.installed, 2000u);
  EXPECT_EQ(LiveLeases(replayed), LiveLeases(live));
}

TEST_F(JournalTest, ReopenContinuesSequencesWithANewGeneration) {
  LeaseStore live(1, 64);
  {
    auto j = OpenOrDie(dir_.path(), SmallOptions());
    for (uint32_t c = 0; c < 5; ++c) Apply(live, j->stream(0), MakeLease(c));
  }  // the destructor drains and syncs
  {
    auto j = OpenOrDie(dir_.path(), SmallOptions());
    EXPECT_EQ(j->generation(), 2u);
    EXPECT_EQ(j->stream(0).first_sequence(), 6u);
    EXPECT_EQ(Apply(live, j->stream(0), MakeLease(9)), 6u);
  }
  EXPECT_EQ(testing::SegmentNames(dir_.path()),
            (std::vector<std::string>{SegmentFileName(0, 1), SegmentFileName(0, 6)}));
  LeaseStore replayed(1, 64);
  const ReplayResult r = ReplayOrDie(dir_.path(), replayed);
  EXPECT_EQ(r.records_read, 6u);
  EXPECT_EQ(r.max_generation, 2u);
  EXPECT_EQ(LiveLeases(replayed), LiveLeases(live));
}

TEST_F(JournalTest, OpenRefusesATornTailUntilReplayTruncatesIt) {
  LeaseStore live(1, 64);
  {
    auto j = OpenOrDie(dir_.path(), SmallOptions());
    for (uint32_t c = 0; c < 3; ++c) Apply(live, j->stream(0), MakeLease(c));
  }
  const std::string seg = dir_.Sub(SegmentFileName(0, 1));
  {
    std::ofstream f(seg, std::ios::app | std::ios::binary);
    f << "torn";
  }
  auto refused = Journal::Open(dir_.path(), SmallOptions());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find(seg), std::string::npos) << refused.status();

  LeaseStore replayed(1, 64);
  const ReplayResult r = ReplayOrDie(dir_.path(), replayed);
  ASSERT_EQ(r.truncated.size(), 1u);
  EXPECT_EQ(r.truncated[0].offset, 3 * kRecordSize);
  EXPECT_EQ(r.truncated[0].bytes_dropped, 4u);
  EXPECT_EQ(std::filesystem::file_size(seg), 3 * kRecordSize);
  EXPECT_TRUE(Journal::Open(dir_.path(), SmallOptions()).ok());
}

// While an fdatasync is held, records pile up in the ring; they all go in the
// next group: one write and one sync for all of them.
TEST_F(JournalTest, RecordsArrivingDuringASyncFormOneGroup) {
  auto j = OpenFaulty();
  LeaseStore live(1, 1024);
  ASSERT_TRUE(HoldFirstSync(live, j->stream(0)));
  for (uint32_t c = 1; c <= 500; ++c) Apply(live, j->stream(0), MakeLease(c));
  EXPECT_EQ(j->stream(0).durable_sequence(), 0u);
  ops_.hold_sync = false;
  ASSERT_TRUE(j->Sync(kLong));
  const JournalStats st = j->stats();
  EXPECT_EQ(st.records, 501u);
  EXPECT_EQ(st.max_group_records, 500u);
  EXPECT_EQ(st.groups, 2u);
  EXPECT_EQ(st.syncs, 2u);
}

// Disk full: the stream keeps its records in memory, Append fails once the
// ring is full, nothing is reported durable that is not, and the journal
// resumes by itself once writes work again.
TEST_F(JournalTest, WriteErrorKeepsRecordsAndResumes) {
  JournalOptions o = SmallOptions();
  o.ring_records = 64;
  auto j = OpenFaulty(o);
  LeaseStore live(1, 1024);
  JournalStream& s = j->stream(0);
  for (uint32_t c = 0; c < 10; ++c) Apply(live, s, MakeLease(c));
  ASSERT_TRUE(j->Sync(kLong));
  EXPECT_EQ(s.durable_sequence(), 10u);

  ops_.write_errno = ENOSPC;
  uint32_t accepted = 0;
  for (uint32_t c = 10; c < 200; ++c) {
    if (!s.Append(RecordType::kGranted, MakeLease(c))) break;
    ++accepted;
  }
  EXPECT_EQ(accepted, 64u) << "the ring holds 64 records, none drains while writes fail";
  EXPECT_FALSE(s.Append(RecordType::kGranted, MakeLease(999)));
  EXPECT_GE(s.drops(), 1u);
  ASSERT_TRUE(Eventually([&] { return !j->healthy(); }));
  ASSERT_TRUE(Eventually([&] { return ops_.failed_writes.load() >= 3; })) << "retries";
  EXPECT_EQ(s.durable_sequence(), 10u);
  EXPECT_FALSE(j->Sync(std::chrono::milliseconds(20)));

  ops_.write_errno = 0;
  ASSERT_TRUE(Eventually([&] { return s.durable_sequence() == 74; }));
  ASSERT_TRUE(Eventually([&] { return j->healthy(); }));
  EXPECT_GE(j->stats().write_errors, 3u);
  EXPECT_TRUE(s.Append(RecordType::kGranted, MakeLease(500)).has_value());
  j->Stop();

  LeaseStore replayed(1, 1024);
  const ReplayResult r = ReplayOrDie(dir_.path(), replayed);
  EXPECT_EQ(r.records_read, 75u);
  EXPECT_EQ(r.install.installed, 75u);
  EXPECT_TRUE(r.truncated.empty());
}

// A failed fdatasync: the page cache is not trusted, the records are written
// again from the last good offset and synced again; the file holds each
// record once.
TEST_F(JournalTest, SyncErrorRewritesFromTheLastGoodOffset) {
  auto j = OpenFaulty();
  LeaseStore live(1, 1024);
  JournalStream& s = j->stream(0);
  for (uint32_t c = 0; c < 5; ++c) Apply(live, s, MakeLease(c));
  ASSERT_TRUE(j->Sync(kLong));

  ops_.sync_errno = EIO;
  for (uint32_t c = 5; c < 25; ++c) Apply(live, s, MakeLease(c));
  ASSERT_TRUE(Eventually([&] { return ops_.failed_syncs.load() >= 3; }));
  EXPECT_FALSE(j->healthy());
  EXPECT_EQ(s.durable_sequence(), 5u);
  ops_.sync_errno = 0;
  ASSERT_TRUE(Eventually([&] { return s.durable_sequence() == 25 && j->healthy(); }));
  j->Stop();
  EXPECT_EQ(std::filesystem::file_size(dir_.Sub(SegmentFileName(0, 1))), 25 * kRecordSize);
  LeaseStore replayed(1, 1024);
  EXPECT_EQ(ReplayOrDie(dir_.path(), replayed).records_read, 25u);
  EXPECT_EQ(LiveLeases(replayed), LiveLeases(live));
}

TEST_F(JournalTest, ShortWritesAreContinued) {
  auto j = OpenFaulty();
  LeaseStore live(1, 1024);
  ASSERT_TRUE(HoldFirstSync(live, j->stream(0)));
  for (uint32_t c = 1; c < 10; ++c) Apply(live, j->stream(0), MakeLease(c));
  ops_.short_write = 100;  // one and a half records of the next group
  ops_.hold_sync = false;
  ASSERT_TRUE(j->Sync(kLong));
  j->Stop();
  EXPECT_TRUE(j->healthy());
  LeaseStore replayed(1, 1024);
  EXPECT_EQ(ReplayOrDie(dir_.path(), replayed).records_read, 10u);
}

TEST_F(JournalTest, SegmentOpenErrorIsRetried) {
  auto j = OpenFaulty();
  LeaseStore live(1, 64);
  ops_.open_errno = EACCES;
  Apply(live, j->stream(0), MakeLease(1));
  ASSERT_TRUE(Eventually([&] { return !j->healthy(); }));
  EXPECT_EQ(j->stream(0).durable_sequence(), 0u);
  ops_.open_errno = 0;
  ASSERT_TRUE(j->Sync(kLong));
  EXPECT_TRUE(Eventually([&] { return j->healthy(); }));
}

TEST_F(JournalTest, StopGivesUpOnAFailingDisk) {
  JournalOptions o = SmallOptions();
  o.stop_timeout = std::chrono::milliseconds(20);
  auto j = OpenFaulty(o);
  LeaseStore live(1, 64);
  ops_.write_errno = EIO;
  Apply(live, j->stream(0), MakeLease(1));
  j->Stop();  // returns: the record is reported lost on stderr
  EXPECT_EQ(j->stream(0).durable_sequence(), 0u);
  EXPECT_FALSE(j->healthy());
}

// After a lull the thread polls slowly (idle_poll_interval); a record that
// arrives then is still committed, and the thread is back to fast polling.
TEST_F(JournalTest, RecordAfterALullIsCommitted) {
  LeaseStore live(1, 64);
  JournalOptions o = SmallOptions();
  o.idle_after = std::chrono::milliseconds(1);
  o.idle_poll_interval = std::chrono::microseconds(5000);
  auto j = OpenOrDie(dir_.path(), o);
  ASSERT_NE(j, nullptr);
  for (uint32_t c = 0; c < 3; ++c) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // idle: slow polling
    const uint64_t seq = Apply(live, j->stream(0), MakeLease(c));
    EXPECT_TRUE(Eventually([&] { return j->stream(0).durable_sequence() >= seq; })) << c;
  }
  EXPECT_EQ(j->stats().records, 3u);
  j->Stop();
  LeaseStore replayed(1, 64);
  ReplayOrDie(dir_.path(), replayed);
  EXPECT_EQ(LiveLeases(replayed), LiveLeases(live));
}

TEST_F(JournalTest, OpenValidatesOptions) {
  JournalOptions o;
  o.num_streams = 0;
  EXPECT_EQ(Journal::Open(dir_.path(), o).status().code(), absl::StatusCode::kInvalidArgument);
  o.num_streams = 1;
  o.max_group_records = 0;
  EXPECT_EQ(Journal::Open(dir_.path(), o).status().code(), absl::StatusCode::kInvalidArgument);
  o.max_group_records = 1;
  o.segment_bytes = 10;
  EXPECT_EQ(Journal::Open(dir_.path(), o).status().code(), absl::StatusCode::kInvalidArgument);
}

// A real full filesystem: a 256 KiB tmpfs (root only). ENOSPC arrives as a
// short write and then an error; after the filesystem grows (remount), the
// journal resumes and replay finds every record.
TEST_F(JournalTest, RealFullTmpfsResumesAfterRemount) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  const std::string mnt = dir_.Sub("tmpfs");
  std::filesystem::create_directory(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};

  JournalOptions o = SmallOptions();
  o.ring_records = 8192;          // 512 KiB: more than the filesystem holds
  o.segment_bytes = 1ull << 30;   // one segment
  auto j = OpenOrDie(mnt + "/journal", o);
  JournalStream& s = j->stream(0);
  uint32_t appended = 0;
  while (s.Append(RecordType::kGranted, MakeLease(appended))) ++appended;
  // The ring refuses once it holds 8192 records not yet durable; what the
  // journal thread made durable before the filesystem filled (up to 4096
  // records: it races the loop, more so under a sanitizer) came on top.
  EXPECT_GE(appended, 8192u);
  EXPECT_LE(appended, 8192u + 4096u);
  ASSERT_TRUE(Eventually([&] { return !j->healthy(); }));
  const uint64_t durable = s.durable_sequence();
  EXPECT_LT(durable, appended) << "256 KiB hold at most 4096 records";

  ASSERT_EQ(mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT, "size=2m"), 0) << std::strerror(errno);
  ASSERT_TRUE(Eventually([&] { return s.durable_sequence() == appended && j->healthy(); }));
  j->Stop();
  LeaseStore replayed(1, 16384);
  const ReplayResult r = ReplayOrDie(mnt + "/journal", replayed);
  EXPECT_EQ(r.records_read, appended);
  EXPECT_EQ(r.install.installed, appended);
  EXPECT_TRUE(r.truncated.empty());
}

}  // namespace
}  // namespace dpdhcp::journal
