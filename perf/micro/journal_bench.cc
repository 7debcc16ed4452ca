// Journal figures (DESIGN §8): Append throughput of one worker stream with
// the journal thread writing and fdatasyncing to a real directory, the
// durable-ACK latency group commit adds (p50/p99 counters), and snapshot and
// replay time at 1 M and 10 M leases.
//
// The directory is $DPDHCP_BENCH_DIR (default /tmp): the figures are the
// disk's as much as the code's. Report the fdatasync rate of the same disk
// with them (the syncs_per_s counter).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dpdhcp/journal/journal.h"
#include "dpdhcp/journal/replay.h"
#include "dpdhcp/journal/snapshot.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"

namespace dpdhcp::journal {
namespace {

using Clock = std::chrono::steady_clock;
using lease::Lease;
using lease::LeaseState;
using lease::LeaseStore;

std::string BenchDir(const std::string& name) {
  const char* base = std::getenv("DPDHCP_BENCH_DIR");
  const std::string dir = std::string(base != nullptr ? base : "/tmp") + "/dpdhcp-journal-bench-" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

Lease LeaseOf(uint32_t client) {
  const std::array<uint8_t, 6> mac = {0x02, 0x00, static_cast<uint8_t>(client >> 24),
                                      static_cast<uint8_t>(client >> 16),
                                      static_cast<uint8_t>(client >> 8), static_cast<uint8_t>(client)};
  Lease l;
  l.key = lease::ClientKey::FromHardware(1, base::ByteSpan(mac));
  l.SetHardware(1, base::ByteSpan(mac));
  l.address = base::Ipv4Address(0x0a000000u + client);
  l.subnet_id = 1;
  l.cltt = 1'700'000'000;
  l.expire = l.cltt + 3600;
  l.state = LeaseState::kBound;
  return l;
}

void ReportJournal(benchmark::State& state, const Journal& j, double seconds) {
  const JournalStats st = j.stats();
  state.counters["groups"] = static_cast<double>(st.groups);
  state.counters["avg_group"] = st.groups > 0 ? double(st.records) / double(st.groups) : 0;
  state.counters["max_group"] = static_cast<double>(st.max_group_records);
  state.counters["syncs_per_s"] = seconds > 0 ? double(st.syncs) / seconds : 0;
}

// One worker appending as fast as the journal drains: the sustained rate of
// one stream (a full ring makes the worker retry, as it would drop). The
// durable latency of every 64th record is measured on the worker side, the
// way the runtime releases parked ACKs: poll durable_sequence().
void BM_AppendDurable(benchmark::State& state) {
  const std::string dir = BenchDir("append");
  JournalOptions o;
  o.num_streams = 1;
  o.max_group_delay = std::chrono::microseconds(state.range(0));
  auto j = Journal::Open(dir, o);
  if (!j.ok()) {
    state.SkipWithError(std::string(j.status().message()).c_str());
    return;
  }
  JournalStream& s = (*j)->stream(0);
  struct Sample {
    uint64_t seq;
    Clock::time_point t;
  };
  std::deque<Sample> waiting;
  std::vector<double> latency_us;
  uint32_t client = 0;
  uint64_t full = 0;
  const Clock::time_point start = Clock::now();
  for (auto _ : state) {
    std::optional<uint64_t> seq;
    while (!(seq = s.Append(RecordType::kGranted, LeaseOf(client)))) ++full;
    if ((client++ & 63) == 0) waiting.push_back({*seq, Clock::now()});
    const uint64_t durable = s.durable_sequence();
    if (!waiting.empty() && waiting.front().seq <= durable) {
      const Clock::time_point now = Clock::now();
      while (!waiting.empty() && waiting.front().seq <= durable) {
        latency_us.push_back(std::chrono::duration<double, std::micro>(now - waiting.front().t).count());
        waiting.pop_front();
      }
    }
  }
  (*j)->Sync(std::chrono::seconds(60));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  state.SetItemsProcessed(state.iterations());
  ReportJournal(state, **j, seconds);
  state.counters["ring_full_retries"] = static_cast<double>(full);
  if (!latency_us.empty()) {
    std::sort(latency_us.begin(), latency_us.end());
    state.counters["durable_p50_us"] = latency_us[latency_us.size() / 2];
    state.counters["durable_p99_us"] = latency_us[latency_us.size() * 99 / 100];
  }
  (*j)->Stop();
  std::filesystem::remove_all(dir);
}
// Arg: max_group_delay in µs.
BENCHMARK(BM_AppendDurable)->Arg(0)->Arg(1000)->MinTime(3)->UseRealTime()->Unit(benchmark::kNanosecond);

// Durable latency at a steady offered load: one record every 1/rate
// seconds, each timed until durable_sequence() passes it.
void BM_DurableLatencyAtRate(benchmark::State& state) {
  const std::string dir = BenchDir("latency");
  JournalOptions o;
  o.num_streams = 1;
  o.max_group_delay = std::chrono::microseconds(state.range(1));
  auto j = Journal::Open(dir, o);
  if (!j.ok()) {
    state.SkipWithError(std::string(j.status().message()).c_str());
    return;
  }
  JournalStream& s = (*j)->stream(0);
  const auto gap = std::chrono::nanoseconds(1'000'000'000 / state.range(0));
  std::deque<std::pair<uint64_t, Clock::time_point>> waiting;
  std::vector<double> latency_us;
  uint32_t client = 0;
  const Clock::time_point start = Clock::now();
  Clock::time_point next = start;
  for (auto _ : state) {
    Clock::time_point now = Clock::now();
    while (now < next) {  // the worker loop: poll, release what is durable
      const uint64_t durable = s.durable_sequence();
      while (!waiting.empty() && waiting.front().first <= durable) {
        latency_us.push_back(
            std::chrono::duration<double, std::micro>(now - waiting.front().second).count());
        waiting.pop_front();
      }
      now = Clock::now();
    }
    next += gap;
    if (auto seq = s.Append(RecordType::kGranted, LeaseOf(client++))) waiting.push_back({*seq, now});
  }
  (*j)->Sync(std::chrono::seconds(60));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ReportJournal(state, **j, seconds);
  std::sort(latency_us.begin(), latency_us.end());
  if (!latency_us.empty()) {
    state.counters["durable_p50_us"] = latency_us[latency_us.size() / 2];
    state.counters["durable_p99_us"] = latency_us[latency_us.size() * 99 / 100];
  }
  (*j)->Stop();
  std::filesystem::remove_all(dir);
}
// Args: offered records/s, max_group_delay in µs (0: a group closes as soon
// as the previous commit is done).
BENCHMARK(BM_DurableLatencyAtRate)
    ->Args({10'000, 1000})
    ->Args({100'000, 1000})
    ->Args({10'000, 0})
    ->Args({100'000, 0})
    ->MinTime(3)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// A store of `n` bound leases (8 shards), shared by the snapshot and replay
// benchmarks of one size; the journal directory holds the same leases as n
// grant records (segments) and as a snapshot.
struct Fixture {
  uint32_t n = 0;
  std::string dir;
  std::unique_ptr<LeaseStore> store;
};

constexpr uint32_t kShards = 8;
uint32_t CapacityFor(uint32_t n) { return n / kShards + n / (4 * kShards) + 1024; }

Fixture& TheFixture() {
  static Fixture f;
  return f;
}

Fixture& FixtureFor(uint32_t n) {
  Fixture& f = TheFixture();
  if (f.n == n) return f;
  if (!f.dir.empty()) std::filesystem::remove_all(f.dir);
  f = Fixture{};
  f.n = n;
  f.dir = BenchDir("store-" + std::to_string(n));
  f.store = std::make_unique<LeaseStore>(kShards, CapacityFor(n));
  JournalOptions o;
  auto j = Journal::Open(f.dir, o);
  if (!j.ok()) std::abort();
  for (uint32_t c = 0; c < n; ++c) {
    const Lease l = LeaseOf(c);
    f.store->shard(f.store->ShardFor(l.hw())).Insert(l);
    while (!(*j)->stream(0).Append(RecordType::kGranted, l)) {
    }
  }
  (*j)->Stop();
  return f;
}

std::unique_ptr<pool::AddressSpace> SpaceFor(uint32_t n) {
  pool::AddressSpaceSpec spec;
  spec.num_subnets = 1;
  spec.pools.push_back({0, 0, base::Ipv4Address(0x0a000000u),
                        base::Ipv4Address(0x0a000000u + std::max<uint32_t>(n, 256) - 1)});
  return *pool::AddressSpace::Create(spec);
}

void BM_Snapshot(benchmark::State& state) {
  Fixture& f = FixtureFor(static_cast<uint32_t>(state.range(0)));
  const std::string dir = BenchDir("snapshot");
  std::filesystem::create_directories(dir);
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto r = WriteSnapshot(dir, *f.store, 1, {{0, f.n}});
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    bytes = r->bytes;
  }
  state.SetItemsProcessed(state.iterations() * f.n);
  state.counters["bytes"] = static_cast<double>(bytes);
  std::filesystem::remove_all(dir);
}
// Replays into `shards` shards: dpdhcpd has one per worker.
void Replayed(benchmark::State& state, bool from_snapshot, uint32_t shards = kShards) {
  Fixture& f = FixtureFor(static_cast<uint32_t>(state.range(0)));
  const std::string snap = f.dir + "/snapshot";
  std::filesystem::remove(snap);
  if (from_snapshot && !WriteSnapshot(f.dir, *f.store, 1, {{0, f.n}}).ok()) std::abort();
  uint64_t installed = 0;
  ReplayResult::Timing timing;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<LeaseStore>(shards, CapacityFor(f.n) * kShards / shards);
    auto space = SpaceFor(f.n);
    state.ResumeTiming();
    auto r = Replay(f.dir, *store, space.get());
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    installed = r->install.installed;
    timing = r->timing;
    state.PauseTiming();
    store.reset();
    space.reset();
    state.ResumeTiming();
  }
  std::filesystem::remove(snap);
  state.SetItemsProcessed(state.iterations() * f.n);
  state.counters["installed"] = static_cast<double>(installed);
  state.counters["snapshot_ms"] = timing.snapshot_ms;
  state.counters["segments_ms"] = timing.segments_ms;
  state.counters["merge_ms"] = timing.merge_ms;
  state.counters["install_ms"] = timing.install_ms;
}
void BM_ReplaySegments(benchmark::State& state) { Replayed(state, false); }
void BM_ReplaySnapshot(benchmark::State& state) { Replayed(state, true); }
void BM_ReplaySnapshotOneShard(benchmark::State& state) { Replayed(state, true, 1); }
// One size at a time, so that each store is built once.
BENCHMARK(BM_Snapshot)->Arg(1'000'000)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplaySegments)->Arg(1'000'000)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplaySnapshot)->Arg(1'000'000)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Snapshot)->Arg(10'000'000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplaySegments)->Arg(10'000'000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplaySnapshot)->Arg(10'000'000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplaySnapshotOneShard)->Arg(1'000'000)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplaySnapshotOneShard)->Arg(10'000'000)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dpdhcp::journal

// BENCHMARK_MAIN, then the fixture's directory (hundreds of MB) removed.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const std::string dir = dpdhcp::journal::TheFixture().dir;
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return 0;
}
