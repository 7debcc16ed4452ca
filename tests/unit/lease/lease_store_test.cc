#include "dpdhcp/lease/lease_store.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace dpdhcp::lease {
namespace {

std::array<uint8_t, 6> MacOf(uint32_t client) {
  return {0x02,
          0x00,
          static_cast<uint8_t>(client >> 24),
          static_cast<uint8_t>(client >> 16),
          static_cast<uint8_t>(client >> 8),
          static_cast<uint8_t>(client)};
}

ClientKey KeyOf(uint32_t client) {
  const auto mac = MacOf(client);
  return ClientKey::FromHardware(1, base::ByteSpan(mac));
}

// Every field derives from (client, v), so a torn copy is detectable.
Lease MakeLease(uint32_t client, uint32_t v, LeaseState state = LeaseState::kBound) {
  Lease l;
  const auto mac = MacOf(client);
  l.key = ClientKey::FromHardware(1, base::ByteSpan(mac));
  l.SetHardware(1, base::ByteSpan(mac));
  l.address = base::Ipv4Address(0x0a000000u + v);
  l.subnet_id = v * 3 + 1;
  l.cltt = v;
  l.expire = v + 100;
  l.state = state;
  return l;
}

bool Consistent(const Lease& l) {
  const uint32_t v = l.address.value() - 0x0a000000u;
  const uint32_t client = uint32_t{l.chaddr[2]} << 24 | uint32_t{l.chaddr[3]} << 16 |
                          uint32_t{l.chaddr[4]} << 8 | l.chaddr[5];
  return l.subnet_id == v * 3 + 1 && l.cltt == v && l.expire == v + 100 && l.key == KeyOf(client) &&
         (l.state == LeaseState::kBound || l.state == LeaseState::kOffered);
}

TEST(LeaseShardTest, InsertFindStoreErase) {
  LeaseShard shard(2, 100);
  EXPECT_EQ(shard.capacity(), 100u);
  EXPECT_EQ(shard.shard_index(), 2u);
  EXPECT_FALSE(shard.Find(KeyOf(1)).has_value());
  const auto slot = shard.Insert(MakeLease(1, 10));
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(shard.size(), 1u);
  auto found = shard.Find(KeyOf(1));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->slot, *slot);
  EXPECT_EQ(found->lease, MakeLease(1, 10));

  shard.Store(*slot, MakeLease(1, 11, LeaseState::kOffered));
  EXPECT_EQ(shard.Find(KeyOf(1))->lease, MakeLease(1, 11, LeaseState::kOffered));
  Lease read;
  ASSERT_TRUE(shard.ReadByKey(KeyOf(1), &read));
  EXPECT_EQ(read, MakeLease(1, 11, LeaseState::kOffered));
  ASSERT_TRUE(shard.ReadSlot(*slot, &read));
  EXPECT_FALSE(shard.ReadSlot(*slot + 1, &read));
  EXPECT_FALSE(shard.ReadSlot(1000, &read));

  shard.Erase(*slot);
  EXPECT_EQ(shard.size(), 0u);
  EXPECT_FALSE(shard.Find(KeyOf(1)).has_value());
  EXPECT_FALSE(shard.ReadByKey(KeyOf(1), &read));
  EXPECT_FALSE(shard.ReadSlot(*slot, &read));
  shard.Erase(*slot);  // again: nothing
  EXPECT_EQ(shard.size(), 0u);
  // The slot is reused.
  EXPECT_EQ(shard.Insert(MakeLease(2, 20)), slot);
  Lease free_lease = MakeLease(3, 1);
  free_lease.state = LeaseState::kFree;
  EXPECT_FALSE(shard.Insert(free_lease).has_value());
}

TEST(LeaseShardTest, PrefetchIsHarmless) {
  LeaseShard shard(0, 10);
  shard.Prefetch(KeyOf(1));
  shard.Insert(MakeLease(1, 1));
  shard.Prefetch(KeyOf(1));
  EXPECT_TRUE(shard.Find(KeyOf(1)).has_value());
  LeaseShard empty(0, 0);
  empty.Prefetch(KeyOf(1));
  EXPECT_FALSE(empty.Find(KeyOf(1)).has_value());
  EXPECT_FALSE(empty.Insert(MakeLease(1, 1)).has_value());
}

TEST(LeaseShardTest, StoreWithANewKeyReindexes) {
  LeaseShard shard(0, 10);
  const uint32_t slot = *shard.Insert(MakeLease(1, 1));
  shard.Store(slot, MakeLease(2, 2));
  EXPECT_FALSE(shard.Find(KeyOf(1)).has_value());
  ASSERT_TRUE(shard.Find(KeyOf(2)).has_value());
  EXPECT_EQ(shard.Find(KeyOf(2))->slot, slot);
  Lease free_lease = MakeLease(2, 2);
  free_lease.state = LeaseState::kFree;
  shard.Store(slot, free_lease);  // kFree erases
  EXPECT_EQ(shard.size(), 0u);
}

// The index against a std::map under random inserts, updates and erases, at
// full capacity (80 % index load) so that keys overflow into later buckets.
TEST(LeaseShardTest, IndexMatchesAReferenceMapUnderChurn) {
  constexpr uint32_t kCapacity = 3000;
  LeaseShard shard(0, kCapacity);
  std::map<uint32_t, uint32_t> ref;  // client -> slot
  std::mt19937 rng(7);
  for (int op = 0; op < 200'000; ++op) {
    const uint32_t client = rng() % (kCapacity * 2);
    const auto it = ref.find(client);
    if (it == ref.end()) {
      if (ref.size() == kCapacity) continue;
      const auto slot = shard.Insert(MakeLease(client, op));
      ASSERT_TRUE(slot.has_value());
      ref[client] = *slot;
    } else if (rng() % 2) {
      shard.Erase(it->second);
      ref.erase(it);
    } else {
      shard.Store(it->second, MakeLease(client, op));
    }
    if (op % 20'000 == 0 || (op > 199'000 && op % 50 == 0)) {
      ASSERT_EQ(shard.size(), ref.size());
      for (uint32_t c = 0; c < kCapacity * 2; ++c) {
        const auto f = shard.Find(KeyOf(c));
        const auto r = ref.find(c);
        ASSERT_EQ(f.has_value(), r != ref.end()) << c;
        if (f) {
          ASSERT_EQ(f->slot, r->second);
        }
      }
    }
  }
  // Fill to capacity: every key findable.
  for (uint32_t c = kCapacity * 2; ref.size() < kCapacity; ++c) {
    ref[c] = *shard.Insert(MakeLease(c, c));
  }
  for (const auto& [c, slot] : ref) ASSERT_EQ(shard.Find(KeyOf(c))->slot, slot);
  EXPECT_FALSE(shard.Insert(MakeLease(1u << 30, 1)).has_value());  // full of bindings
}

TEST(LeaseShardTest, FullShardEvictsTheOldestAffinityHint) {
  LeaseShard shard(0, 4);
  uint32_t slot[4];
  for (uint32_t c = 0; c < 4; ++c) slot[c] = *shard.Insert(MakeLease(c, c));
  EXPECT_FALSE(shard.Insert(MakeLease(10, 10)).has_value());  // all bound: nothing to evict
  EXPECT_EQ(shard.size(), 4u);

  // Client 0 releases, then 1 expires; 0 comes back (bound) and releases
  // again after 2 released: the order in which they became hints is 1, 2, 0.
  shard.Store(slot[0], MakeLease(0, 0, LeaseState::kReleased));
  shard.Store(slot[1], MakeLease(1, 1, LeaseState::kExpired));
  shard.Store(slot[0], MakeLease(0, 0, LeaseState::kBound));
  shard.Store(slot[2], MakeLease(2, 2, LeaseState::kReleased));
  shard.Store(slot[0], MakeLease(0, 0, LeaseState::kReleased));

  ASSERT_TRUE(shard.Insert(MakeLease(10, 10)).has_value());
  EXPECT_FALSE(shard.Find(KeyOf(1)).has_value());
  EXPECT_TRUE(shard.Find(KeyOf(0)).has_value());
  ASSERT_TRUE(shard.Insert(MakeLease(11, 11)).has_value());
  EXPECT_FALSE(shard.Find(KeyOf(2)).has_value());
  ASSERT_TRUE(shard.Insert(MakeLease(12, 12)).has_value());
  EXPECT_FALSE(shard.Find(KeyOf(0)).has_value());
  EXPECT_TRUE(shard.Find(KeyOf(3)).has_value());
  EXPECT_EQ(shard.evictions(), 3u);
  EXPECT_FALSE(shard.Insert(MakeLease(13, 13)).has_value());
  // A record inserted as a hint is queued too.
  Lease hint = MakeLease(20, 20, LeaseState::kExpired);
  shard.Erase(shard.Find(KeyOf(3))->slot);
  ASSERT_TRUE(shard.Insert(hint).has_value());
  ASSERT_TRUE(shard.Insert(MakeLease(21, 21)).has_value());
  EXPECT_FALSE(shard.Find(KeyOf(20)).has_value());
  EXPECT_EQ(shard.size(), 4u);
}

TEST(LeaseShardTest, CollectExpiredHonoursBudgetAndWraps) {
  constexpr uint32_t kCount = 10;
  LeaseShard shard(0, 16);
  for (uint32_t c = 0; c < kCount; ++c) {
    Lease l = MakeLease(c, c);  // expire = c + 100
    if (c == 3) l.expire = base::kInfiniteLifetime;
    if (c == 4) l.state = LeaseState::kReleased;  // a hint never "expires"
    if (c == 5) l.state = LeaseState::kDeclined;
    if (c == 6) l.state = LeaseState::kOffered;
    shard.Insert(l);
  }
  // At now = 200 all but 3 (infinite) and 4 (released) are due.
  std::vector<uint32_t> seen;
  auto collect = [&](uint32_t budget) {
    return shard.CollectExpired(200, budget, [&](uint32_t slot, const Lease& l) {
      EXPECT_TRUE(HoldsAddress(l.state));
      seen.push_back(slot);
    });
  };
  EXPECT_EQ(collect(3), 3u);  // slots 0, 1, 2
  EXPECT_EQ(collect(3), 1u);  // 3 and 4 not due; 5
  EXPECT_EQ(collect(3), 3u);  // 6, 7, 8
  EXPECT_EQ(collect(3), 3u);  // 9, then wraps to 0, 1
  EXPECT_EQ(seen, (std::vector<uint32_t>{0, 1, 2, 5, 6, 7, 8, 9, 0, 1}));
  seen.clear();
  EXPECT_EQ(collect(shard.capacity()), 8u);  // each used slot once, from the cursor
  EXPECT_EQ(std::set<uint32_t>(seen.begin(), seen.end()).size(), 8u);
  // Not yet due at now = 100 except expire == 100 (client 0).
  EXPECT_EQ(shard.CollectExpired(100, 1000, [](uint32_t, const Lease&) {}), 1u);
  EXPECT_EQ(shard.CollectExpired(0xfffffffe, 1000, [](uint32_t, const Lease&) {}), 8u);
}

TEST(LeaseShardTest, CollectExpiredCallbackMayStoreOrErase) {
  LeaseShard shard(0, 8);
  for (uint32_t c = 0; c < 8; ++c) shard.Insert(MakeLease(c, c));
  size_t n = shard.CollectExpired(1000, 8, [&](uint32_t slot, const Lease& l) {
    if (l.cltt % 2) {
      shard.Erase(slot);
    } else {
      Lease e = l;
      e.state = LeaseState::kExpired;
      shard.Store(slot, e);
    }
  });
  EXPECT_EQ(n, 8u);
  EXPECT_EQ(shard.size(), 4u);
  EXPECT_EQ(shard.CollectExpired(1000, 8, [](uint32_t, const Lease&) {}), 0u);
}

TEST(LeaseShardTest, ForEachVisitsLiveRecords) {
  LeaseShard shard(0, 32);
  for (uint32_t c = 0; c < 20; ++c) shard.Insert(MakeLease(c, c));
  for (uint32_t c = 0; c < 20; c += 2) shard.Erase(shard.Find(KeyOf(c))->slot);
  std::set<uint32_t> cltts;
  shard.ForEach([&](uint32_t, const Lease& l) { cltts.insert(l.cltt); });
  EXPECT_EQ(cltts.size(), 10u);
  EXPECT_EQ(*cltts.begin(), 1u);
}

// A reader thread looks records up and walks the shard while the writer
// inserts, updates and erases. Every copy the reader gets must be one the
// writer stored whole.
TEST(LeaseShardThreadTest, ReadersNeverSeeATornRecord) {
  // Few clients and many writes, so reads and writes of one record overlap
  // often (a reader that skips the sequence check fails within a few ms).
  constexpr uint32_t kClients = 64;
  constexpr uint32_t kWrites = 1'000'000;
  LeaseShard shard(0, kClients);
  std::atomic<bool> done{false};
  std::atomic<uint64_t> reads{0}, found{0};
  auto reader = [&](int seed) {
    std::mt19937 rng(seed);
    Lease l;
    while (!done.load(std::memory_order_acquire)) {
      const uint32_t client = rng() % kClients;
      if (shard.ReadByKey(KeyOf(client), &l)) {
        ASSERT_TRUE(Consistent(l)) << "torn copy for client " << client;
        ASSERT_EQ(l.key, KeyOf(client));
        found.fetch_add(1, std::memory_order_relaxed);
      }
      if (rng() % 64 == 0) {
        shard.ForEach([&](uint32_t, const Lease& x) { ASSERT_TRUE(Consistent(x)); });
      }
      reads.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::thread r1(reader, 1);
  std::mt19937 rng(99);
  std::vector<int64_t> slot_of(kClients, -1);
  for (uint32_t v = 1; v <= kWrites; ++v) {
    const uint32_t client = rng() % kClients;
    const LeaseState st = v % 2 ? LeaseState::kBound : LeaseState::kOffered;
    if (slot_of[client] < 0) {
      slot_of[client] = *shard.Insert(MakeLease(client, v, st));
    } else if (rng() % 16 == 0) {
      shard.Erase(static_cast<uint32_t>(slot_of[client]));
      slot_of[client] = -1;
    } else {
      shard.Store(static_cast<uint32_t>(slot_of[client]), MakeLease(client, v, st));
    }
  }
  done.store(true, std::memory_order_release);
  r1.join();
  EXPECT_GT(reads.load(), 0u);
  // The final state is exactly what the writer left.
  for (uint32_t c = 0; c < kClients; ++c) {
    Lease l;
    EXPECT_EQ(shard.ReadByKey(KeyOf(c), &l), slot_of[c] >= 0) << c;
  }
}

// The same focused on the seqlock: a tight loop of overwrites of a few
// records against a tight loop of copies.
TEST(LeaseShardThreadTest, SlotReadsAreNeverTorn) {
  constexpr uint32_t kClients = 4;
  constexpr uint32_t kWrites = 2'000'000;
  LeaseShard shard(0, kClients);
  std::vector<Lease> leases;  // precomputed: the writer only stores
  for (uint32_t v = 0; v < 4096; ++v) leases.push_back(MakeLease(v % kClients, v));
  for (uint32_t c = 0; c < kClients; ++c) ASSERT_EQ(shard.Insert(leases[c]), c);
  std::atomic<bool> done{false};
  uint64_t reads = 0;
  std::thread reader([&] {
    Lease l;
    while (!done.load(std::memory_order_acquire)) {
      for (uint32_t slot = 0; slot < kClients; ++slot) {
        ASSERT_TRUE(shard.ReadSlot(slot, &l));
        ASSERT_TRUE(Consistent(l)) << "torn copy in slot " << slot;
        ++reads;
      }
    }
  });
  for (uint32_t v = 0; v < kWrites; ++v) shard.Store(v % kClients, leases[v % leases.size()]);
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_GT(reads, 0u);
}

TEST(LeaseStoreTest, ShardsByMacAndReadsByRef) {
  LeaseStore store(4, 1000);
  EXPECT_EQ(store.num_shards(), 4u);
  std::array<uint32_t, 4> per_shard{};
  for (uint32_t c = 0; c < 4000; ++c) {
    const auto mac = MacOf(c);
    const uint32_t s = store.ShardFor(base::ByteSpan(mac));
    ASSERT_LT(s, 4u);
    ASSERT_EQ(s, store.ShardFor(base::ByteSpan(mac)));  // deterministic
    ++per_shard[s];
    if (c < 100) {
      const auto slot = store.shard(s).Insert(MakeLease(c, c));
      ASSERT_TRUE(slot.has_value());
      Lease l;
      ASSERT_TRUE(store.ReadByRef(MakeLeaseRef(s, *slot), &l));
      EXPECT_EQ(l, MakeLease(c, c));
    }
  }
  for (uint32_t n : per_shard) {
    EXPECT_GT(n, 800u);
    EXPECT_LT(n, 1200u);
  }
  EXPECT_EQ(store.size(), 100u);
  Lease l;
  EXPECT_FALSE(store.ReadByRef(kNoLease, &l));
  EXPECT_FALSE(store.ReadByRef(MakeLeaseRef(9, 0), &l));
  EXPECT_GT(store.MemoryBytes(), 4u * 1000 * 48);
  EXPECT_EQ(LeaseStore(0, 1).num_shards(), 1u);
}

TEST(LeaseStoreTest, MemoryPerLeaseIsUnderBudget) {
  constexpr uint32_t kCapacity = 120'000;
  LeaseShard shard(0, kCapacity);
  // 48 record + 4 queue link + 64/12 index, plus each of the three arrays
  // rounded up to a 2 MiB huge page.
  const double budget = 48 + 4 + 64.0 / 12 + 3.0 * (2 << 20) / kCapacity;
  EXPECT_LE(static_cast<double>(shard.MemoryBytes()) / kCapacity, budget);
  EXPECT_GE(static_cast<double>(shard.MemoryBytes()) / kCapacity, 57.3);
}

}  // namespace
}  // namespace dpdhcp::lease
