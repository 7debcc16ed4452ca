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
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/journal/journal.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"

namespace dpdhcp {
namespace {

using Clock = std::chrono::steady_clock;
using runtime::internal::AckParking;
using runtime::internal::kAckParkingCapacity;

constexpr uint32_t kClients = 100'000;
constexpr uint32_t kBurst = 32;  // requests per loop iteration, as kRxBurst

constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [{"name": "p0", "port": "net_null0", "address": "198.18.0.1/15"}]},
  "valid-lifetime": 3600,
  "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54"}],
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/15", "interface": "p0",
    "pools": [{"pool": "198.18.1.0 - 198.19.255.254"}],
    "option-data": [{"name": "routers", "data": "198.18.0.1"}]}]}})";

std::vector<uint8_t> Message(uint8_t type, uint32_t client, uint32_t requested, uint32_t server) {
  std::vector<uint8_t> b(240, 0);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  base::StoreBe32(&b[4], client * 7 + type);
  const uint8_t mac[6] = {0x02, 0, static_cast<uint8_t>(client >> 24), static_cast<uint8_t>(client >> 16),
                          static_cast<uint8_t>(client >> 8), static_cast<uint8_t>(client)};
  std::copy(mac, mac + 6, &b[28]);
  base::StoreBe32(&b[236], 0x63825363u);
  auto opt = [&](uint8_t code, std::initializer_list<uint8_t> v) {
    b.push_back(code);
    b.push_back(static_cast<uint8_t>(v.size()));
    b.insert(b.end(), v);
  };
  opt(53, {type});
  if (requested != 0) {
    opt(50, {static_cast<uint8_t>(requested >> 24), static_cast<uint8_t>(requested >> 16),
             static_cast<uint8_t>(requested >> 8), static_cast<uint8_t>(requested)});
  }
  if (server != 0) {
    opt(54, {static_cast<uint8_t>(server >> 24), static_cast<uint8_t>(server >> 16),
             static_cast<uint8_t>(server >> 8), static_cast<uint8_t>(server)});
  }
  opt(55, {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42});
  b.push_back(255);
  b.resize(300, 0);
  return b;
}

journal::RecordType TypeOf(engine::LeaseEvent e) {
  switch (e) {
    case engine::LeaseEvent::kGranted: return journal::RecordType::kGranted;
    case engine::LeaseEvent::kRenewed: return journal::RecordType::kRenewed;
    case engine::LeaseEvent::kReleased: return journal::RecordType::kReleased;
    case engine::LeaseEvent::kDeclined: return journal::RecordType::kDeclined;
    case engine::LeaseEvent::kExpired: return journal::RecordType::kExpired;
    default: return journal::RecordType::kDeleted;
  }
}

// 100 k clients bound (untimed), and their renewal REQUESTs.
struct Fixture {
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<pool::AddressSpace> addresses;
  std::unique_ptr<lease::LeaseStore> leases;
  std::unique_ptr<stats::WorkerCounters> counters;
  std::unique_ptr<engine::Engine> engine;
  std::vector<std::vector<uint8_t>> renew;

  Fixture() {
    config = *config::ParseConfig(kConfig);
    addresses = *pool::AddressSpace::Build(*config);
    leases = std::make_unique<lease::LeaseStore>(1, 1u << 18);
    counters = std::make_unique<stats::WorkerCounters>(config->subnets.size());
    engine = std::make_unique<engine::Engine>(config, *addresses, *leases, *counters);
    std::vector<uint8_t> reply(1500);
    engine::RequestContext ctx;
    ctx.now = 1'800'000'000;
    ctx.dst_ip = base::kBroadcastAddress;
    const uint32_t server = base::Ipv4Address(198, 18, 0, 1).value();
    for (uint32_t c = 0; c < kClients; ++c) {
      engine->HandlePayload(Message(1, c, 0, 0), ctx, reply);
      const uint32_t yiaddr = base::LoadBe32(&reply[16]);
      engine->HandlePayload(Message(3, c, yiaddr, server), ctx, reply);
      renew.push_back(Message(3, c, yiaddr, 0));
    }
  }
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

// One parked ACK: what the worker would hold (an mbuf) is here the decision
// time, kept in a preallocated slot table indexed like the parking ring.
struct Pending {
  int64_t decided_ns;
};

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
  AckParking<Pending> parked(parking);
  std::vector<Pending> slots(parked.capacity());
  uint64_t slot_next = 0;
  res.latency_ns.reserve(mode == Mode::kStrict ? 40'000'000 : 0);

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> snapshot_count{0};
  std::thread snapshotter;
  if (snapshots && j) {
    snapshotter = std::thread([&] {
      while (!stop.load()) {
        if (j->Snapshot(*f.leases).ok()) snapshot_count.fetch_add(1);
      }
    });
  }

  engine::RequestContext ctx;
  ctx.now = 1'800'000'000;
  ctx.dst_ip = base::kBroadcastAddress;
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
      const engine::Decision d = f.engine->HandlePayload(f.renew[i], ctx, reply);
      if (++i == kClients) i = 0;
      if (d.change.event == engine::LeaseEvent::kNone || stream == nullptr) {
        ++res.acks;  // sent
        sink += d.reply_length;
        continue;
      }
      const auto seq = stream->Append(TypeOf(d.change.event), d.change.lease);
      if (!seq || !j->healthy()) {
        ++res.withheld;
        continue;
      }
      if (mode == Mode::kRelaxed) {
        ++res.acks;
        continue;
      }
      Pending* p = &slots[slot_next++ & (parked.capacity() - 1)];
      p->decided_ns = now_ns;
      if (!parked.Push(p, *seq)) {
        --slot_next;
        ++res.withheld;
      }
    }
    now_ns = ns_since(Clock::now());
    if (mode == Mode::kStrict && !parked.empty()) {
      const uint64_t durable = stream->durable_sequence();
      parked.ReleaseUpTo(durable, [&](Pending* p) {
        ++res.acks;
        if (res.latency_ns.size() < res.latency_ns.capacity()) {
          res.latency_ns.push_back(static_cast<uint64_t>(now_ns - p->decided_ns));
        }
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
  uint32_t parking = kAckParkingCapacity;  // the runtime's
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
