#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/proto/checksum.h"
#include "dpdhcp/proto/ipv4.h"
#include "dpdhcp/proto/udp.h"

namespace dpdhcp::proto {
namespace {

using base::DropReason;
using base::DropReasonName;
using base::Ipv4Address;

// 198.18.0.254:67 -> 198.18.0.1:67 carrying "relayed-dhcp"; both checksums
// (eda1, ede9) computed independently in Python.
const std::vector<uint8_t> kRelayedPacket = {
    0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0xed, 0xa1, 0xc6, 0x12,
    0x00, 0xfe, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x43, 0x00, 0x43, 0x00, 0x14, 0xed, 0xe9,
    'r',  'e',  'l',  'a',  'y',  'e',  'd',  '-',  'd',  'h',  'c',  'p'};
const Ipv4Address kRelay(198, 18, 0, 254);
const Ipv4Address kServer(198, 18, 0, 1);

TEST(Ipv4Test, ParsesGoldenHeaderFieldByField) {
  Ipv4Packet ip;
  ASSERT_EQ(ParseIpv4(kRelayedPacket, &ip), DropReason::kNone);
  EXPECT_EQ(ip.src, kRelay);
  EXPECT_EQ(ip.dst, kServer);
  EXPECT_EQ(ip.protocol, kIpProtoUdp);
  EXPECT_EQ(ip.ttl, 64);
  EXPECT_EQ(ip.tos, 0);
  EXPECT_EQ(ip.header_length, 20);
  EXPECT_EQ(ip.total_length, 40);
  EXPECT_EQ(ip.payload_length(), 20);
  EXPECT_EQ(ip.id, 0);
}

TEST(Ipv4Test, DontFragmentIsNotAFragment) {
  // The classic b861 example header has DF set and id 0.
  std::vector<uint8_t> p = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                            0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  p.resize(0x73);
  Ipv4Packet ip;
  ASSERT_EQ(ParseIpv4(p, &ip), DropReason::kNone);
  EXPECT_EQ(ip.src, Ipv4Address(192, 168, 0, 1));
  EXPECT_EQ(ip.dst, Ipv4Address(192, 168, 0, 199));
  EXPECT_EQ(ip.total_length, 0x73);
}

TEST(Ipv4Test, Ihl6WithOptions) {
  // IHL 6: Router Alert (RFC 2113) then the UDP datagram of kRelayedPacket.
  std::vector<uint8_t> p(kRelayedPacket.begin(), kRelayedPacket.begin() + 20);
  p[0] = 0x46;
  base::StoreBe16(&p[2], 44);
  p.insert(p.end(), {0x94, 0x04, 0x00, 0x00});
  p.insert(p.end(), kRelayedPacket.begin() + 20, kRelayedPacket.end());
  base::StoreBe16(&p[10], Ipv4HeaderChecksum(p.data(), 24));

  Ipv4Packet ip;
  ASSERT_EQ(ParseIpv4(p, &ip), DropReason::kNone);
  EXPECT_EQ(ip.header_length, 24);
  EXPECT_EQ(ip.payload_length(), 20);
  UdpDatagram udp;
  ASSERT_EQ(ParseUdp(base::ByteSpan(p).subspan(ip.header_length, ip.payload_length()), ip.src,
                     ip.dst, &udp),
            DropReason::kNone);
  EXPECT_EQ(udp.length, 20);
}

TEST(Ipv4Test, WriterMatchesGoldenBytes) {
  uint8_t h[20];
  std::memset(h, 0xaa, sizeof h);  // every byte must be written
  WriteIpv4Header(h, kRelay, kServer, kIpProtoUdp, 20);
  EXPECT_TRUE(std::equal(h, h + 20, kRelayedPacket.begin()));
}

TEST(Ipv4Test, WriterRoundTripsTtlAndId) {
  uint8_t buf[20 + 8] = {};
  WriteIpv4Header(buf, Ipv4Address(10, 1, 2, 3), base::kBroadcastAddress, kIpProtoIcmp, 8, 1,
                  0xbeef);
  Ipv4Packet ip;
  ASSERT_EQ(ParseIpv4(buf, &ip), DropReason::kNone);
  EXPECT_EQ(ip.ttl, 1);
  EXPECT_EQ(ip.id, 0xbeef);
  EXPECT_EQ(ip.protocol, kIpProtoIcmp);
  EXPECT_EQ(ip.src, Ipv4Address(10, 1, 2, 3));
  EXPECT_EQ(ip.dst, base::kBroadcastAddress);
  EXPECT_EQ(ip.total_length, 28);
  EXPECT_EQ(buf[6] & 0x40, 0);  // DF clear
}

// Each case edits a copy of kRelayedPacket; refix recomputes the header
// checksum afterwards so that the case reaches the check it targets.
struct Ipv4Case {
  const char* name;
  std::function<void(std::vector<uint8_t>&)> edit;
  bool refix;
  DropReason want;
};

class MalformedIpv4Test : public ::testing::TestWithParam<Ipv4Case> {};

TEST_P(MalformedIpv4Test, DropsWithNamedReason) {
  std::vector<uint8_t> p = kRelayedPacket;
  GetParam().edit(p);
  if (GetParam().refix && p.size() >= 20) {
    const size_t hl = std::min<size_t>((p[0] & 0xf) * 4u, p.size());
    if (hl >= 12) base::StoreBe16(&p[10], Ipv4HeaderChecksum(p.data(), hl));
  }
  Ipv4Packet ip;
  EXPECT_EQ(DropReasonName(ParseIpv4(p, &ip)), DropReasonName(GetParam().want));
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedIpv4Test,
    ::testing::Values(
        Ipv4Case{"Empty", [](auto& p) { p.clear(); }, false, DropReason::kTruncatedIpv4},
        Ipv4Case{"Nineteen", [](auto& p) { p.resize(19); }, false, DropReason::kTruncatedIpv4},
        Ipv4Case{"Version6", [](auto& p) { p[0] = 0x65; }, true, DropReason::kBadIpVersion},
        Ipv4Case{"Ihl4", [](auto& p) { p[0] = 0x44; }, false, DropReason::kBadIpHeaderLength},
        Ipv4Case{"Ihl0", [](auto& p) { p[0] = 0x40; }, false, DropReason::kBadIpHeaderLength},
        Ipv4Case{"IhlPastEnd",
                 [](auto& p) {
                   p[0] = 0x4f;  // 60 bytes of header in a 40-byte packet
                 },
                 false, DropReason::kBadIpHeaderLength},
        Ipv4Case{"TotalLengthBelowHeader", [](auto& p) { base::StoreBe16(&p[2], 19); }, true,
                 DropReason::kBadIpTotalLength},
        Ipv4Case{"TotalLengthPastEnd", [](auto& p) { base::StoreBe16(&p[2], 41); }, true,
                 DropReason::kBadIpTotalLength},
        Ipv4Case{"PacketCutShort", [](auto& p) { p.resize(39); }, false,
                 DropReason::kBadIpTotalLength},
        Ipv4Case{"BadChecksum", [](auto& p) { p[11] ^= 1; }, false, DropReason::kBadIpChecksum},
        Ipv4Case{"TtlChangedWithoutChecksum", [](auto& p) { p[8] = 63; }, false,
                 DropReason::kBadIpChecksum},
        Ipv4Case{"MoreFragments", [](auto& p) { p[6] = 0x20; }, true, DropReason::kIpFragment},
        Ipv4Case{"LastFragment", [](auto& p) { p[7] = 0x01; }, true, DropReason::kIpFragment},
        Ipv4Case{"HighOffsetBits", [](auto& p) { p[6] = 0x10; }, true, DropReason::kIpFragment}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(UdpTest, ParsesGoldenDatagram) {
  UdpDatagram udp;
  ASSERT_EQ(ParseUdp(base::ByteSpan(kRelayedPacket).subspan(20), kRelay, kServer, &udp),
            DropReason::kNone);
  EXPECT_EQ(udp.src_port, 67);
  EXPECT_EQ(udp.dst_port, 67);
  EXPECT_EQ(udp.length, 20);
  EXPECT_TRUE(udp.checksum_present);
}

TEST(UdpTest, ChecksumCoversThePseudoHeader) {
  UdpDatagram udp;
  EXPECT_EQ(ParseUdp(base::ByteSpan(kRelayedPacket).subspan(20), kRelay, Ipv4Address(198, 18, 0, 2),
                     &udp),
            DropReason::kBadUdpChecksum);
}

TEST(UdpTest, ZeroChecksumMeansNone) {
  std::vector<uint8_t> d(kRelayedPacket.begin() + 20, kRelayedPacket.end());
  d[6] = d[7] = 0;
  d[10] ^= 0xff;  // would not verify, but nothing is checked
  UdpDatagram udp;
  ASSERT_EQ(ParseUdp(d, kRelay, kServer, &udp), DropReason::kNone);
  EXPECT_FALSE(udp.checksum_present);
}

TEST(UdpTest, AllOnesChecksumVerifies) {
  // A datagram whose computed checksum is 0 carries ffff (RFC 768).
  uint8_t d[10] = {0x12, 0x34, 0x00, 0x43, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00};
  const Ipv4Address src(10, 0, 0, 1), dst(10, 0, 0, 2);
  base::StoreBe16(d + 8, UdpChecksum(src, dst, d, sizeof d));
  const uint16_t c = UdpChecksum(src, dst, d, sizeof d);
  ASSERT_EQ(c, 0xffff);
  base::StoreBe16(d + 6, c);
  UdpDatagram udp;
  EXPECT_EQ(ParseUdp(d, src, dst, &udp), DropReason::kNone);
  EXPECT_TRUE(udp.checksum_present);
}

TEST(UdpTest, LengthShorterThanIpPayloadIsAccepted) {
  // RFC 768 length is authoritative inside the IP payload; trailing bytes are
  // not part of the datagram (and not summed).
  std::vector<uint8_t> d(kRelayedPacket.begin() + 20, kRelayedPacket.end());
  d.push_back(0x99);
  UdpDatagram udp;
  ASSERT_EQ(ParseUdp(d, kRelay, kServer, &udp), DropReason::kNone);
  EXPECT_EQ(udp.length, 20);
}

TEST(UdpTest, WriterMatchesGoldenBytes) {
  std::vector<uint8_t> d(kRelayedPacket.begin() + 20, kRelayedPacket.end());
  std::memset(d.data(), 0xaa, 8);
  WriteUdpHeader(d.data(), kRelay, kServer, 67, 67, 12);
  EXPECT_TRUE(std::equal(d.begin(), d.end(), kRelayedPacket.begin() + 20));
}

TEST(UdpTest, WriterSendsZeroChecksumAsAllOnes) {
  const Ipv4Address src(10, 0, 0, 1), dst(10, 0, 0, 2);
  uint8_t d[10] = {0x12, 0x34, 0x00, 0x43, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00};
  base::StoreBe16(d + 8, UdpChecksum(src, dst, d, sizeof d));  // makes the sum -0
  WriteUdpHeader(d, src, dst, 0x1234, 67, 2);
  EXPECT_EQ(base::LoadBe16(d + 6), 0xffff);
  UdpDatagram udp;
  EXPECT_EQ(ParseUdp(d, src, dst, &udp), DropReason::kNone);
}

struct UdpCase {
  const char* name;
  std::function<void(std::vector<uint8_t>&)> edit;
  DropReason want;
};

class MalformedUdpTest : public ::testing::TestWithParam<UdpCase> {};

TEST_P(MalformedUdpTest, DropsWithNamedReason) {
  std::vector<uint8_t> d(kRelayedPacket.begin() + 20, kRelayedPacket.end());
  GetParam().edit(d);
  UdpDatagram udp;
  EXPECT_EQ(DropReasonName(ParseUdp(d, kRelay, kServer, &udp)), DropReasonName(GetParam().want));
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedUdpTest,
    ::testing::Values(
        UdpCase{"Empty", [](auto& d) { d.clear(); }, DropReason::kTruncatedUdp},
        UdpCase{"Seven", [](auto& d) { d.resize(7); }, DropReason::kTruncatedUdp},
        UdpCase{"Length7", [](auto& d) { base::StoreBe16(&d[4], 7); }, DropReason::kBadUdpLength},
        UdpCase{"Length0", [](auto& d) { base::StoreBe16(&d[4], 0); }, DropReason::kBadUdpLength},
        UdpCase{"LengthPastPayload", [](auto& d) { base::StoreBe16(&d[4], 21); },
                DropReason::kBadUdpLength},
        UdpCase{"PayloadCutShort", [](auto& d) { d.resize(19); }, DropReason::kBadUdpLength},
        UdpCase{"PayloadByteFlipped", [](auto& d) { d[15] ^= 0x20; }, DropReason::kBadUdpChecksum},
        UdpCase{"PortChanged", [](auto& d) { d[1] = 68; }, DropReason::kBadUdpChecksum}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace dpdhcp::proto
