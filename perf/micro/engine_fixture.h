// What the engine benchmarks share (engine_bench, durable_ack_bench): one
// engine over a config, its address space, a lease store and a counter
// block; dhclient-like client messages; a population of bound clients and
// their renewals. Each benchmark keeps its own config text (the workload it
// measures).
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::perf {

// The engine and everything it decides over, built from `config_json` (which
// must parse: a benchmark's own constant). One lease shard of
// `lease_capacity` records, one counter block.
struct EngineFixture {
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<pool::AddressSpace> addresses;
  std::unique_ptr<lease::LeaseStore> leases;
  std::unique_ptr<stats::WorkerCounters> counters;
  std::unique_ptr<engine::Engine> engine;

  EngineFixture(const char* config_json, uint32_t lease_capacity) {
    config = *config::ParseConfig(config_json);
    addresses = *pool::AddressSpace::Build(*config);
    leases = std::make_unique<lease::LeaseStore>(1, lease_capacity);
    counters = std::make_unique<stats::WorkerCounters>(config->subnets.size());
    engine = std::make_unique<engine::Engine>(config, *addresses, *leases, *counters);
  }
};

// A broadcast request (a client without an address, RFC 2131 §4.1) at a
// fixed time.
inline engine::RequestContext BroadcastContext() {
  engine::RequestContext ctx;
  ctx.now = 1'800'000'000;
  ctx.dst_ip = base::kBroadcastAddress;
  return ctx;
}

// A dhclient-like client message of DHCP `type` (1 DISCOVER, 3 REQUEST) from
// client `client` (chaddr 02:00 + the client number): option 50 `requested`
// and option 54 `server` when not 0, option 12 `hostname` when not empty,
// then dhclient's parameter request list; padded to BOOTP's 300 bytes.
inline std::vector<uint8_t> ClientMessage(uint8_t type, uint32_t client, uint32_t requested,
                                          uint32_t server, std::string_view hostname = {}) {
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
  if (!hostname.empty()) {
    b.push_back(12);
    b.push_back(static_cast<uint8_t>(hostname.size()));
    b.insert(b.end(), hostname.begin(), hostname.end());
  }
  opt(55, {1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42});
  b.push_back(255);
  b.resize(300, 0);
  return b;
}

// Binds clients 0 .. n-1 through `f` (DISCOVER, then a SELECTING REQUEST of
// the offered address to the server 198.18.0.1) and returns each client's
// renewal: an INIT-REBOOT style REQUEST with option 50 and no option 54.
inline std::vector<std::vector<uint8_t>> BindClients(EngineFixture& f, uint32_t n,
                                                     std::string_view hostname = {}) {
  const engine::RequestContext ctx = BroadcastContext();
  std::vector<uint8_t> reply(1500);
  const uint32_t server = base::Ipv4Address(198, 18, 0, 1).value();
  std::vector<std::vector<uint8_t>> renew;
  renew.reserve(n);
  for (uint32_t c = 0; c < n; ++c) {
    f.engine->HandlePayload(ClientMessage(1, c, 0, 0, hostname), ctx, reply);
    const uint32_t yiaddr = base::LoadBe32(&reply[16]);
    f.engine->HandlePayload(ClientMessage(3, c, yiaddr, server, hostname), ctx, reply);
    renew.push_back(ClientMessage(3, c, yiaddr, 0, hostname));
  }
  return renew;
}

}  // namespace dpdhcp::perf
