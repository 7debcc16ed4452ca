// Snapshots and compaction: taken while a worker keeps writing, restart time
// bounded by live leases, coverage of streams of earlier runs, and damage.
#include "dpdhcp/journal/snapshot.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "dpdhcp/journal/journal.h"
#include "dpdhcp/journal/replay.h"
#include "dpdhcp/journal/segment_files.h"
#include "test_util.h"

namespace dpdhcp::journal {
namespace {

using lease::Lease;
using lease::LeaseState;
using lease::LeaseStore;
using testing::Apply;
using testing::LiveLeases;
using testing::MakeLease;
using testing::TempDir;

constexpr auto kLong = std::chrono::milliseconds(60000);

JournalOptions Options(uint32_t streams, uint64_t segment_bytes) {
  JournalOptions o;
  o.num_streams = streams;
  o.segment_bytes = segment_bytes;
  return o;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A worker thread changes the store and appends; the control thread takes
// snapshots meanwhile. Replay of snapshot + remaining segments equals the
// store the worker left.
TEST(SnapshotTest, TakenWhileAWorkerWritesReplaysToTheLiveStore) {
  TempDir dir;
  LeaseStore live(4, 8192);
  auto j = Journal::Open(dir.path(), Options(1, 64 * 1024));
  ASSERT_TRUE(j.ok()) << j.status();
  std::atomic<bool> done{false};
  std::thread worker([&] {
    std::mt19937 rng(1);
    for (uint32_t op = 0; op < 300000; ++op) {
      const uint32_t c = rng() % 5000;
      const uint32_t kind = rng() % 10;
      const LeaseState st = kind < 6   ? LeaseState::kBound
                            : kind < 9 ? LeaseState::kReleased
                                       : LeaseState::kDeclined;
      Apply(live, (*j)->stream(0), MakeLease(c, st, 1'700'000'000 + op));
    }
    done = true;
  });
  uint32_t snapshots = 0;
  uint64_t deleted = 0;
  while (!done.load() || snapshots < 2) {
    auto s = (*j)->Snapshot(live);
    ASSERT_TRUE(s.ok()) << s.status();
    ++snapshots;
    deleted += s->segments_deleted;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  worker.join();
  ASSERT_TRUE((*j)->Sync(kLong));
  (*j)->Stop();
  EXPECT_GT(deleted, 0u) << "300k records make ~290 segments of 64 KiB";

  LeaseStore replayed(4, 8192);
  auto r = Replay(dir.path(), replayed, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->had_snapshot);
  EXPECT_LT(r->records_read, 300000u);
  EXPECT_EQ(LiveLeases(replayed), LiveLeases(live));
}

// 100k grants then 100k releases of the same clients: nothing is live, so
// the snapshot holds no lease, compaction leaves one segment, and replay
// loads nothing: restart work follows the live leases, not the history.
TEST(SnapshotTest, RestartWorkIsBoundedByLiveLeases) {
  constexpr uint32_t kClients = 100000;
  TempDir dir;
  LeaseStore live(8, 32768);
  JournalOptions o = Options(1, 1 << 20);
  o.max_group_records = 4096;  // segments close within 256 KiB of 1 MiB
  auto j = Journal::Open(dir.path(), o);
  ASSERT_TRUE(j.ok());
  for (uint32_t c = 0; c < kClients; ++c) Apply(live, (*j)->stream(0), MakeLease(c));
  for (uint32_t c = 0; c < kClients; ++c) {
    Apply(live, (*j)->stream(0), MakeLease(c, LeaseState::kReleased));
  }
  ASSERT_TRUE((*j)->Sync(kLong));
  EXPECT_GE(testing::SegmentNames(dir.path()).size(), 10u) << "12.8 MB in ~1 MiB segments";

  auto s = (*j)->Snapshot(live);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->leases, 0u);
  EXPECT_EQ(s->bytes, kSnapshotHeaderSize + 16u) << "header and one stream entry";
  ASSERT_EQ(s->covered.size(), 1u);
  EXPECT_EQ(s->covered[0].sequence, 2u * kClients);
  EXPECT_EQ(testing::SegmentNames(dir.path()).size(), 1u);
  (*j)->Stop();

  LeaseStore replayed(8, 32768);
  auto r = Replay(dir.path(), replayed, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->snapshot_leases, 0u);
  EXPECT_EQ(r->records_applied, 0u);
  EXPECT_EQ(r->records_covered, r->records_read);
  EXPECT_LE(r->records_read, (1u << 20) / kRecordSize + 4096) << "one segment's worth";
  EXPECT_EQ(r->install.installed, 0u);
  EXPECT_EQ(replayed.size(), 0u);
}

// Fewer workers after a restart: a snapshot covers the streams no worker
// writes any more, and compaction removes their segments entirely.
TEST(SnapshotTest, CoversStreamsOfEarlierRuns) {
  TempDir dir;
  LeaseStore first(2, 1024);
  {
    auto j = Journal::Open(dir.path(), Options(3, 64 * 1024));
    ASSERT_TRUE(j.ok());
    for (uint32_t c = 0; c < 300; ++c) Apply(first, (*j)->stream(c % 3), MakeLease(c));
  }
  LeaseStore store(2, 1024);
  ASSERT_TRUE(Replay(dir.path(), store, nullptr).ok());
  auto j = Journal::Open(dir.path(), Options(1, 64 * 1024));
  ASSERT_TRUE(j.ok());
  Apply(store, (*j)->stream(0), MakeLease(1000));
  ASSERT_TRUE((*j)->Sync(kLong));  // stream-0-101.seg exists
  auto s = (*j)->Snapshot(store);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->leases, 301u);
  EXPECT_EQ(s->covered, (std::vector<StreamCoverage>{{0, 101}, {1, 100}, {2, 100}}));
  EXPECT_EQ(s->segments_deleted, 3u) << "all but stream 0's newest";
  EXPECT_EQ(testing::SegmentNames(dir.path()), std::vector<std::string>{SegmentFileName(0, 101)});
  (*j)->Stop();
  LeaseStore replayed(2, 1024);
  auto r = Replay(dir.path(), replayed, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(LiveLeases(replayed), LiveLeases(store));
  // The next run continues every stream after what the snapshot covers.
  auto again = Journal::Open(dir.path(), Options(3, 64 * 1024));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->generation(), 3u);
  EXPECT_EQ((*again)->stream(1).first_sequence(), 101u);
  EXPECT_EQ((*again)->stream(2).first_sequence(), 101u);
}

TEST(SnapshotTest, StaleTempFileIsIgnoredAndReplaced) {
  TempDir dir;
  LeaseStore store(1, 64);
  auto j = Journal::Open(dir.path(), Options(1, 1 << 20));
  ASSERT_TRUE(j.ok());
  Apply(store, (*j)->stream(0), MakeLease(1));
  {
    std::ofstream junk(dir.Sub(std::string(kSnapshotTempFileName)));
    junk << "half a snapshot from a crash";
  }
  LeaseStore probe(1, 64);
  ASSERT_TRUE((*j)->Sync(kLong));
  ASSERT_TRUE(Replay(dir.path(), probe, nullptr).ok()) << "snapshot.tmp is not read";
  auto s = (*j)->Snapshot(store);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub(std::string(kSnapshotTempFileName))));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub(std::string(kSnapshotFileName))));
}

TEST(SnapshotTest, WriteAndParseRoundTrip) {
  TempDir dir;
  LeaseStore store(3, 20000);
  std::vector<Lease> want;
  for (uint32_t c = 0; c < 10000; ++c) {
    const LeaseState st = c % 4 == 0   ? LeaseState::kReleased
                          : c % 4 == 1 ? LeaseState::kDeclined
                                       : LeaseState::kBound;
    const Lease l = MakeLease(c, st);
    store.shard(store.ShardFor(l.hw())).Insert(l);
    if (st != LeaseState::kReleased) want.push_back(l);
  }
  auto w = WriteSnapshot(dir.path(), store, 9, {{4, 77}, {1, 5}});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->leases, want.size());
  const std::string bytes = ReadAll(dir.Sub(std::string(kSnapshotFileName)));
  EXPECT_EQ(bytes.size(), w->bytes);
  auto p = ParseSnapshot(
      base::ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "snap", false);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->header.generation, 9u);
  EXPECT_EQ(p->header.covered, (std::vector<StreamCoverage>{{1, 5}, {4, 77}}));
  auto by_key = [](const Lease& a, const Lease& b) { return a.key.ToString() < b.key.ToString(); };
  std::sort(want.begin(), want.end(), by_key);
  std::sort(p->leases.begin(), p->leases.end(), by_key);
  EXPECT_EQ(p->leases, want);
}

// A damaged block: refused with the file and offset, or skipped and counted.
TEST(SnapshotTest, CorruptBlockIsRefusedOrSkipped) {
  TempDir dir;
  LeaseStore store(1, 20000);
  for (uint32_t c = 0; c < 10000; ++c) store.shard(0).Insert(MakeLease(c));
  ASSERT_TRUE(WriteSnapshot(dir.path(), store, 1, {{0, 1}}).ok());
  const std::string path = dir.Sub(std::string(kSnapshotFileName));
  std::string bytes = ReadAll(path);
  const size_t second_block = kSnapshotHeaderSize + 16 + 8 + kSnapshotBlockLeases * sizeof(Lease);
  bytes[second_block + 100] ^= 0x04;
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }

  LeaseStore replayed(1, 20000);
  auto refused = Replay(dir.path(), replayed, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(path + ": offset " + std::to_string(second_block) +
                                            ": block CRC mismatch"),
            std::string::npos)
      << refused.status();
  ReplayOptions skip;
  skip.skip_corrupt = true;
  auto r = Replay(dir.path(), replayed, nullptr, skip);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->corrupt_skipped, 1u);
  EXPECT_EQ(r->snapshot_leases, 10000u - kSnapshotBlockLeases);
}

struct HeaderDamage {
  const char* name;
  size_t offset;
  const char* message;
};

class SnapshotHeaderTest : public ::testing::TestWithParam<HeaderDamage> {};

TEST_P(SnapshotHeaderTest, IsAlwaysRefused) {
  TempDir dir;
  LeaseStore store(1, 64);
  store.shard(0).Insert(MakeLease(1));
  ASSERT_TRUE(WriteSnapshot(dir.path(), store, 1, {{0, 1}}).ok());
  std::string bytes = ReadAll(dir.Sub(std::string(kSnapshotFileName)));
  bytes[GetParam().offset] ^= 0x01;
  for (const bool skip : {false, true}) {
    auto p = ParseSnapshot(
        base::ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "s", skip);
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.status().message().find(GetParam().message), std::string::npos) << p.status();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fields, SnapshotHeaderTest,
    ::testing::Values(HeaderDamage{"magic", 0, "bad magic"},
                      HeaderDamage{"count", 16, "header CRC mismatch"},
                      HeaderDamage{"table", kSnapshotHeaderSize + 8, "stream table CRC mismatch"}),
    [](const ::testing::TestParamInfo<HeaderDamage>& i) { return std::string(i.param.name); });

TEST(SnapshotTest, TruncatedFileIsRefused) {
  TempDir dir;
  LeaseStore store(1, 64);
  for (uint32_t c = 0; c < 10; ++c) store.shard(0).Insert(MakeLease(c));
  ASSERT_TRUE(WriteSnapshot(dir.path(), store, 1, {}).ok());
  std::string bytes = ReadAll(dir.Sub(std::string(kSnapshotFileName)));
  bytes.resize(bytes.size() - 44);
  auto p = ParseSnapshot(
      base::ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "s", false);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("s: offset 64: bad block header"), std::string::npos)
      << p.status();
}

}  // namespace
}  // namespace dpdhcp::journal
