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
//   build/perf/durable_ack_bench [--seconds 3] [--rate 200000]
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

struct PhaseResult {
  const char* name;
  double seconds = 0;
  uint64_t acks = 0;
  uint64_t withheld = 0;
  uint64_t syncs = 0;
  uint64_t snapshots = 0;
  std::vector<uint64_t> latency_ns;  // strict: decision -> release, per ACK
};

// A parked ACK is the reply copied into the worker's FrameParking (the
// runtime builds the finished frame there instead of in the request's mbuf)
// and copied out into a "fresh mbuf" (tx_frame) when released. The "none"
// phase builds no frame at all, so strict here pays both copies where the
// runtime adds one: this bench overstates strict's cost a little.
// Decision times ride in a ring of their own, pushed and popped in the same
// order as the frames.

PhaseResult RunPhase(const char* name, Mode mode, double seconds, uint64_t rate,
                     bool snapshots, const std::string& dir, uint32_t parking) {
  Fixture f;
  PhaseResult res;
  res.name = name;
  std::unique_ptr<journal::Journal> j;
  if (mode != Mode::kNone) {
    std::filesystem::remove_all(dir);
    journal::JournalOptions o;
    o.num_streams = 1;
    auto opened = journal::Journal::Open(dir, o);
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
  res.latency_ns.reserve(mode == Mode::kStrict ? 40'000'000 : 0);

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> snapshot_count{0};
  std::thread snapshotter;
  if (snapshots && j) {
    snapshotter = std::thread([&] {
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
        ++res.acks;  // sent
        sink += d.reply_length;
        continue;
      }
      const auto seq = stream->Append(runtime::internal::RecordTypeOf(d.change.event), d.change.lease);
      if (!seq || !j->healthy()) {
        ++res.withheld;
        continue;
      }
      if (mode == Mode::kRelaxed) {
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
        if (res.latency_ns.size() < res.latency_ns.capacity()) {
          res.latency_ns.push_back(static_cast<uint64_t>(now_ns - t));
        }
        return true;
      });
    }
  }
  res.seconds = static_cast<double>(now_ns) * 1e-9;
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
  for (int a = 1; a + 1 < argc; a += 2) {
    if (std::strcmp(argv[a], "--seconds") == 0) seconds = std::atof(argv[a + 1]);
    if (std::strcmp(argv[a], "--rate") == 0) rate = std::strtoull(argv[a + 1], nullptr, 10);
    if (std::strcmp(argv[a], "--parking") == 0) parking = static_cast<uint32_t>(std::atoi(argv[a + 1]));
  }
  const char* base = std::getenv("DPDHCP_BENCH_DIR");
  const std::string dir =
      std::string(base != nullptr ? base : "/tmp") + "/dpdhcp-durable-ack-bench-" + std::to_string(getpid());
  std::printf("durable_ack_bench: %u bound clients renewing, bursts of %u, %.1f s per phase, "
              "journal in %s, parking %u\n",
              kClients, kBurst, seconds, dir.c_str(), parking);
  std::printf("%-26s %12s %8s %10s %9s %9s %9s %9s %9s\n", "phase", "ACKs/s", "x none",
              "withheld", "syncs/s", "p50 us", "p99 us", "p99.9 us", "max us");
  PhaseResult none = RunPhase("none (max rate)", Mode::kNone, seconds, 0, false, dir, parking);
  const double base_rate = static_cast<double>(none.acks) / none.seconds;
  Print(none, base_rate);
  PhaseResult relaxed = RunPhase("relaxed (max rate)", Mode::kRelaxed, seconds, 0, false, dir, parking);
  Print(relaxed, base_rate);
  PhaseResult strict = RunPhase("strict (max rate)", Mode::kStrict, seconds, 0, false, dir, parking);
  Print(strict, base_rate);
  PhaseResult strict_snap =
      RunPhase("strict+snapshots (max)", Mode::kStrict, seconds, 0, true, dir, parking);
  Print(strict_snap, base_rate);
  char name[64];
  std::snprintf(name, sizeof name, "strict @ %llu/s", static_cast<unsigned long long>(rate));
  PhaseResult paced = RunPhase(name, Mode::kStrict, seconds, rate, false, dir, parking);
  Print(paced, static_cast<double>(rate));
  std::snprintf(name, sizeof name, "strict+snap @ %llu/s", static_cast<unsigned long long>(rate));
  PhaseResult paced_snap = RunPhase(name, Mode::kStrict, seconds, rate, true, dir, parking);
  Print(paced_snap, static_cast<double>(rate));
  return 0;
}
