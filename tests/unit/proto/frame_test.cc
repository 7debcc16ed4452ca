#include "dpdhcp/proto/frame.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/proto/checksum.h"

namespace dpdhcp::proto {
namespace {

using base::DropReason;
using base::DropReasonName;
using base::Ipv4Address;
using base::MacAddress;

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

// A 342-byte DHCPDISCOVER as a directly attached client sends it:
// 52:54:00:12:34:56 -> broadcast, 0.0.0.0:68 -> 255.255.255.255:67, id 0,
// TTL 64, xid 3903f326, broadcast flag, options 53=1, 61, 55, 12="cpe1", end.
// IPv4 checksum 79a6 and UDP checksum 3679 were computed by an independent
// Python implementation.
const std::vector<uint8_t> kDiscover = FromHex(
    "ffffffffffff52540012345608004500014800000000401179a600000000ffff"
    "ffff0044004301343679010106003903f3260000800000000000000000000000"
    "0000000000005254001234560000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000638253633501013d0701"
    "52540012345637040103060f0c0463706531ff00000000000000000000000000"
    "00000000000000000000000000000000000000000000");
constexpr size_t kL3 = 14;
constexpr size_t kL4 = 34;
constexpr size_t kPayload = 42;

const MacAddress kClientMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

void RefixIpChecksum(std::vector<uint8_t>& f, size_t l3 = kL3) {
  const size_t hl = (f[l3] & 0xf) * 4u;
  base::StoreBe16(&f[l3 + 10], Ipv4HeaderChecksum(&f[l3], hl));
}

// Inserts tag bytes after the MAC addresses; IP and UDP checksums are unaffected.
std::vector<uint8_t> WithTags(std::vector<uint8_t> f, const std::vector<uint8_t>& tags) {
  f.insert(f.begin() + 12, tags.begin(), tags.end());
  return f;
}

TEST(FrameTest, GoldenDiscoverFieldByField) {
  ASSERT_EQ(kDiscover.size(), 342u);
  ParsedUdpFrame p;
  ASSERT_EQ(ParseUdpFrame(kDiscover, &p), DropReason::kNone);
  EXPECT_EQ(p.eth.dst, base::kBroadcastMac);
  EXPECT_EQ(p.eth.src, kClientMac);
  EXPECT_EQ(p.eth.vlans.count, 0);
  EXPECT_EQ(p.eth.ethertype, kEtherTypeIpv4);
  EXPECT_EQ(p.eth.l3_offset, kL3);
  EXPECT_EQ(p.ip.src, Ipv4Address());
  EXPECT_EQ(p.ip.dst, base::kBroadcastAddress);
  EXPECT_EQ(p.ip.protocol, kIpProtoUdp);
  EXPECT_EQ(p.ip.ttl, 64);
  EXPECT_EQ(p.ip.header_length, 20);
  EXPECT_EQ(p.ip.total_length, 328);
  EXPECT_EQ(p.udp.src_port, 68);
  EXPECT_EQ(p.udp.dst_port, 67);
  EXPECT_EQ(p.udp.length, 308);
  EXPECT_TRUE(p.udp.checksum_present);
  // Zero copy: the payload is a view into the frame.
  EXPECT_EQ(p.payload.data(), kDiscover.data() + kPayload);
  EXPECT_EQ(p.payload.size(), 300u);
  EXPECT_EQ(p.payload[0], 1);                               // BOOTREQUEST
  EXPECT_EQ(base::LoadBe32(&p.payload[236]), 0x63825363u);  // magic cookie

  // The library's checksums reproduce the independently computed ones.
  EXPECT_EQ(Ipv4HeaderChecksum(&kDiscover[kL3], 20), 0x79a6);
  EXPECT_EQ(UdpChecksum(p.ip.src, p.ip.dst, &kDiscover[kL4], 308), 0x3679);
}

TEST(FrameTest, WriterReproducesGoldenDiscover) {
  std::vector<uint8_t> f(342, 0xaa);
  std::copy(kDiscover.begin() + kPayload, kDiscover.end(), f.begin() + kPayload);
  const UdpFrameSpec spec{.dst_mac = base::kBroadcastMac,
                          .src_mac = kClientMac,
                          .vlans = {},
                          .src_ip = Ipv4Address(),
                          .dst_ip = base::kBroadcastAddress,
                          .src_port = 68,
                          .dst_port = 67};
  ASSERT_EQ(UdpFrameHeaderLength(spec.vlans), kPayload);
  EXPECT_EQ(WriteUdpFrameHeaders(f.data(), spec, 300), 342u);
  EXPECT_EQ(f, kDiscover);
}

struct QinQCase {
  const char* name;
  std::vector<uint8_t> tags;
  VlanTags want;
};

class TaggedFrameTest : public ::testing::TestWithParam<QinQCase> {};

TEST_P(TaggedFrameTest, ParsesThroughTheTags) {
  const std::vector<uint8_t> f = WithTags(kDiscover, GetParam().tags);
  ParsedUdpFrame p;
  ASSERT_EQ(ParseUdpFrame(f, &p), DropReason::kNone);
  EXPECT_EQ(p.eth.vlans, GetParam().want);
  EXPECT_EQ(p.eth.l3_offset, kL3 + 4 * GetParam().want.count);
  EXPECT_EQ(p.payload.data(), f.data() + kPayload + 4 * GetParam().want.count);
  EXPECT_EQ(p.payload.size(), 300u);
}

INSTANTIATE_TEST_SUITE_P(
    Tags, TaggedFrameTest,
    ::testing::Values(QinQCase{"Dot1Q", {0x81, 0x00, 0x00, 0x64}, VlanTags{1, 0x8100, 100, 0}},
                      QinQCase{"QinQ88a8",
                               {0x88, 0xa8, 0x0b, 0xb8, 0x81, 0x00, 0x00, 0x07},
                               VlanTags{2, 0x88a8, 3000, 7}},
                      QinQCase{"QinQ8100",
                               {0x81, 0x00, 0x0b, 0xb8, 0x81, 0x00, 0x00, 0x07},
                               VlanTags{2, 0x8100, 3000, 7}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(FrameTest, Ihl6WithOptions) {
  // Router Alert (RFC 2113) inserted after the fixed IPv4 header.
  std::vector<uint8_t> f = kDiscover;
  f.insert(f.begin() + kL4, {0x94, 0x04, 0x00, 0x00});
  f[kL3] = 0x46;
  base::StoreBe16(&f[kL3 + 2], 332);
  RefixIpChecksum(f);
  ParsedUdpFrame p;
  ASSERT_EQ(ParseUdpFrame(f, &p), DropReason::kNone);
  EXPECT_EQ(p.ip.header_length, 24);
  EXPECT_EQ(p.udp.length, 308);
  EXPECT_EQ(p.payload.data(), f.data() + kPayload + 4);
  EXPECT_EQ(p.payload.size(), 300u);
}

TEST(FrameTest, EthernetPaddingAfterShortPacketIsIgnored) {
  // 0.0.0.0:68 -> 255.255.255.255:67 with a 2-byte payload: 44 bytes, padded
  // by the sender's NIC to the 60-byte minimum with non-zero garbage.
  std::vector<uint8_t> f(60, 0x5a);
  f[kPayload] = 0x01;
  f[kPayload + 1] = 0x02;
  const UdpFrameSpec spec{.dst_mac = base::kBroadcastMac,
                          .src_mac = kClientMac,
                          .vlans = {},
                          .src_ip = Ipv4Address(),
                          .dst_ip = base::kBroadcastAddress,
                          .src_port = 68,
                          .dst_port = 67};
  ASSERT_EQ(WriteUdpFrameHeaders(f.data(), spec, 2), 44u);
  ParsedUdpFrame p;
  ASSERT_EQ(ParseUdpFrame(f, &p), DropReason::kNone);
  EXPECT_EQ(p.ip.total_length, 30);
  EXPECT_EQ(p.udp.length, 10);
  ASSERT_EQ(p.payload.size(), 2u);
  EXPECT_EQ(p.payload[1], 0x02);
}

// Each case edits a copy of kDiscover. Edits that must get past the IPv4
// checksum to reach their check refix it.
struct FrameCase {
  const char* name;
  std::function<void(std::vector<uint8_t>&)> edit;
  DropReason want;
};

class MalformedFrameTest : public ::testing::TestWithParam<FrameCase> {};

TEST_P(MalformedFrameTest, DropsWithNamedReason) {
  std::vector<uint8_t> f = kDiscover;
  GetParam().edit(f);
  ParsedUdpFrame p;
  EXPECT_EQ(DropReasonName(ParseUdpFrame(f, &p)), DropReasonName(GetParam().want));
}

auto CutAt(size_t n) {
  return [n](std::vector<uint8_t>& f) { f.resize(n); };
}

// Sets the IPv4 total length (and fixes the header checksum).
auto IpTotalLength(uint16_t total) {
  return [total](std::vector<uint8_t>& f) {
    base::StoreBe16(&f[kL3 + 2], total);
    RefixIpChecksum(f);
  };
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedFrameTest,
    ::testing::Values(
        // Truncated at every layer boundary.
        FrameCase{"Empty", CutAt(0), DropReason::kTruncatedEthernet},
        FrameCase{"CutInsideEthernet", CutAt(13), DropReason::kTruncatedEthernet},
        FrameCase{"CutAfterEthernet", CutAt(kL3), DropReason::kTruncatedIpv4},
        FrameCase{"CutInsideIpv4", CutAt(kL4 - 1), DropReason::kTruncatedIpv4},
        FrameCase{"CutAfterIpv4", CutAt(kL4), DropReason::kBadIpTotalLength},
        FrameCase{"CutInsideUdp", CutAt(kPayload - 1), DropReason::kBadIpTotalLength},
        FrameCase{"CutAfterUdp", CutAt(kPayload), DropReason::kBadIpTotalLength},
        FrameCase{"CutInsidePayload", CutAt(341), DropReason::kBadIpTotalLength},
        FrameCase{"IpPayloadEndsAfterIpv4", IpTotalLength(20), DropReason::kTruncatedUdp},
        FrameCase{"IpPayloadEndsInsideUdp", IpTotalLength(27), DropReason::kTruncatedUdp},
        // VLAN tags.
        FrameCase{"TruncatedTag",
                  [](auto& f) {
                    f = WithTags(f, {0x81, 0x00});
                    f.resize(16);
                  },
                  DropReason::kTruncatedVlan},
        FrameCase{"ThreeTags",
                  [](auto& f) {
                    f = WithTags(f, {0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3});
                  },
                  DropReason::kTooManyVlanTags},
        // Ethertype.
        FrameCase{"Ipv6Ethertype",
                  [](auto& f) {
                    f[12] = 0x86;
                    f[13] = 0xdd;
                  },
                  DropReason::kUnsupportedEthertype},
        FrameCase{"ArpEthertype", [](auto& f) { f[13] = 0x06; }, DropReason::kUnsupportedEthertype},
        FrameCase{"STagInsideCTag",
                  [](auto& f) {
                    f = WithTags(f, {0x81, 0x00, 0, 1, 0x88, 0xa8, 0, 2});
                  },
                  DropReason::kUnsupportedEthertype},
        // IPv4.
        FrameCase{"Version6",
                  [](auto& f) {
                    f[kL3] = 0x65;
                    RefixIpChecksum(f);
                  },
                  DropReason::kBadIpVersion},
        FrameCase{"Ihl4", [](auto& f) { f[kL3] = 0x44; }, DropReason::kBadIpHeaderLength},
        FrameCase{"IhlPastEnd",
                  [](auto& f) {
                    f[kL3] = 0x4f;
                    f.resize(kL3 + 56);
                  },
                  DropReason::kBadIpHeaderLength},
        FrameCase{"TotalLengthTooShort", IpTotalLength(19), DropReason::kBadIpTotalLength},
        FrameCase{"TotalLengthTooLong", IpTotalLength(329), DropReason::kBadIpTotalLength},
        FrameCase{"BadIpChecksum", [](auto& f) { f[kL3 + 10] ^= 0x80; },
                  DropReason::kBadIpChecksum},
        FrameCase{"MoreFragments",
                  [](auto& f) {
                    f[kL3 + 6] = 0x20;
                    RefixIpChecksum(f);
                  },
                  DropReason::kIpFragment},
        FrameCase{"FragmentOffset",
                  [](auto& f) {
                    f[kL3 + 7] = 0x10;
                    RefixIpChecksum(f);
                  },
                  DropReason::kIpFragment},
        FrameCase{"Icmp",
                  [](auto& f) {
                    f[kL3 + 9] = kIpProtoIcmp;
                    RefixIpChecksum(f);
                  },
                  DropReason::kUnsupportedIpProtocol},
        FrameCase{"Tcp",
                  [](auto& f) {
                    f[kL3 + 9] = 6;
                    RefixIpChecksum(f);
                  },
                  DropReason::kUnsupportedIpProtocol},
        // UDP.
        FrameCase{"UdpLength7", [](auto& f) { base::StoreBe16(&f[kL4 + 4], 7); },
                  DropReason::kBadUdpLength},
        FrameCase{"UdpLengthPastIpPayload", [](auto& f) { base::StoreBe16(&f[kL4 + 4], 309); },
                  DropReason::kBadUdpLength},
        FrameCase{"UdpLengthPastIpTotalButInsideFrame",
                  [](auto& f) {
                    // The IP packet ends 4 bytes early; the frame still holds
                    // them, but the UDP length may not reach into them.
                    base::StoreBe16(&f[kL3 + 2], 324);
                    RefixIpChecksum(f);
                  },
                  DropReason::kBadUdpLength},
        FrameCase{"BadUdpChecksum", [](auto& f) { f[kPayload + 4] ^= 0x01; },
                  DropReason::kBadUdpChecksum}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(FrameTest, UdpWithoutChecksumIsAccepted) {
  std::vector<uint8_t> f = kDiscover;
  f[kL4 + 6] = f[kL4 + 7] = 0;
  f[kPayload + 4] ^= 0x01;
  ParsedUdpFrame p;
  ASSERT_EQ(ParseUdpFrame(f, &p), DropReason::kNone);
  EXPECT_FALSE(p.udp.checksum_present);
}

// Random damage to the headers and random truncation: every outcome is either
// a parse whose views lie inside the frame or a drop (run under ASan, an
// out-of-bounds read fails here).
TEST(FrameTest, RandomDamageStaysInBounds) {
  std::mt19937 rng(4);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> f =
        i % 2 ? kDiscover : WithTags(kDiscover, {0x88, 0xa8, 0, 1, 0x81, 0, 0, 2});
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) f[rng() % 60] = static_cast<uint8_t>(rng());
    if (rng() % 2) f.resize(rng() % (f.size() + 1));
    ParsedUdpFrame p;
    if (ParseUdpFrame(f, &p) == DropReason::kNone) {
      ASSERT_GE(p.payload.data(), f.data());
      ASSERT_LE(p.payload.data() + p.payload.size(), f.data() + f.size());
    }
  }
}

// Round trip: WriteUdpFrameHeaders then ParseUdpFrame gives the spec back, for
// 0, 1 and 2 tags and even, odd and empty payloads.
struct TagCase {
  const char* name;
  VlanTags vlans;
};

class RoundTripTest : public ::testing::TestWithParam<std::tuple<TagCase, size_t>> {};

TEST_P(RoundTripTest, WriteThenParseGivesTheSpecBack) {
  const auto& [tags, payload_len] = GetParam();
  const UdpFrameSpec spec{.dst_mac = kClientMac,
                          .src_mac = MacAddress{{0x02, 0, 0, 0, 0, 0x01}},
                          .vlans = tags.vlans,
                          .src_ip = Ipv4Address(198, 18, 0, 1),
                          .dst_ip = Ipv4Address(198, 18, 7, 200),
                          .src_port = 67,
                          .dst_port = 68,
                          .ttl = 128};
  const size_t header = UdpFrameHeaderLength(spec.vlans);
  EXPECT_EQ(header, 42u + 4 * tags.vlans.count);
  std::vector<uint8_t> f(header + payload_len);
  for (size_t i = header; i < f.size(); ++i) f[i] = static_cast<uint8_t>(i * 31);
  ASSERT_EQ(WriteUdpFrameHeaders(f.data(), spec, payload_len), f.size());

  ParsedUdpFrame p;
  ASSERT_EQ(ParseUdpFrame(f, &p), DropReason::kNone);
  EXPECT_EQ(p.eth.dst, spec.dst_mac);
  EXPECT_EQ(p.eth.src, spec.src_mac);
  EXPECT_EQ(p.eth.vlans, spec.vlans);
  EXPECT_EQ(p.eth.ethertype, kEtherTypeIpv4);
  EXPECT_EQ(p.ip.src, spec.src_ip);
  EXPECT_EQ(p.ip.dst, spec.dst_ip);
  EXPECT_EQ(p.ip.ttl, spec.ttl);
  EXPECT_EQ(p.ip.protocol, kIpProtoUdp);
  EXPECT_EQ(p.ip.total_length, 28 + payload_len);
  EXPECT_EQ(p.udp.src_port, spec.src_port);
  EXPECT_EQ(p.udp.dst_port, spec.dst_port);
  EXPECT_EQ(p.udp.length, 8 + payload_len);
  EXPECT_TRUE(p.udp.checksum_present);
  EXPECT_EQ(p.payload.data(), f.data() + header);
  EXPECT_EQ(p.payload.size(), payload_len);
}

INSTANTIATE_TEST_SUITE_P(
    TagsAndSizes, RoundTripTest,
    ::testing::Combine(::testing::Values(TagCase{"Untagged", VlanTags{}},
                                         TagCase{"Dot1Q", VlanTags{1, 0x8100, 0xa064, 0}},
                                         TagCase{"QinQ88a8", VlanTags{2, 0x88a8, 0x0bb8, 0x2007}},
                                         TagCase{"QinQ8100", VlanTags{2, 0x8100, 0x0001, 0x0fff}}),
                       ::testing::Values(size_t{0}, size_t{1}, size_t{300}, size_t{301},
                                         size_t{1472})),
    [](const auto& info) {
      return std::string(std::get<0>(info.param).name) + "_" +
             std::to_string(std::get<1>(info.param));
    });

}  // namespace
}  // namespace dpdhcp::proto
