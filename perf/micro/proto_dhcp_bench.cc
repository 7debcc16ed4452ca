// DHCP codec micro-benchmarks: parsing the two requests a server sees most
// (a direct DISCOVER, a relayed REQUEST with option 82) and writing a full ACK.
// Figures feed ../shared/DESIGN.md §8 (>= 3.4 M messages per core, replies
// built); never asserted.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/proto/dhcp_message.h"
#include "dpdhcp/proto/option_defs.h"
#include "dpdhcp/proto/option_writer.h"

namespace dpdhcp::proto {
namespace {

using base::Ipv4Address;
using Bytes = std::vector<uint8_t>;

Bytes Header(Ipv4Address giaddr, uint8_t hops) {
  Bytes p(kDhcpOptionsOffset, 0);
  p[kOffOp] = kBootRequest;
  p[kOffHtype] = 1;
  p[kOffHlen] = 6;
  p[kOffHops] = hops;
  base::StoreBe32(&p[kOffXid], 0x3903f326);
  base::StoreBe32(&p[kOffGiaddr], giaddr.value());
  for (uint8_t i = 0; i < 6; ++i) p[kOffChaddr + i] = static_cast<uint8_t>(0x10 + i);
  base::StoreBe32(&p[kOffCookie], kMagicCookie);
  return p;
}

void Opt(Bytes& p, uint8_t code, std::initializer_list<uint8_t> value) {
  p.push_back(code);
  p.push_back(static_cast<uint8_t>(value.size()));
  p.insert(p.end(), value);
}

// A DISCOVER as dhclient/udhcpc send it: ~300 bytes with client-id, PRL,
// host name, max message size and vendor class.
Bytes Discover() {
  Bytes p = Header(Ipv4Address(), 0);
  Opt(p, option::kMessageType, {1});
  Opt(p, option::kClientId, {1, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15});
  Opt(p, option::kMaxMessageSize, {0x05, 0xdc});
  Opt(p, option::kParameterRequestList, {1, 2, 3, 6, 12, 15, 26, 28, 42, 51, 54, 58, 59, 119, 121});
  Opt(p, option::kHostName, {'c', 'p', 'e', '-', '0', '0', '0', '1'});
  Opt(p, option::kVendorClassId, {'u', 'd', 'h', 'c', 'p', ' ', '1', '.', '3', '6', '.', '1'});
  p.push_back(option::kEnd);
  while (p.size() < 300) p.push_back(0);  // padded to BOOTP's 300 bytes (RFC 951)
  return p;
}

// A REQUEST relayed by an access node that adds option 82.
Bytes RelayedRequest() {
  Bytes p = Header(Ipv4Address(198, 18, 20, 1), 1);
  Opt(p, option::kMessageType, {3});
  Opt(p, option::kClientId, {1, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15});
  Opt(p, option::kRequestedAddress, {198, 18, 20, 77});
  Opt(p, option::kServerId, {198, 18, 20, 2});
  Opt(p, option::kParameterRequestList, {1, 3, 6, 15, 51, 54, 58, 59});
  Opt(p, option::kHostName, {'c', 'p', 'e', '-', '0', '0', '0', '1'});
  Opt(p, option::kRelayAgentInfo,
      {1, 12, 'o',  'l',  't',  '1',  '/',  '0',  '/', '3', ':', '1', '0', '1',  // circuit-id
       2, 6,  0x02, 0x00, 0x5e, 0x00, 0x00, 0x01,                                // remote-id
       5, 4,  198,  18,   20,   0});                                             // link selection
  p.push_back(option::kEnd);
  return p;
}

void BM_ParseDiscover(benchmark::State& state) {
  const Bytes pkt = Discover();
  DhcpMessage m;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.Parse(pkt));
    benchmark::DoNotOptimize(m.client_id().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * pkt.size()));
}
BENCHMARK(BM_ParseDiscover);

void BM_ParseRelayedRequest(benchmark::State& state) {
  const Bytes pkt = RelayedRequest();
  DhcpMessage m;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.Parse(pkt));
    benchmark::DoNotOptimize(m.relay_info().circuit_id.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * pkt.size()));
}
BENCHMARK(BM_ParseRelayedRequest);

// Header + 12 options: what the engine writes for an ACK to a relayed client.
void BM_WriteAck(benchmark::State& state) {
  const Bytes pkt = RelayedRequest();
  DhcpMessage m;
  if (m.Parse(pkt) != base::DropReason::kNone) {
    state.SkipWithError("request did not parse");
    return;
  }
  const std::array<uint8_t, 12> dns = {198, 18, 0, 53, 198, 18, 1, 53, 198, 18, 2, 53};
  const std::array<uint8_t, 11> domain = {'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'n', 'e', 't'};
  std::array<uint8_t, 1500> out;
  size_t total = 0;
  for (auto _ : state) {
    size_t n =
        WriteReplyHeader(out.data(), m, Ipv4Address(), Ipv4Address(198, 18, 20, 77), Ipv4Address());
    const size_t limit = MaxReplyPayload(m, out.size());
    OptionWriter w(out.data() + n, limit - n);
    w.AddU8(option::kMessageType, static_cast<uint8_t>(MessageType::kAck));
    w.AddAddress(option::kServerId, Ipv4Address(198, 18, 20, 2));
    w.AddU32(option::kLeaseTime, 3600);
    w.AddU32(option::kRenewalTime, 1800);
    w.AddU32(option::kRebindingTime, 3150);
    w.AddAddress(option::kSubnetMask, Ipv4Address(255, 255, 255, 0));
    w.AddAddress(option::kRouters, Ipv4Address(198, 18, 20, 1));
    w.Add(option::kDomainNameServers, dns);
    w.Add(option::kDomainName, domain);
    w.AddAddress(option::kBroadcastAddress, Ipv4Address(198, 18, 20, 255));
    w.Add(option::kClientId, m.client_id());
    w.Add(option::kRelayAgentInfo, m.relay_agent_info());
    n += w.Finish();
    total += n;
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(total));
}
BENCHMARK(BM_WriteAck);

}  // namespace
}  // namespace dpdhcp::proto

BENCHMARK_MAIN();
