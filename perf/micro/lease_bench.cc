// Lease shard lookups at scale and memory per lease (DESIGN §8: ≤ 64 bytes
// per lease at 10 M leases, indexes and address state included).
//
// The stores are built once per size and shared by the benchmarks (building
// 10 M records takes a few seconds). Keys are hardware keys of distinct MACs,
// as the engine builds them per request; lookups go in a scattered order so
// that they miss the cache the way a large subscriber base does.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <memory>

#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"

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

// One shard holding `count` bound leases, full to capacity. Only the last
// one built is kept, so that two 10 M stores are never alive at once.
LeaseShard& ShardWith(uint32_t count) {
  static std::unique_ptr<LeaseShard> shard;
  if (!shard || shard->capacity() != count) {
    shard.reset();
    shard = std::make_unique<LeaseShard>(0, count);
    for (uint32_t c = 0; c < count; ++c) {
      Lease l;
      const auto mac = MacOf(c);
      l.key = ClientKey::FromHardware(1, base::ByteSpan(mac));
      l.SetHardware(1, base::ByteSpan(mac));
      l.address = base::Ipv4Address(0x64400000u + c);
      l.subnet_id = 1;
      l.cltt = 1'700'000'000;
      l.expire = l.cltt + 3600;
      l.state = LeaseState::kBound;
      shard->Insert(l);
    }
  }
  return *shard;
}

// Scattered order over [0, count): a multiplier coprime with any count that
// is not a multiple of the prime 1'000'003.
uint32_t Scatter(uint32_t i, uint32_t count) {
  return static_cast<uint32_t>(uint64_t{i} * 1'000'003u % count);
}

void BM_ShardFindHit(benchmark::State& state) {
  const auto count = static_cast<uint32_t>(state.range(0));
  LeaseShard& shard = ShardWith(count);
  uint32_t i = 0;
  for (auto _ : state) {
    auto f = shard.Find(KeyOf(Scatter(i++, count)));
    benchmark::DoNotOptimize(f);
  }
  state.counters["leases"] = count;
  state.counters["bytes_per_lease"] = static_cast<double>(shard.MemoryBytes()) / count;
}
BENCHMARK(BM_ShardFindHit)->ArgName("leases")->Arg(1'000'000)->Arg(10'000'000);

// The same in bursts of 32, as a worker handles an RX burst: prefetch every
// key's bucket first, then look them up.
void BM_ShardFindHitBurstPrefetch(benchmark::State& state) {
  constexpr uint32_t kBurst = 32;
  const auto count = static_cast<uint32_t>(state.range(0));
  LeaseShard& shard = ShardWith(count);
  uint32_t i = 0;
  ClientKey keys[kBurst];
  for (auto _ : state) {
    for (uint32_t k = 0; k < kBurst; ++k) {
      keys[k] = KeyOf(Scatter(i++, count));
      shard.Prefetch(keys[k]);
    }
    for (uint32_t k = 0; k < kBurst; ++k) {
      auto f = shard.Find(keys[k]);
      benchmark::DoNotOptimize(f);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBurst);
}
BENCHMARK(BM_ShardFindHitBurstPrefetch)->ArgName("leases")->Arg(1'000'000)->Arg(10'000'000);

// A DISCOVER from a client the server has never seen: the lookup misses.
void BM_ShardFindMiss(benchmark::State& state) {
  const auto count = static_cast<uint32_t>(state.range(0));
  LeaseShard& shard = ShardWith(count);
  uint32_t i = 0;
  for (auto _ : state) {
    auto f = shard.Find(KeyOf(count + Scatter(i++, count)));
    benchmark::DoNotOptimize(f);
  }
}
BENCHMARK(BM_ShardFindMiss)->ArgName("leases")->Arg(1'000'000)->Arg(10'000'000);

// Control-plane lookups through the seqlock path.
void BM_ShardReadByKey(benchmark::State& state) {
  const auto count = static_cast<uint32_t>(state.range(0));
  LeaseShard& shard = ShardWith(count);
  uint32_t i = 0;
  Lease l;
  for (auto _ : state) {
    benchmark::DoNotOptimize(shard.ReadByKey(KeyOf(Scatter(i++, count)), &l));
  }
}
BENCHMARK(BM_ShardReadByKey)->ArgName("leases")->Arg(10'000'000);

// Renewal: find the record and store it back with a new expiry.
void BM_ShardFindStore(benchmark::State& state) {
  const auto count = static_cast<uint32_t>(state.range(0));
  LeaseShard& shard = ShardWith(count);
  uint32_t i = 0;
  for (auto _ : state) {
    auto f = shard.Find(KeyOf(Scatter(i++, count)));
    f->lease.expire += 1;
    shard.Store(f->slot, f->lease);
  }
}
BENCHMARK(BM_ShardFindStore)->ArgName("leases")->Arg(10'000'000);

// Churn at full capacity: erase one client, insert another in its place.
void BM_ShardEraseInsert(benchmark::State& state) {
  const auto count = static_cast<uint32_t>(state.range(0));
  LeaseShard& shard = ShardWith(count);
  uint32_t i = 0;
  for (auto _ : state) {
    const uint32_t c = Scatter(i++, count);
    auto f = shard.Find(KeyOf(c));
    shard.Erase(f->slot);
    f->lease.key = KeyOf(c + count);
    const auto slot = shard.Insert(f->lease);
    benchmark::DoNotOptimize(slot);
    // Put the original back so the set of keys stays the same.
    shard.Erase(*slot);
    f->lease.key = KeyOf(c);
    shard.Insert(f->lease);
  }
}
BENCHMARK(BM_ShardEraseInsert)->ArgName("leases")->Arg(1'000'000);

// Memory per lease at 10 M: the lease store (records, index, affinity queue)
// per lease plus the address state (bitmap + holder word) per address, for a
// store and a pool both sized for 10 M. Reported as counters; the loop only
// reads one lease by reference.
void BM_BytesPerLease(benchmark::State& state) {
  constexpr uint32_t kLeases = 10'000'000;
  constexpr uint32_t kShards = 2;
  static LeaseStore* store = [] {
    auto* s = new LeaseStore(kShards, kLeases / kShards);
    // Clients until every shard is full (the MAC hash splits them unevenly).
    for (uint32_t c = 0; s->size() < kLeases; ++c) {
      const auto mac = MacOf(c);
      Lease l;
      l.key = ClientKey::FromHardware(1, base::ByteSpan(mac));
      l.SetHardware(1, base::ByteSpan(mac));
      l.address = base::Ipv4Address(0x64400000u + c);
      l.state = LeaseState::kBound;
      LeaseShard& shard = s->shard(s->ShardFor(base::ByteSpan(mac)));
      if (shard.size() < shard.capacity()) shard.Insert(l);
    }
    return s;
  }();
  pool::AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back(
      {0, 0, base::Ipv4Address(0x64400000u), base::Ipv4Address(0x64400000u + kLeases - 1)});
  auto space = pool::AddressSpace::Create(spec);
  if (!space.ok()) {
    state.SkipWithError("Create failed");
    return;
  }
  Lease l;
  uint32_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(store->ReadByRef(MakeLeaseRef(i & 1, Scatter(i, 4'000'000)), &l));
    ++i;
  }
  const double leases = static_cast<double>(store->size());
  const double store_bytes = static_cast<double>(store->MemoryBytes()) / leases;
  const double space_bytes =
      static_cast<double>((*space)->MemoryBytes()) / static_cast<double>((*space)->num_addresses());
  state.counters["leases"] = leases;
  state.counters["store_bytes_per_lease"] = store_bytes;
  state.counters["pool_bytes_per_address"] = space_bytes;
  state.counters["bytes_per_lease"] = store_bytes + space_bytes;
}
BENCHMARK(BM_BytesPerLease)->Iterations(1'000'000);

}  // namespace
}  // namespace dpdhcp::lease

BENCHMARK_MAIN();
