// The runtime's per-frame work outside the PMD: classification (Ethernet,
// tags, interface lookup, IPv4, UDP with checksum verification), the owner
// shard, and the DHCP reply frame written in place (copy + headers + two
// checksums); then the whole frame-to-frame path with the engine.
//
//   build/perf/runtime_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "dpdhcp/config/config.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"
#include "dpdhcp/proto/arp.h"
#include "dpdhcp/proto/frame.h"
#include "dpdhcp/runtime/frame_classifier.h"
#include "dpdhcp/runtime/interface_table.h"

namespace dpdhcp::runtime {
namespace {

const base::MacAddress kServerMac{{0x02, 0xdd, 0, 0, 0, 1}};
const base::Ipv4Address kServer(198, 18, 0, 1);

constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [{"name": "p0", "port": "net_null0", "address": "198.18.0.1/15"}]},
  "valid-lifetime": 3600,
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/15", "interface": "p0",
    "pools": [{"pool": "198.18.1.0 - 198.19.255.254"}],
    "option-data": [{"name": "routers", "data": "198.18.0.1"},
                    {"name": "domain-name-servers", "data": "198.18.0.53"}]}]}})";

base::MacAddress ClientMac(uint32_t i) {
  return base::MacAddress({0x02, 0x00, static_cast<uint8_t>(i >> 24), static_cast<uint8_t>(i >> 16),
                           static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)});
}

// A dhclient-like DISCOVER frame (342 bytes) from client i.
std::vector<uint8_t> DiscoverFrame(uint32_t i) {
  const base::MacAddress mac = ClientMac(i);
  std::vector<uint8_t> payload(300, 0);
  payload[0] = 1;
  payload[1] = 1;
  payload[2] = 6;
  base::StoreBe32(&payload[4], i);
  std::copy(mac.bytes().begin(), mac.bytes().end(), payload.begin() + 28);
  base::StoreBe32(&payload[236], 0x63825363u);
  const uint8_t options[] = {53, 1, 1, 55, 7, 1, 3, 6, 15, 28, 42, 121, 255};
  std::copy(std::begin(options), std::end(options), payload.begin() + 240);
  proto::UdpFrameSpec spec;
  spec.dst_mac = base::kBroadcastMac;
  spec.src_mac = mac;
  spec.dst_ip = base::kBroadcastAddress;
  spec.src_port = 68;
  spec.dst_port = 67;
  std::vector<uint8_t> frame(proto::UdpFrameHeaderLength(spec.vlans) + payload.size());
  std::copy(payload.begin(), payload.end(), frame.begin() + 42);
  proto::WriteUdpFrameHeaders(frame.data(), spec, payload.size());
  return frame;
}

struct Interfaces {
  InterfaceTable table;
  std::vector<InterfaceAddress> addresses = {{kServer, kServerMac}};
  std::unique_ptr<FrameClassifier> classifier;
  Interfaces() {
    const std::vector<InterfaceKey> keys = {{0, 0, 0, 0}};
    table = *InterfaceTable::Build(keys);
    classifier = std::make_unique<FrameClassifier>(table, addresses);
  }
};

void BM_ClassifyDiscover(benchmark::State& state) {
  Interfaces itf;
  const std::vector<uint8_t> frame = DiscoverFrame(1);
  ClassifiedFrame c;
  for (auto _ : state) {
    itf.classifier->Classify(frame, RxMeta{}, &c);
    benchmark::DoNotOptimize(c.payload.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifyDiscover);

void BM_ClassifyAndReplyArp(benchmark::State& state) {
  Interfaces itf;
  std::vector<uint8_t> request(14 + 28);
  proto::WriteEthernetHeader(request.data(), base::kBroadcastMac, ClientMac(1), proto::VlanTags{},
                             proto::kEtherTypeArp);
  proto::WriteArp(request.data() + 14, proto::kArpRequest, ClientMac(1),
                  base::Ipv4Address(198, 18, 0, 9), base::MacAddress(), kServer);
  std::vector<uint8_t> buffer(2048);
  ClassifiedFrame c;
  for (auto _ : state) {
    std::copy(request.begin(), request.end(), buffer.begin() + 128);
    FrameBuffer f{buffer.data(), 2048, 128, static_cast<uint32_t>(request.size())};
    itf.classifier->Classify(base::ByteSpan(buffer.data() + 128, request.size()), RxMeta{}, &c);
    benchmark::DoNotOptimize(MakeArpReply(f, c, itf.addresses[0]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifyAndReplyArp);

void BM_WriteDhcpReply(benchmark::State& state) {
  std::vector<uint8_t> payload(static_cast<size_t>(state.range(0)), 0x5a);
  std::vector<uint8_t> buffer(2048);
  engine::ReplyAddress to;
  to.src_ip = kServer;
  to.dst_ip = base::kBroadcastAddress;
  to.dst_mac = base::kBroadcastMac;
  for (auto _ : state) {
    FrameBuffer f{buffer.data(), 2048, 128, 0};
    benchmark::DoNotOptimize(WriteDhcpReply(f, 128, proto::VlanTags{}, kServerMac, to, payload));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteDhcpReply)->Arg(300)->Arg(576);

// Frame in, OFFER frame out, for a rotating set of clients that already hold
// an offer after the first pass (a DISCOVER storm of retrying clients).
void BM_DiscoverFrameToOfferFrame(benchmark::State& state) {
  const uint32_t clients = static_cast<uint32_t>(state.range(0));
  auto config = *config::ParseConfig(kConfig);
  auto addresses = *pool::AddressSpace::Build(*config);
  lease::LeaseStore leases(1, clients + 1024);
  stats::WorkerCounters counters(config->subnets.size());
  engine::Engine engine(config, *addresses, leases, counters);
  Interfaces itf;
  std::vector<std::vector<uint8_t>> frames;
  for (uint32_t i = 0; i < clients; ++i) frames.push_back(DiscoverFrame(i));
  std::vector<uint8_t> buffer(2048), reply(1500);
  ClassifiedFrame c;
  uint32_t next = 0;
  for (auto _ : state) {
    const std::vector<uint8_t>& frame = frames[next];
    next = next + 1 == clients ? 0 : next + 1;
    std::copy(frame.begin(), frame.end(), buffer.begin() + 128);
    const base::ByteSpan rx(buffer.data() + 128, frame.size());
    itf.classifier->Classify(rx, RxMeta{}, &c);
    benchmark::DoNotOptimize(DhcpShardOf(c.payload, leases, 0));
    const engine::Decision d =
        engine.HandlePayload(c.payload, RequestContextOf(c, 1'800'000'000), reply);
    FrameBuffer f{buffer.data(), 2048, 128, static_cast<uint32_t>(frame.size())};
    benchmark::DoNotOptimize(WriteDhcpReply(f, 128, c.vlans, kServerMac, d.to,
                                            base::ByteSpan(reply.data(), d.reply_length)));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["offers"] = static_cast<double>(counters.Get(stats::Counter::kPktOfferSent));
}
BENCHMARK(BM_DiscoverFrameToOfferFrame)->Arg(1024)->Arg(65536);

}  // namespace
}  // namespace dpdhcp::runtime

BENCHMARK_MAIN();
