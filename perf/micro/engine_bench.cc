// One full engine decision per message: parse, subnet selection, lease lookup,
// allocation, reply built (options + addressing). In-process, one core.
//
//   build/perf/engine_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"
#include "dpdhcp/proto/option_defs.h"

namespace dpdhcp {
namespace {

// A /15 subnet with a pool of about 130 k addresses.
constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [{"name": "p0", "port": "net_null0", "address": "198.18.0.1/15"}]},
  "valid-lifetime": 3600,
  "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54"},
                  {"name": "domain-name", "data": "isp.example"}],
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/15", "interface": "p0",
    "pools": [{"pool": "198.18.1.0 - 198.19.255.254"}],
    "option-data": [{"name": "routers", "data": "198.18.0.1"}]}]}})";

struct Fixture {
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<pool::AddressSpace> addresses;
  std::unique_ptr<lease::LeaseStore> leases;
  std::unique_ptr<stats::WorkerCounters> counters;
  std::unique_ptr<engine::Engine> engine;

  explicit Fixture(uint32_t capacity) {
    config = *config::ParseConfig(kConfig);
    addresses = *pool::AddressSpace::Build(*config);
    leases = std::make_unique<lease::LeaseStore>(1, capacity);
    counters = std::make_unique<stats::WorkerCounters>(config->subnets.size());
    engine = std::make_unique<engine::Engine>(config, *addresses, *leases, *counters);
  }
};

// A typical client message: a dhclient-like DISCOVER or SELECTING REQUEST.
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
  opt(12, {'c', 'p', 'e', '-', 'r', 'o', 'u', 't', 'e', 'r'});
  opt(55, {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42});
  b.push_back(255);
  b.resize(300, 0);
  return b;
}

engine::RequestContext Context() {
  engine::RequestContext ctx;
  ctx.now = 1'800'000'000;
  ctx.dst_ip = base::kBroadcastAddress;
  return ctx;
}

// DORA for ever-new clients: DISCOVER (allocate + OFFER) then REQUEST (commit
// + ACK). Items are messages handled.
void BM_DoraNewClients(benchmark::State& state) {
  Fixture f(1u << 17);
  const engine::RequestContext ctx = Context();
  std::vector<uint8_t> reply(1500);
  const uint32_t server = base::Ipv4Address(198, 18, 0, 1).value();
  uint32_t client = 0;
  std::vector<uint8_t> discover = Message(1, 0, 0, 0);
  std::vector<uint8_t> request = Message(3, 0, 1, server);
  for (auto _ : state) {
    if (++client == 120'000) {  // keep below the pool size: restart on a fresh state
      state.PauseTiming();
      f = Fixture(1u << 17);
      client = 1;
      state.ResumeTiming();
    }
    discover[31] = request[31] = static_cast<uint8_t>(client >> 16);
    discover[32] = request[32] = static_cast<uint8_t>(client >> 8);
    discover[33] = request[33] = static_cast<uint8_t>(client);
    const engine::Decision offer = f.engine->HandlePayload(discover, ctx, reply);
    base::StoreBe32(&request[240 + 3 + 2], base::LoadBe32(&reply[16]));  // option 50 = yiaddr
    const engine::Decision ack = f.engine->HandlePayload(request, ctx, reply);
    benchmark::DoNotOptimize(offer.reply_length + ack.reply_length);
    if (ack.reply != engine::ReplyKind::kAck) {
      state.SkipWithError("no ACK");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_DoraNewClients);

// A bound population of 100 k clients renewing (INIT-REBOOT style REQUEST with
// option 50): lookup + extend + ACK.
void BM_RenewBoundClients(benchmark::State& state) {
  constexpr uint32_t kClients = 100'000;
  Fixture f(1u << 18);
  const engine::RequestContext ctx = Context();
  std::vector<uint8_t> reply(1500);
  const uint32_t server = base::Ipv4Address(198, 18, 0, 1).value();
  std::vector<std::vector<uint8_t>> renew;
  renew.reserve(kClients);
  for (uint32_t c = 0; c < kClients; ++c) {
    const std::vector<uint8_t> d = Message(1, c, 0, 0);
    f.engine->HandlePayload(d, ctx, reply);
    const uint32_t yiaddr = base::LoadBe32(&reply[16]);
    const std::vector<uint8_t> r = Message(3, c, yiaddr, server);
    f.engine->HandlePayload(r, ctx, reply);
    renew.push_back(Message(3, c, yiaddr, 0));
  }
  uint32_t i = 0;
  for (auto _ : state) {
    const engine::Decision ack = f.engine->HandlePayload(renew[i], ctx, reply);
    benchmark::DoNotOptimize(ack.reply_length);
    if (++i == kClients) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenewBoundClients);

}  // namespace
}  // namespace dpdhcp

BENCHMARK_MAIN();
