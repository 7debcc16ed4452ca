// What durability costs a worker, in one run (issue 4, DESIGN §8): the real
// engine deciding renewals of 100 k bound clients, the real JournalStream
// and Journal (writing and fdatasyncing segments in $DPDHCP_BENCH_DIR, default
// /tmp), and the worker's ACK parking (src/runtime/ack_parking.h) released
// in bursts as in Worker::Run. No DPDK: an "ACK sent" is the reply handed to
// the TX step; the NIC is not in the figure.
//
// Phases, each `--seconds` long, same workload:
//   none     no journal (lease-database type "memory")
//   relaxed  record appended, ACK sent at once
//   strict   record appended, ACK parked until durable_sequence() passes it
//   strict+snapshot  strict while a control thread snapshots the store back
//            to back (compaction impact on the added latency)
// and, at a fixed offered rate (--rate ACKs/s, paced by the worker), strict
// latency with and without snapshots.
//
// Per phase: ACKs/s sent, ACKs withheld (ring or parking full: the runtime's
// drop-journal-unavailable), and the latency strict adds per ACK, from the
// decision to its release (p50/p99/p99.9/max).
//
// The max-rate phases none, relaxed, strict run back to back --rounds times
// (default 3), and the median of each round's ratio to none is printed.
//
//   build/perf/durable_ack_bench [--seconds 3] [--rounds 3] [--rate 200000]
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../../src/runtime/ack_parking.h"
#include "../../src/runtime/journal_record_type.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/journal/journal.h"
#include "engine_fixture.h"

namespace dpdhcp {
namespace {

using Clock = std::chrono::steady_clock;
using runtime::internal::FrameParking;
using runtime::internal::kAckParkingBytes;
using runtime::internal::kAckParkingFrames;
using runtime::internal::ParkedFrame;

constexpr uint32_t kClients = 100'000;
constexpr uint32_t kBurst = 32;  // requests per loop iteration, as kRxBurst

constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [{"name": "p0", "port": "net_null0", "address": "198.18.0.1/15"}]},
  "valid-lifetime": 3600,
  "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54"}],
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/15", "interface": "p0",
    "pools": [{"pool": "198.18.1.0 - 198.19.255.254"}],
    "option-data": [{"name": "routers", "data": "198.18.0.1"}]}]}})";

// 100 k clients bound (untimed), and their renewal REQUESTs.
struct Fixture {
  perf::EngineFixture engine{kConfig, 1u << 18};
  std::vector<std::vector<uint8_t>> renew = perf::BindClients(engine, kClients);
};

enum class Mode { kNone, kRelaxed, kStrict };

// As dpdhcpd places its threads (src/app/journal_setup.cc): the worker (this
// thread) alone on one CPU, the journal thread and the snapshotter on the
// process's other CPUs. Unpinned, the scheduler sometimes put the journal
// thread on the worker's CPU, and the figure measured that.
struct Placement {
  cpu_set_t worker;
  cpu_set_t others;
  bool split = false;
};

Placement PlaceThreads() {
  Placement p;
  cpu_set_t all;
  CPU_ZERO(&all);
  CPU_ZERO(&p.worker);
  if (sched_getaffinity(0, sizeof all, &all) != 0 || CPU_COUNT(&all) < 2) return p;
  p.others = all;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &all)) {
      CPU_SET(c, &p.worker);
      CPU_CLR(c, &p.others);
      break;
    }
  }
  p.split = pthread_setaffinity_np(pthread_self(), sizeof p.worker, &p.worker) == 0;
  return p;
}

// Limits the calling thread to the non-worker CPUs.
void MoveToOtherCpus(const Placement& p) {
  if (p.split) pthread_setaffinity_np(pthread_self(), sizeof p.others, &p.others);
}

// Runs fn on a thread limited to the non-worker CPUs; threads fn creates
// inherit that.
template <class Fn>
void OnOtherCpus(const Placement& p, Fn&& fn) {
  std::thread t([&] {
    MoveToOtherCpus(p);
    fn();
  });
  t.join();
}

struct PhaseResult {
  const char* name;
  double seconds = 0;
  uint64_t acks = 0;
  uint64_t withheld = 0;
  uint64_t syncs = 0;
  uint64_t snapshots = 0;
  std::vector<uint64_t> latency_ns;  // strict: decision -> release, per ACK
};

// Every ACK's bytes are written once where the runtime builds its frame:
// none and relaxed into the "mbuf" it is sent from (tx_frame), strict into
// the worker's FrameParking; a parked ACK is copied out into the "fresh
// mbuf" (tx_frame) when released. What strict adds is what it adds in the
// runtime: the ring's cold lines, the copy out, the parking bookkeeping.
// Decision times ride in a ring of their own, pushed and popped in the same
// order as the frames.

PhaseResult RunPhase(const char* name, Mode mode, double seconds, uint64_t rate,
                     bool snapshots, const std::string& dir, uint32_t parking,
                     const Placement& placement) {
  Fixture f;
  PhaseResult res;
  res.name = name;
  std::unique_ptr<journal::Journal> j;
  if (mode != Mode::kNone) {
    std::filesystem::remove_all(dir);
    journal::JournalOptions o;
    o.num_streams = 1;
    absl::StatusOr<std::unique_ptr<journal::Journal>> opened;
    OnOtherCpus(placement, [&] { opened = journal::Journal::Open(dir, o); });
    if (!opened.ok()) {
      std::fprintf(stderr, "journal open: %s\n", std::string(opened.status().message()).c_str());
      std::exit(1);
    }
    j = *std::move(opened);
  }
  journal::JournalStream* stream = j ? &j->stream(0) : nullptr;
  FrameParking parked(parking, std::max<uint64_t>(kAckParkingBytes, uint64_t{parking} * 512));
  std::vector<int64_t> decided(parked.capacity());
  uint64_t decided_in = 0, decided_out = 0;
  std::vector<uint8_t> tx_frame(FrameParking::kMaxFrame);
  // Every page touched now, untimed: a first touch in the loop would add a
  // page fault per 512 ACKs to strict alone.
  const size_t max_samples = mode == Mode::kStrict ? static_cast<size_t>(seconds * 4e6) : 0;
  res.latency_ns.assign(max_samples, 0);
  size_t samples = 0;

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> snapshot_count{0};
  std::thread snapshotter;
  if (snapshots && j) {
    snapshotter = std::thread([&] {
      MoveToOtherCpus(placement);
      while (!stop.load()) {
        if (j->Snapshot(*f.engine.leases).ok()) snapshot_count.fetch_add(1);
      }
    });
  }

  const engine::RequestContext ctx = perf::BroadcastContext();
  std::vector<uint8_t> reply(1500);
  uint64_t sink = 0;
  uint32_t i = 0;
  const Clock::time_point start = Clock::now();
  const auto ns_since = [&](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start).count();
  };
  const int64_t end_ns = static_cast<int64_t>(seconds * 1e9);
  int64_t now_ns = 0;
  uint64_t offered = 0;
  while (now_ns < end_ns) {
    // Paced mode: requests arrive at `rate`; a burst takes what is due.
    uint32_t n = kBurst;
    if (rate != 0) {
      const uint64_t due = static_cast<uint64_t>(static_cast<double>(now_ns) * 1e-9 * rate);
      n = static_cast<uint32_t>(std::min<uint64_t>(due - offered, kBurst));
      offered += n;
    }
    for (uint32_t k = 0; k < n; ++k) {
      const engine::Decision d = f.engine.engine->HandlePayload(f.renew[i], ctx, reply);
      if (++i == kClients) i = 0;
      if (d.change.event == engine::LeaseEvent::kNone || stream == nullptr) {
        // The frame is built where it is sent from (the runtime: the
        // request's mbuf).
        std::memcpy(tx_frame.data(), reply.data(), d.reply_length);
        sink += tx_frame[d.reply_length - 1];
        ++res.acks;  // sent
        continue;
      }
      const auto seq = stream->Append(runtime::internal::RecordTypeOf(d.change.event), d.change.lease);
      if (!seq || !j->healthy()) {
        ++res.withheld;
        continue;
      }
      if (mode == Mode::kRelaxed) {
        std::memcpy(tx_frame.data(), reply.data(), d.reply_length);
        sink += tx_frame[d.reply_length - 1];
        ++res.acks;
        continue;
      }
      if (parked.Push(reply.data(), d.reply_length, 0, *seq)) {
        decided[decided_in++ & (parked.capacity() - 1)] = now_ns;
      } else {
        ++res.withheld;
      }
    }
    now_ns = ns_since(Clock::now());
    if (mode == Mode::kStrict && !parked.empty()) {
      const uint64_t durable = stream->durable_sequence();
      parked.ReleaseUpTo(durable, [&](const ParkedFrame& f) {
        std::memcpy(tx_frame.data(), f.data, f.length);
        sink += tx_frame[f.length - 1];
        ++res.acks;
        const int64_t t = decided[decided_out++ & (parked.capacity() - 1)];
        if (samples < max_samples) res.latency_ns[samples++] = static_cast<uint64_t>(now_ns - t);
        return true;
      });
    }
  }
  res.seconds = static_cast<double>(now_ns) * 1e-9;
  res.latency_ns.resize(samples);
  stop.store(true);
  if (snapshotter.joinable()) snapshotter.join();
  res.snapshots = snapshot_count.load();
  if (j) {
    j->Sync(std::chrono::seconds(5));
    res.syncs = j->stats().syncs;
    j->Stop();
    std::filesystem::remove_all(dir);
  }
  if (sink == 42) std::printf(" ");
  return res;
}

double Pct(std::vector<uint64_t>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return static_cast<double>(v[k]) / 1e3;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void Print(PhaseResult& r, double base_rate) {
  const double rate = static_cast<double>(r.acks) / r.seconds;
  std::printf("%-26s %12.0f %8.3f %10llu %9.0f", r.name, rate,
              base_rate > 0 ? rate / base_rate : 1.0,
              static_cast<unsigned long long>(r.withheld),
              static_cast<double>(r.syncs) / r.seconds);
  if (!r.latency_ns.empty()) {
    const double mx = static_cast<double>(*std::max_element(r.latency_ns.begin(), r.latency_ns.end())) / 1e3;
    std::printf(" %9.0f %9.0f %9.0f %9.0f", Pct(r.latency_ns, 0.5), Pct(r.latency_ns, 0.99),
                Pct(r.latency_ns, 0.999), mx);
  } else {
    std::printf(" %9s %9s %9s %9s", "-", "-", "-", "-");
  }
  if (r.snapshots != 0) std::printf("  (%llu snapshots)", static_cast<unsigned long long>(r.snapshots));
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace
}  // namespace dpdhcp

int main(int argc, char** argv) {
  using namespace dpdhcp;
  double seconds = 3;
  uint64_t rate = 200'000;
  uint32_t parking = kAckParkingFrames;  // the runtime's
  int rounds = 3;
  for (int a = 1; a + 1 < argc; a += 2) {
    if (std::strcmp(argv[a], "--seconds") == 0) seconds = std::atof(argv[a + 1]);
    if (std::strcmp(argv[a], "--rounds") == 0) rounds = std::max(1, std::atoi(argv[a + 1]));
    if (std::strcmp(argv[a], "--rate") == 0) rate = std::strtoull(argv[a + 1], nullptr, 10);
    if (std::strcmp(argv[a], "--parking") == 0) parking = static_cast<uint32_t>(std::atoi(argv[a + 1]));
  }
  const char* base = std::getenv("DPDHCP_BENCH_DIR");
  const std::string dir =
      std::string(base != nullptr ? base : "/tmp") + "/dpdhcp-durable-ack-bench-" + std::to_string(getpid());
  std::printf("durable_ack_bench: %u bound clients renewing, bursts of %u, %.1f s per phase, "
              "journal in %s, parking %u\n",
              kClients, kBurst, seconds, dir.c_str(), parking);
  const Placement placement = PlaceThreads();
  std::printf("threads: %s\n", placement.split
                                   ? "worker alone on one CPU, journal and snapshots on the others"
                                   : "unpinned (one CPU, or affinity not settable)");
  std::printf("%-26s %12s %8s %10s %9s %9s %9s %9s %9s\n", "phase", "ACKs/s", "x none",
              "withheld", "syncs/s", "p50 us", "p99 us", "p99.9 us", "max us");
  // The three max-rate phases back to back, `rounds` times: each round's
  // ratios compare like with like on a VM whose speed drifts between phases.
  std::vector<double> relaxed_ratio, strict_ratio;
  for (int r = 0; r < rounds; ++r) {
    PhaseResult none = RunPhase("none (max rate)", Mode::kNone, seconds, 0, false, dir, parking, placement);
    const double base_rate = static_cast<double>(none.acks) / none.seconds;
    Print(none, base_rate);
    PhaseResult relaxed = RunPhase("relaxed (max rate)", Mode::kRelaxed, seconds, 0, false, dir, parking, placement);
    Print(relaxed, base_rate);
    PhaseResult strict = RunPhase("strict (max rate)", Mode::kStrict, seconds, 0, false, dir, parking, placement);
    Print(strict, base_rate);
    relaxed_ratio.push_back(static_cast<double>(relaxed.acks) / relaxed.seconds / base_rate);
    strict_ratio.push_back(static_cast<double>(strict.acks) / strict.seconds / base_rate);
  }
  std::printf("x none, median of %d rounds: relaxed %.3f, strict %.3f\n", rounds,
              Median(relaxed_ratio), Median(strict_ratio));
  PhaseResult none = RunPhase("none (max rate)", Mode::kNone, seconds, 0, false, dir, parking, placement);
  const double base_rate = static_cast<double>(none.acks) / none.seconds;
  Print(none, base_rate);
  PhaseResult strict_snap =
      RunPhase("strict+snapshots (max)", Mode::kStrict, seconds, 0, true, dir, parking, placement);
  Print(strict_snap, base_rate);
  char name[64];
  std::snprintf(name, sizeof name, "strict @ %llu/s", static_cast<unsigned long long>(rate));
  PhaseResult paced = RunPhase(name, Mode::kStrict, seconds, rate, false, dir, parking, placement);
  Print(paced, static_cast<double>(rate));
  std::snprintf(name, sizeof name, "strict+snap @ %llu/s", static_cast<unsigned long long>(rate));
  PhaseResult paced_snap = RunPhase(name, Mode::kStrict, seconds, rate, true, dir, parking, placement);
  Print(paced_snap, static_cast<double>(rate));
  return 0;
}
