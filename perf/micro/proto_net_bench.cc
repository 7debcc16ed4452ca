// L2-L4 fast path on a DHCP-sized frame: what a worker pays per packet to
// accept a request (ParseUdpFrame, both checksums verified) and to frame a
// reply (WriteUdpFrameHeaders, both checksums computed in software).
//
// Argument: number of VLAN tags (0, 1, 2). The frame is the 342-byte
// DHCPDISCOVER of a directly attached client (300-byte BOOTP payload), plus 4
// bytes per tag.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/proto/frame.h"

namespace dpdhcp::proto {
namespace {

constexpr size_t kDhcpPayload = 300;

UdpFrameSpec Spec(int64_t tags) {
  UdpFrameSpec spec;
  spec.dst_mac = base::kBroadcastMac;
  spec.src_mac = base::MacAddress{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
  if (tags == 1) spec.vlans = VlanTags{1, kEtherTypeVlan, 100, 0};
  if (tags == 2) spec.vlans = VlanTags{2, kEtherTypeQinQ, 3000, 7};
  spec.src_ip = base::Ipv4Address();
  spec.dst_ip = base::kBroadcastAddress;
  spec.src_port = 68;
  spec.dst_port = 67;
  return spec;
}

// A DISCOVER-like payload: BOOTP header, chaddr, magic cookie, a few options.
std::vector<uint8_t> Frame(const UdpFrameSpec& spec) {
  const size_t header = UdpFrameHeaderLength(spec.vlans);
  std::vector<uint8_t> f(header + kDhcpPayload, 0);
  uint8_t* d = f.data() + header;
  const uint8_t bootp[] = {1, 1, 6, 0, 0x39, 0x03, 0xf3, 0x26, 0, 0, 0x80, 0};
  std::copy(std::begin(bootp), std::end(bootp), d);
  std::copy(spec.src_mac.bytes().begin(), spec.src_mac.bytes().end(), d + 28);
  const uint8_t options[] = {0x63, 0x82, 0x53, 0x63, 53, 1, 1, 55, 4, 1, 3, 6, 15, 255};
  std::copy(std::begin(options), std::end(options), d + 236);
  WriteUdpFrameHeaders(f.data(), spec, kDhcpPayload);
  return f;
}

void BM_ParseUdpFrame(benchmark::State& state) {
  const std::vector<uint8_t> frame = Frame(Spec(state.range(0)));
  ParsedUdpFrame parsed;
  for (auto _ : state) {
    benchmark::DoNotOptimize(frame.data());
    const base::DropReason r = ParseUdpFrame(frame, &parsed);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(parsed);
  }
  if (ParseUdpFrame(frame, &parsed) != base::DropReason::kNone) state.SkipWithError("bad frame");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
}
BENCHMARK(BM_ParseUdpFrame)->Arg(0)->Arg(1)->Arg(2);

void BM_WriteUdpFrameHeaders(benchmark::State& state) {
  const UdpFrameSpec spec = Spec(state.range(0));
  std::vector<uint8_t> frame = Frame(spec);
  for (auto _ : state) {
    benchmark::DoNotOptimize(frame.data());
    const size_t len = WriteUdpFrameHeaders(frame.data(), spec, kDhcpPayload);
    benchmark::DoNotOptimize(len);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
}
BENCHMARK(BM_WriteUdpFrameHeaders)->Arg(0)->Arg(1)->Arg(2);

}  // namespace
}  // namespace dpdhcp::proto

BENCHMARK_MAIN();
