#include "test_state.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "dpdhcp/base/bytes.h"

namespace dpdhcp::control::testing {
namespace {

using base::Ipv4Address;
using lease::Lease;
using lease::LeaseState;

Lease MakeLease(Ipv4Address a, uint32_t subnet, uint32_t client, LeaseState state) {
  Lease l;
  l.address = a;
  l.subnet_id = subnet;
  l.state = state;
  const uint8_t mac[6] = {0x0a, 0x00, static_cast<uint8_t>(subnet), 0x00,
                          static_cast<uint8_t>(client >> 8), static_cast<uint8_t>(client)};
  l.SetHardware(1, base::ByteSpan(mac, 6));
  l.key = lease::ClientKey::FromHardware(1, base::ByteSpan(mac, 6));
  l.cltt = kTestNow - 600;
  l.expire = kTestNow + 3000;
  return l;
}

void MustAdd(MemoryServerState& s, const Lease& l) {
  const absl::Status status = s.AddLease(l);
  if (!status.ok()) throw std::runtime_error(std::string(status.message()));
}

}  // namespace

std::string TestConfig(const std::string& socket_path) {
  return R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [{"name": "lab0", "port": "net_null0", "address": "198.18.0.1/24"}]},
  "valid-lifetime": 3600,
  "control-socket": {"socket-type": "unix", "socket-name": ")" +
         socket_path + R"("},
  "subnet4": [
    {"id": 1, "subnet": "198.18.0.0/24", "interface": "lab0",
     "pools": [{"pool": "198.18.0.100 - 198.18.0.250"}]},
    {"id": 2, "subnet": "10.20.0.0/16",
     "pools": [{"pool": "10.20.0.10 - 10.20.0.19"}, {"pool": "10.20.1.0 - 10.20.1.255"}]},
    {"id": 30, "subnet": "100.64.0.0/22", "match-client-id": true,
     "pools": [{"pool": "100.64.0.10 - 100.64.0.29"}]}
  ]}})";
}

std::unique_ptr<MemoryServerState> MakeTestState(const std::string& config_path) {
  MemoryServerState::Options o;
  o.workers = 2;
  o.lease_capacity_per_worker = 1024;
  o.now = kTestNow;
  o.config_path = config_path;
  auto state = MemoryServerState::Create(TestConfig(), o);
  if (!state.ok()) throw std::runtime_error(std::string(state.status().message()));
  MemoryServerState& s = **state;
  for (uint32_t i = 0; i < 120; ++i) {
    MustAdd(s, MakeLease(Ipv4Address(198, 18, 0, 100 + i), 1, i, LeaseState::kBound));
  }
  for (uint32_t i = 0; i < 2; ++i) {
    Lease d = MakeLease(Ipv4Address(198, 18, 0, 240 + i), 1, 500 + i, LeaseState::kDeclined);
    uint8_t addr[4];
    base::StoreBe32(addr, d.address.value());
    d.key = lease::ClientKey::FromHardware(0, base::ByteSpan(addr, 4));
    MustAdd(s, d);
  }
  for (uint32_t i = 0; i < 9; ++i) {
    MustAdd(s, MakeLease(Ipv4Address(10, 20, 0, 10 + i), 2, i, LeaseState::kBound));
  }
  for (uint32_t i = 0; i < 5; ++i) {
    MustAdd(s, MakeLease(Ipv4Address(10, 20, 1, i), 2, 100 + i, LeaseState::kBound));
  }
  for (uint32_t i = 0; i < 18; ++i) {
    Lease l = MakeLease(Ipv4Address(100, 64, 0, 10 + i), 30, i, LeaseState::kBound);
    const uint8_t id[7] = {0x01, 0x02, 0, 0, 0, 0, static_cast<uint8_t>(i)};
    l.key = lease::ClientKey::FromClientId(base::ByteSpan(id, 7));
    MustAdd(s, l);
  }
  using stats::Counter;
  const uint64_t scale[2] = {3, 2};
  for (uint32_t w = 0; w < 2; ++w) {
    stats::WorkerCounters& c = s.counters(w);
    c.Add(Counter::kPktReceived, 500 * scale[w]);
    c.Add(Counter::kPktDiscoverReceived, 200 * scale[w]);
    c.Add(Counter::kPktRequestReceived, 290 * scale[w]);
    c.Add(Counter::kPktOfferSent, 200 * scale[w]);
    c.Add(Counter::kPktAckSent, 280 * scale[w]);
    c.Add(Counter::kPktNakSent, 10 * scale[w]);
    c.Add(Counter::kPktSent, 490 * scale[w]);
    for (uint64_t i = 0; i < 4 * scale[w]; ++i) c.Drop(base::DropReason::kBadUdpChecksum);
  }
  s.counters(1).Drop(base::DropReason::kNoSubnet);
  return *std::move(state);
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/dpdhcp-ctl-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace dpdhcp::control::testing
