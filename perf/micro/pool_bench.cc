// Address allocation cost against pool fill (DESIGN §5 invariant 6, §8:
// allocation at 99.9 % full ≤ 1.5 × empty).
//
// One 1 M-address pool (AddressSpace, the engine's entry point, and the bare
// AddressBitmap), pre-filled to `fill` basis points (9990 = 99.9 %) with
// addresses chosen at random so the free ones are scattered as after a long
// run of churn. Each iteration claims one address from a scattered hint, the
// way a worker's cursor (key hash + counter) spreads hints, and releases it,
// so the fill stays put. Compare the fill:0 and fill:9990 rows.
//
// What to expect: flat from 0 % to 99.99 % for ClaimAnyRelease. At high
// fill nearly every claim fills its 64-address word and the release right
// after unfills it; summary bits are one-sided hints ("full" is set lazily,
// by the next search that meets the full word), so that pair writes no
// summary at all, and the search is bounded by the number of levels.
// Churn (claims and releases in different words) is not flat: a release that
// unfills a word a search has marked must clear the mark, and the search
// pays the mark (one summary RMW each, plus the descent that finds the full
// word), which no one-bit-per-word summary avoids.
//
// Measured 2026-11-28 (release build, shared 2-CPU VM, cpu-time medians of
// 5 repetitions, three runs; perf/README.md has the table): ClaimAnyRelease
// 99.9 % / 0 % = 1.03-1.26 (1.71-1.78 with the former eager summaries);
// churn 99.9 % / 0 % = 1.65-1.91 (1.74-2.17 before).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/pool/address_bitmap.h"
#include "dpdhcp/pool/address_space.h"

namespace dpdhcp::pool {
namespace {

constexpr uint32_t kPoolSize = 1u << 20;
const base::Ipv4Address kFirst(100, 64, 0, 0);

// The indices to pre-claim for a fill of `permille`.
std::vector<uint32_t> FillOrder(int64_t basis_points) {
  std::vector<uint32_t> order(kPoolSize);
  for (uint32_t i = 0; i < kPoolSize; ++i) order[i] = i;
  std::mt19937 rng(42);
  std::shuffle(order.begin(), order.end(), rng);
  order.resize(static_cast<size_t>(uint64_t{kPoolSize} * basis_points / 10000));
  return order;
}

// Multiplicative hashing of a counter: consecutive calls land far apart.
uint32_t Hint(uint32_t n) { return n * 2654435761u; }

void BM_AddressSpaceClaimAnyRelease(benchmark::State& state) {
  AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, kFirst, base::Ipv4Address(kFirst.value() + kPoolSize - 1)});
  auto space = AddressSpace::Create(spec);
  if (!space.ok()) {
    state.SkipWithError("Create failed");
    return;
  }
  AddressSpace& s = **space;
  for (uint32_t i : FillOrder(state.range(0))) s.TryClaim(base::Ipv4Address(kFirst.value() + i));
  uint32_t n = 0;
  for (auto _ : state) {
    const auto a = s.ClaimAny(0, Hint(n++));
    benchmark::DoNotOptimize(a);
    s.Release(*a);
  }
  state.counters["fill_pct"] = static_cast<double>(state.range(0)) / 100;
  state.counters["bytes_per_address"] =
      static_cast<double>(s.MemoryBytes()) / static_cast<double>(s.num_addresses());
}
BENCHMARK(BM_AddressSpaceClaimAnyRelease)
    ->ArgName("fill")
    ->Arg(0)
    ->Arg(5000)
    ->Arg(9000)
    ->Arg(9900)
    ->Arg(9990)
    ->Arg(9999);

// Steady churn as a server sees it: each iteration claims an address and
// releases the one claimed 1024 iterations earlier, so claims and releases
// hit different words; the pool holds `fill` basis points throughout.
void BM_AddressSpaceChurn(benchmark::State& state) {
  constexpr uint32_t kWindow = 1024;
  AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, kFirst, base::Ipv4Address(kFirst.value() + kPoolSize - 1)});
  auto space = AddressSpace::Create(spec);
  AddressSpace& s = **space;
  std::vector<uint32_t> order = FillOrder(state.range(0));
  std::vector<base::Ipv4Address> window;
  for (size_t i = 0; i < order.size(); ++i) {
    const base::Ipv4Address a(kFirst.value() + order[i]);
    s.TryClaim(a);
    if (order.size() - i <= kWindow) window.push_back(a);  // the last claimed go first
  }
  while (window.size() < kWindow) window.push_back(*s.ClaimAny(0, Hint(~uint32_t(window.size()))));
  uint32_t n = 0;
  for (auto _ : state) {
    const auto a = s.ClaimAny(0, Hint(n));
    s.Release(window[n % kWindow]);
    window[n % kWindow] = *a;
    ++n;
  }
  state.counters["fill_pct"] = static_cast<double>(state.range(0)) / 100;
}
BENCHMARK(BM_AddressSpaceChurn)->ArgName("fill")->Arg(0)->Arg(9990);

void BM_BitmapClaimAnyRelease(benchmark::State& state) {
  AddressBitmap bitmap(kPoolSize);
  for (uint32_t i : FillOrder(state.range(0))) bitmap.TryClaim(i);
  uint32_t n = 0;
  for (auto _ : state) {
    const auto i = bitmap.ClaimAny(Hint(n++));
    benchmark::DoNotOptimize(i);
    bitmap.Release(*i);
  }
  state.counters["fill_pct"] = static_cast<double>(state.range(0)) / 100;
}
BENCHMARK(BM_BitmapClaimAnyRelease)->ArgName("fill")->Arg(0)->Arg(9990);

// A worker's sequential cursor (hint + 1 each call): the cheap case where
// consecutive claims share a word.
void BM_BitmapClaimAnyReleaseSequentialHint(benchmark::State& state) {
  AddressBitmap bitmap(kPoolSize);
  for (uint32_t i : FillOrder(state.range(0))) bitmap.TryClaim(i);
  uint32_t n = 0;
  for (auto _ : state) {
    const auto i = bitmap.ClaimAny(n++);
    benchmark::DoNotOptimize(i);
    bitmap.Release(*i);
  }
}
BENCHMARK(BM_BitmapClaimAnyReleaseSequentialHint)->ArgName("fill")->Arg(0)->Arg(9990);

// Specific-address claims (requested address, renewal) for comparison.
void BM_AddressSpaceTryClaimRelease(benchmark::State& state) {
  AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, kFirst, base::Ipv4Address(kFirst.value() + kPoolSize - 1)});
  auto space = AddressSpace::Create(spec);
  AddressSpace& s = **space;
  uint32_t n = 0;
  for (auto _ : state) {
    const base::Ipv4Address a(kFirst.value() + (Hint(n++) & (kPoolSize - 1)));
    benchmark::DoNotOptimize(s.TryClaim(a));
    s.Release(a);
  }
}
BENCHMARK(BM_AddressSpaceTryClaimRelease);

}  // namespace
}  // namespace dpdhcp::pool

BENCHMARK_MAIN();
