// Replay: torn tails, corruption, record order within and across streams and
// runs, address conflicts, and the claims it makes in the AddressSpace.
#include "dpdhcp/journal/replay.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "dpdhcp/journal/journal.h"
#include "dpdhcp/journal/segment_files.h"
#include "test_util.h"

namespace dpdhcp::journal {
namespace {

using base::Ipv4Address;
using lease::Lease;
using lease::LeaseState;
using lease::LeaseStore;
using testing::Apply;
using testing::LiveLeases;
using testing::MakeLease;
using testing::TempDir;

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

// Writes `leases` as one run's records, stream = client % streams.
void WriteRun(const std::string& dir, uint32_t streams, const std::vector<Lease>& leases,
              std::vector<uint32_t> stream_of = {}) {
  JournalOptions o;
  o.num_streams = streams;
  auto j = Journal::Open(dir, o);
  ASSERT_TRUE(j.ok()) << j.status();
  for (size_t i = 0; i < leases.size(); ++i) {
    const uint32_t s = stream_of.empty() ? 0 : stream_of[i];
    testing::AppendWaiting((*j)->stream(s), testing::TypeFor(leases[i].state), leases[i]);
  }
}

absl::StatusOr<ReplayResult> ReplayInto(const std::string& dir, LeaseStore& store,
                                        const ReplayOptions& options = {},
                                        pool::AddressSpace* space = nullptr) {
  return Replay(dir, store, space, options);
}

// Five grants in one segment; the last record is cut at `cut` bytes (a crash
// in the middle of writing it) or, at 64, damaged in its last byte.
class TornTailTest : public ::testing::TestWithParam<int> {};

TEST_P(TornTailTest, IsTruncatedAndReported) {
  const int cut = GetParam();
  TempDir dir;
  std::vector<Lease> leases;
  for (uint32_t c = 0; c < 5; ++c) leases.push_back(MakeLease(c));
  WriteRun(dir.path(), 1, leases);
  const std::string seg = dir.Sub(SegmentFileName(0, 1));
  std::string bytes = ReadAll(seg);
  ASSERT_EQ(bytes.size(), 5 * kRecordSize);
  bytes.resize(4 * kRecordSize + static_cast<size_t>(cut));
  if (cut == kRecordSize) bytes.back() ^= 0x40;  // CRC-failing instead of short
  WriteAll(seg, bytes);

  LeaseStore store(2, 64);
  auto r = ReplayInto(dir.path(), store);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->records_read, 4u);
  EXPECT_EQ(r->install.installed, 4u);
  ASSERT_EQ(r->truncated.size(), 1u);
  EXPECT_EQ(r->truncated[0].path, seg);
  EXPECT_EQ(r->truncated[0].offset, 4 * kRecordSize);
  EXPECT_EQ(r->truncated[0].bytes_dropped, static_cast<uint64_t>(cut));
  EXPECT_EQ(std::filesystem::file_size(seg), 4 * kRecordSize);
  // The journal opens on the truncated directory and continues after it.
  auto j = Journal::Open(dir.path(), JournalOptions{});
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)->stream(0).first_sequence(), 5u);
}

INSTANTIATE_TEST_SUITE_P(EveryByteOfTheLastRecord, TornTailTest,
                         ::testing::Range(1, static_cast<int>(kRecordSize) + 1));

TEST(ReplayTest, TornTailCanBeLeftInPlace) {
  TempDir dir;
  WriteRun(dir.path(), 1, {MakeLease(1), MakeLease(2)});
  const std::string seg = dir.Sub(SegmentFileName(0, 1));
  std::string bytes = ReadAll(seg);
  bytes.resize(bytes.size() - 10);
  WriteAll(seg, bytes);
  LeaseStore store(1, 64);
  ReplayOptions o;
  o.truncate_torn_tails = false;
  auto r = ReplayInto(dir.path(), store, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->truncated.size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(seg), bytes.size());
}

// A bad record with valid records after it cannot be a torn write: refused
// with the file and offset, or skipped and counted when asked.
TEST(ReplayTest, CorruptMiddleRecordIsRefusedOrSkipped) {
  TempDir dir;
  std::vector<Lease> leases;
  for (uint32_t c = 0; c < 5; ++c) leases.push_back(MakeLease(c));
  WriteRun(dir.path(), 1, leases);
  const std::string seg = dir.Sub(SegmentFileName(0, 1));
  std::string bytes = ReadAll(seg);
  bytes[2 * kRecordSize + 20] ^= 0x01;
  WriteAll(seg, bytes);

  LeaseStore store(1, 64);
  auto refused = ReplayInto(dir.path(), store);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(refused.status().message().find(seg + ": offset 128:"), std::string::npos)
      << refused.status();
  EXPECT_NE(refused.status().message().find("CRC mismatch"), std::string::npos);
  EXPECT_EQ(store.size(), 0u);

  ReplayOptions skip;
  skip.skip_corrupt = true;
  auto r = ReplayInto(dir.path(), store, skip);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->corrupt_skipped, 1u);
  EXPECT_EQ(r->records_read, 4u);
  EXPECT_TRUE(r->truncated.empty());
  Lease l;
  EXPECT_FALSE(store.shard(0).ReadByKey(testing::KeyOf(2), &l));
  EXPECT_TRUE(store.shard(0).ReadByKey(testing::KeyOf(3), &l));
}

// A record that is valid but sits where another sequence number belongs (a
// misplaced block) is corruption too.
TEST(ReplayTest, WrongSequenceIsCorruption) {
  TempDir dir;
  WriteRun(dir.path(), 1, {MakeLease(1), MakeLease(2), MakeLease(3)});
  const std::string seg = dir.Sub(SegmentFileName(0, 1));
  std::string bytes = ReadAll(seg);
  std::copy_n(bytes.begin() + 2 * kRecordSize, kRecordSize, bytes.begin());  // record 3 at 0
  WriteAll(seg, bytes);
  LeaseStore store(1, 64);
  auto r = ReplayInto(dir.path(), store);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("offset 0: corrupt record (sequence 3 where 1 belongs)"),
            std::string::npos)
      << r.status();
}

// Invalid bytes at the end of a segment that is not its stream's last were
// once a torn tail nobody truncated: corruption, since later records exist.
TEST(ReplayTest, BadTailOfAnEarlierSegmentIsCorruption) {
  TempDir dir;
  WriteRun(dir.path(), 1, {MakeLease(1), MakeLease(2)});
  WriteRun(dir.path(), 1, {MakeLease(3)});
  const std::string first = dir.Sub(SegmentFileName(0, 1));
  std::string bytes = ReadAll(first);
  bytes[kRecordSize + 5] ^= 0x10;
  WriteAll(first, bytes);
  LeaseStore store(1, 64);
  auto r = ReplayInto(dir.path(), store);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(first + ": offset 64:"), std::string::npos) << r.status();
  ReplayOptions skip;
  skip.skip_corrupt = true;
  auto skipped = ReplayInto(dir.path(), store, skip);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->corrupt_skipped, 1u);
  EXPECT_EQ(skipped->install.installed, 2u);
}

TEST(ReplayTest, NewestRecordOfAClientWins) {
  TempDir dir;
  Lease moved = MakeLease(7);
  moved.address = Ipv4Address(192, 0, 2, 7);
  WriteRun(dir.path(), 1,
           {MakeLease(7), MakeLease(7, LeaseState::kReleased), moved, MakeLease(8),
            MakeLease(8, LeaseState::kExpired)});
  LeaseStore store(2, 64);
  auto r = ReplayInto(dir.path(), store);
  ASSERT_TRUE(r.ok());
  const auto live = LiveLeases(store);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live.begin()->second, moved);
}

TEST(ReplayTest, DeletedRecordRemovesTheLease) {
  TempDir dir;
  JournalOptions o;
  {
    auto j = Journal::Open(dir.path(), o);
    ASSERT_TRUE(j.ok());
    testing::AppendWaiting((*j)->stream(0), RecordType::kDeclined, MakeLease(4, LeaseState::kDeclined));
    testing::AppendWaiting((*j)->stream(0), RecordType::kDeleted, MakeLease(4, LeaseState::kDeclined));
  }
  LeaseStore store(1, 64);
  auto r = ReplayInto(dir.path(), store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store.size(), 0u);
}

// Two workers, each owning half the clients, interleaved: replay equals the
// live store whatever the interleaving.
TEST(ReplayTest, RecordsOfSeveralStreamsMerge) {
  TempDir dir;
  LeaseStore live(4, 4096);
  {
    JournalOptions o;
    o.num_streams = 2;
    auto j = Journal::Open(dir.path(), o);
    ASSERT_TRUE(j.ok());
    for (uint32_t round = 0; round < 3; ++round) {
      for (uint32_t c = 0; c < 1000; ++c) {
        const LeaseState st = (c + round) % 3 == 0 ? LeaseState::kReleased : LeaseState::kBound;
        Apply(live, (*j)->stream(c % 2), MakeLease(c, st, 1'700'000'000 + round));
      }
    }
  }
  LeaseStore store(4, 4096);
  auto r = ReplayInto(dir.path(), store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records_read, 3000u);
  EXPECT_EQ(LiveLeases(store), LiveLeases(live));
}

// Worker count 3 -> 1 -> 2: a client's newer record is in another stream
// with a smaller sequence number; the generation orders them.
TEST(ReplayTest, GenerationOrdersAcrossAChangeOfWorkerCount) {
  TempDir dir;
  // Run 1, three workers: client 1 bound in stream 2 after many records (its
  // sequence numbers are high); client 2 released in stream 1.
  {
    std::vector<Lease> leases;
    std::vector<uint32_t> streams;
    for (uint32_t c = 100; c < 150; ++c) {
      leases.push_back(MakeLease(c));
      streams.push_back(2);
    }
    leases.push_back(MakeLease(1));
    streams.push_back(2);
    leases.push_back(MakeLease(2));
    streams.push_back(1);
    leases.push_back(MakeLease(2, LeaseState::kReleased));
    streams.push_back(1);
    WriteRun(dir.path(), 3, leases, streams);
  }
  // Run 2, one worker: client 1 released, client 2 bound to a new address.
  Lease again = MakeLease(2);
  again.address = Ipv4Address(192, 0, 2, 2);
  WriteRun(dir.path(), 1, {MakeLease(1, LeaseState::kReleased), again});
  {
    LeaseStore store(2, 256);
    auto r = ReplayInto(dir.path(), store);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->max_generation, 2u);
    const auto live = LiveLeases(store);
    EXPECT_EQ(live.count(testing::KeyOf(1).ToString()), 0u);
    ASSERT_EQ(live.count(testing::KeyOf(2).ToString()), 1u);
    EXPECT_EQ(live.at(testing::KeyOf(2).ToString()), again);
    EXPECT_EQ(live.size(), 51u);
  }
  // Run 3, two workers: client 1 back in stream 1.
  WriteRun(dir.path(), 2, {MakeLease(1)}, {1});
  LeaseStore store(3, 256);
  auto r = ReplayInto(dir.path(), store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->max_generation, 3u);
  EXPECT_EQ(LiveLeases(store).count(testing::KeyOf(1).ToString()), 1u);
}

// The engine ends a binding on DECLINE by erasing it and adding a quarantine
// record keyed by the address (RFC 2131 §4.3.3); only the latter is
// journaled. Replay gives the address to the newer lease.
TEST(ReplayTest, NewerLeaseOfAnAddressSupersedesAnOlderOne) {
  TempDir dir;
  const Lease bound = MakeLease(5);
  Lease quarantine = MakeLease(5, LeaseState::kDeclined);
  uint8_t addr[4];
  base::StoreBe32(addr, quarantine.address.value());
  quarantine.key = lease::ClientKey::FromHardware(0, base::ByteSpan(addr, 4));
  WriteRun(dir.path(), 1, {bound, quarantine});
  LeaseStore store(2, 64);
  auto r = ReplayInto(dir.path(), store);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->superseded_by_address, 1u);
  const auto live = LiveLeases(store);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live.begin()->second, quarantine);
  // In the client's shard, as the engine put it.
  EXPECT_EQ(store.shard(store.ShardFor(quarantine.hw())).size(), 1u);
}

TEST(ReplayTest, ClaimsAddressesAndSetsHolders) {
  pool::AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, Ipv4Address(10, 0, 0, 0), Ipv4Address(10, 0, 0, 255)});
  spec.reserved = {Ipv4Address(10, 0, 0, 7)};
  TempDir dir;
  Lease outside = MakeLease(0x010001);  // 10.1.0.1: in no pool
  WriteRun(dir.path(), 1,
           {MakeLease(3), MakeLease(7), MakeLease(9, LeaseState::kDeclined), outside,
            MakeLease(11, LeaseState::kReleased)});
  for (const bool drop : {false, true}) {
    auto space = pool::AddressSpace::Create(spec);
    ASSERT_TRUE(space.ok());
    LeaseStore store(4, 64);
    ReplayOptions o;
    o.drop_outside_pools = drop;
    auto r = ReplayInto(dir.path(), store, o, space->get());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->install.outside_pools, 1u);
    EXPECT_EQ(r->install.installed, drop ? 3u : 4u);
    for (const uint32_t c : {3u, 7u, 9u}) {
      const Ipv4Address a(0x0a000000u + c);
      EXPECT_FALSE((*space)->IsFree(a)) << a.ToString();
      Lease held;
      ASSERT_TRUE(store.ReadByRef((*space)->Holder(a), &held)) << a.ToString();
      EXPECT_EQ(held, MakeLease(c, c == 9 ? LeaseState::kDeclined : LeaseState::kBound));
    }
    EXPECT_FALSE((*space)->ClaimReserved(Ipv4Address(10, 0, 0, 7))) << "claimed by replay";
    EXPECT_TRUE((*space)->IsFree(Ipv4Address(10, 0, 0, 11))) << "a release frees the address";
    Lease l;
    EXPECT_EQ(store.shard(store.ShardFor(outside.hw())).ReadByKey(outside.key, &l), !drop);
  }
}

TEST(ReplayTest, AddressAlreadyClaimedIsAConflict) {
  pool::AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, Ipv4Address(10, 0, 0, 0), Ipv4Address(10, 0, 0, 255)});
  auto space = pool::AddressSpace::Create(spec);
  ASSERT_TRUE(space.ok());
  ASSERT_TRUE((*space)->TryClaim(Ipv4Address(10, 0, 0, 3)));
  TempDir dir;
  WriteRun(dir.path(), 1, {MakeLease(3), MakeLease(4)});
  LeaseStore store(1, 64);
  auto r = ReplayInto(dir.path(), store, {}, space->get());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->install.claim_conflicts, 1u);
  EXPECT_EQ(r->install.installed, 1u);
}

TEST(ReplayTest, MissingOrEmptyDirectoryIsAnEmptyJournal) {
  TempDir dir;
  LeaseStore store(1, 64);
  auto missing = ReplayInto(dir.Sub("nothing-here"), store);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->segments, 0u);
  auto empty = ReplayInto(dir.path(), store);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->had_snapshot);
}

TEST(ReplayTest, RefusesANonEmptyStore) {
  TempDir dir;
  LeaseStore store(1, 64);
  store.shard(0).Insert(MakeLease(1));
  EXPECT_EQ(ReplayInto(dir.path(), store).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ReplayTest, ShardChaddrIsTheEnginesShardInput) {
  // A 16-byte chaddr: the lease keeps 6 bytes, the hardware key all 16.
  std::array<uint8_t, 16> chaddr{};
  for (size_t i = 0; i < chaddr.size(); ++i) chaddr[i] = static_cast<uint8_t>(i + 1);
  Lease l;
  l.key = lease::ClientKey::FromHardware(32, base::ByteSpan(chaddr));
  l.SetHardware(32, base::ByteSpan(chaddr));
  const base::ByteSpan got = ShardChaddr(l);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), chaddr.begin(), chaddr.end()));
  // A client-id key: the kept chaddr.
  const uint8_t id[] = {1, 2, 3};
  l.key = lease::ClientKey::FromClientId(base::ByteSpan(id));
  EXPECT_EQ(ShardChaddr(l).size(), 6u);
}

TEST(ScanSegmentTest, EmptyAndPartial) {
  auto empty = ScanSegment(base::ByteSpan(), 1, "x", false);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->valid_end, 0u);
  const std::vector<uint8_t> junk(100, 0xab);
  auto torn = ScanSegment(base::ByteSpan(junk), 1, "x", false);
  ASSERT_TRUE(torn.ok());
  EXPECT_EQ(torn->torn_bytes, 100u);
  EXPECT_TRUE(torn->records.empty());
}

}  // namespace
}  // namespace dpdhcp::journal
