// One full engine decision per message: parse, subnet selection, lease lookup,
// allocation, reply built (options + addressing). In-process, one core.
//
//   build/perf/engine_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string_view>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/engine/engine.h"
#include "engine_fixture.h"

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

using perf::BroadcastContext;
using perf::ClientMessage;
using perf::EngineFixture;

// dhclient-like messages naming the client's host (option 12).
constexpr std::string_view kHostname = "cpe-router";

// DORA for ever-new clients: DISCOVER (allocate + OFFER) then REQUEST (commit
// + ACK). Items are messages handled.
void BM_DoraNewClients(benchmark::State& state) {
  EngineFixture f(kConfig, 1u << 17);
  const engine::RequestContext ctx = BroadcastContext();
  std::vector<uint8_t> reply(1500);
  const uint32_t server = base::Ipv4Address(198, 18, 0, 1).value();
  uint32_t client = 0;
  std::vector<uint8_t> discover = ClientMessage(1, 0, 0, 0, kHostname);
  std::vector<uint8_t> request = ClientMessage(3, 0, 1, server, kHostname);
  for (auto _ : state) {
    if (++client == 120'000) {  // keep below the pool size: restart on a fresh state
      state.PauseTiming();
      f = EngineFixture(kConfig, 1u << 17);
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
  EngineFixture f(kConfig, 1u << 18);
  const std::vector<std::vector<uint8_t>> renew = perf::BindClients(f, kClients, kHostname);
  const engine::RequestContext ctx = BroadcastContext();
  std::vector<uint8_t> reply(1500);
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
