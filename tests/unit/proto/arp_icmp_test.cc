#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/proto/arp.h"
#include "dpdhcp/proto/checksum.h"
#include "dpdhcp/proto/icmp.h"

namespace dpdhcp::proto {
namespace {

using base::DropReason;
using base::DropReasonName;
using base::Ipv4Address;
using base::MacAddress;

const MacAddress kClientMac{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
const MacAddress kServerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
const Ipv4Address kClientIp(198, 18, 0, 10);
const Ipv4Address kServerIp(198, 18, 0, 1);

// "Who has 198.18.0.1? Tell 198.18.0.10", as on the wire after the Ethernet
// header, padded to the 60-byte minimum frame (18 bytes of padding).
std::vector<uint8_t> ArpRequest() {
  std::vector<uint8_t> a = {
      0x00, 0x01,                          // htype Ethernet
      0x08, 0x00,                          // ptype IPv4
      0x06, 0x04,                          // hlen, plen
      0x00, 0x01,                          // op request
      0x52, 0x54, 0x00, 0x12, 0x34, 0x56,  // sha
      0xc6, 0x12, 0x00, 0x0a,              // spa
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // tha (unknown)
      0xc6, 0x12, 0x00, 0x01,              // tpa
  };
  a.resize(a.size() + 18, 0);
  return a;
}

TEST(ArpTest, ParsesRequestFieldByField) {
  ArpPacket arp;
  ASSERT_EQ(ParseArp(ArpRequest(), &arp), DropReason::kNone);
  EXPECT_EQ(arp.op, kArpRequest);
  EXPECT_EQ(arp.sender_mac, kClientMac);
  EXPECT_EQ(arp.sender_ip, kClientIp);
  EXPECT_EQ(arp.target_mac, MacAddress{});
  EXPECT_EQ(arp.target_ip, kServerIp);
}

TEST(ArpTest, RequestRewrittenIntoReplyInPlace) {
  std::vector<uint8_t> a = ArpRequest();
  ArpPacket req;
  ASSERT_EQ(ParseArp(a, &req), DropReason::kNone);
  WriteArpReply(a.data(), kServerMac, req.target_ip, req.sender_mac, req.sender_ip);
  const std::vector<uint8_t> want = {
      0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,  // op reply
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01,              // sha: ours
      0xc6, 0x12, 0x00, 0x01,                          // spa: ours
      0x52, 0x54, 0x00, 0x12, 0x34, 0x56,              // tha: the requester
      0xc6, 0x12, 0x00, 0x0a,                          // tpa: the requester
  };
  EXPECT_TRUE(std::equal(want.begin(), want.end(), a.begin()));
  EXPECT_EQ(a[28], 0);  // padding untouched

  ArpPacket reply;
  ASSERT_EQ(ParseArp(a, &reply), DropReason::kNone);
  EXPECT_EQ(reply.op, kArpReply);
  EXPECT_EQ(reply.sender_mac, kServerMac);
  EXPECT_EQ(reply.target_ip, kClientIp);
}

TEST(ArpTest, ProbeHasZeroSenderAddress) {
  // RFC 5227 §2.1.1: a probe's sender IP is 0, its target the address tested.
  uint8_t a[kArpPacketLength];
  WriteArp(a, kArpRequest, kServerMac, Ipv4Address(), MacAddress{}, kClientIp);
  ArpPacket arp;
  ASSERT_EQ(ParseArp({a, sizeof a}, &arp), DropReason::kNone);
  EXPECT_EQ(arp.op, kArpRequest);
  EXPECT_TRUE(arp.sender_ip.IsZero());
  EXPECT_EQ(arp.target_ip, kClientIp);
}

struct ArpCase {
  const char* name;
  std::function<void(std::vector<uint8_t>&)> edit;
  DropReason want;
};

class MalformedArpTest : public ::testing::TestWithParam<ArpCase> {};

TEST_P(MalformedArpTest, DropsWithNamedReason) {
  std::vector<uint8_t> a = ArpRequest();
  GetParam().edit(a);
  ArpPacket arp;
  EXPECT_EQ(DropReasonName(ParseArp(a, &arp)), DropReasonName(GetParam().want));
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedArpTest,
    ::testing::Values(
        ArpCase{"Empty", [](auto& a) { a.clear(); }, DropReason::kTruncatedArp},
        ArpCase{"TwentySeven", [](auto& a) { a.resize(27); }, DropReason::kTruncatedArp},
        ArpCase{"HtypeIeee802", [](auto& a) { a[1] = 6; }, DropReason::kUnsupportedArp},
        ArpCase{"PtypeIpv6", [](auto& a) { base::StoreBe16(&a[2], 0x86dd); },
                DropReason::kUnsupportedArp},
        ArpCase{"Hlen8", [](auto& a) { a[4] = 8; }, DropReason::kUnsupportedArp},
        ArpCase{"Plen16", [](auto& a) { a[5] = 16; }, DropReason::kUnsupportedArp}),
    [](const auto& info) { return std::string(info.param.name); });

// ping -p: id 0x1234, sequence 1, data "abcdefgh". Checksums 5435 (request) and
// 5c35 (reply) computed independently in Python.
std::vector<uint8_t> EchoRequest() {
  return {0x08, 0x00, 0x54, 0x35, 0x12, 0x34, 0x00, 0x01, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
}

TEST(IcmpTest, ParsesEchoRequest) {
  IcmpMessage m;
  ASSERT_EQ(ParseIcmpEcho(EchoRequest(), &m), DropReason::kNone);
  EXPECT_EQ(m.type, kIcmpEchoRequest);
  EXPECT_EQ(m.code, 0);
  EXPECT_EQ(m.id, 0x1234);
  EXPECT_EQ(m.sequence, 1);
}

TEST(IcmpTest, TurnsRequestIntoReplyWithGoldenChecksum) {
  std::vector<uint8_t> m = EchoRequest();
  TurnEchoRequestIntoReply(m.data(), m.size());
  EXPECT_EQ(m[0], kIcmpEchoReply);
  EXPECT_EQ(m[1], 0);
  EXPECT_EQ(base::LoadBe16(&m[2]), 0x5c35);
  std::vector<uint8_t> rest = EchoRequest();
  EXPECT_TRUE(std::equal(m.begin() + 4, m.end(), rest.begin() + 4));  // id, seq, data kept

  IcmpMessage parsed;
  ASSERT_EQ(ParseIcmp(m, &parsed), DropReason::kNone);
  EXPECT_EQ(parsed.type, kIcmpEchoReply);
  EXPECT_EQ(DropReasonName(ParseIcmpEcho(m, &parsed)),
            DropReasonName(DropReason::kIcmpNotEchoRequest));
}

TEST(IcmpTest, WriterMatchesGoldenRequest) {
  std::vector<uint8_t> m = EchoRequest();
  std::fill(m.begin(), m.begin() + 8, 0xaa);
  WriteIcmpEchoRequest(m.data(), 0x1234, 1, 8);
  EXPECT_EQ(m, EchoRequest());
}

// The incremental update agrees with summing the whole reply, whatever the
// code, length (odd ones included) and content.
TEST(IcmpTest, IncrementalUpdateAgreesWithFullRecompute) {
  std::mt19937 rng(1624);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> m(8 + rng() % 64);
    for (auto& b : m) b = static_cast<uint8_t>(rng());
    m[0] = kIcmpEchoRequest;
    m[1] = static_cast<uint8_t>(i % 3 == 0 ? rng() : 0);
    base::StoreBe16(&m[2], 0);
    base::StoreBe16(&m[2], ChecksumFinish(ChecksumPartial(m.data(), m.size())));

    std::vector<uint8_t> want = m;
    want[0] = kIcmpEchoReply;
    base::StoreBe16(&want[2], 0);
    base::StoreBe16(&want[2], ChecksumFinish(ChecksumPartial(want.data(), want.size())));

    TurnEchoRequestIntoReply(m.data(), m.size());
    ASSERT_EQ(m, want) << "case " << i;
  }
}

TEST(IcmpTest, IncrementalUpdateCornerCases) {
  // An all-zero reply: its checksum is ffff, which RFC 1624 eqn. 3 alone
  // would give as 0 (and 0 does not verify).
  std::vector<uint8_t> zero = {0x08, 0x00, 0xf7, 0xff, 0x00, 0x00, 0x00, 0x00};
  IcmpMessage m;
  ASSERT_EQ(ParseIcmpEcho(zero, &m), DropReason::kNone);
  TurnEchoRequestIntoReply(zero.data(), zero.size());
  EXPECT_EQ(base::LoadBe16(&zero[2]), 0xffff);
  EXPECT_EQ(ParseIcmp(zero, &m), DropReason::kNone);

  // A reply whose true sum is -0 (id ffff): its checksum really is 0.
  std::vector<uint8_t> neg = {0x08, 0x00, 0xf7, 0xff, 0xff, 0xff, 0x00, 0x00};
  ASSERT_EQ(ParseIcmpEcho(neg, &m), DropReason::kNone);
  TurnEchoRequestIntoReply(neg.data(), neg.size());
  EXPECT_EQ(base::LoadBe16(&neg[2]), 0x0000);
  EXPECT_EQ(ParseIcmp(neg, &m), DropReason::kNone);
}

struct IcmpCase {
  const char* name;
  std::function<void(std::vector<uint8_t>&)> edit;
  DropReason want;
};

class MalformedIcmpTest : public ::testing::TestWithParam<IcmpCase> {};

TEST_P(MalformedIcmpTest, DropsWithNamedReason) {
  std::vector<uint8_t> m = EchoRequest();
  GetParam().edit(m);
  IcmpMessage parsed;
  EXPECT_EQ(DropReasonName(ParseIcmpEcho(m, &parsed)), DropReasonName(GetParam().want));
}

// Changes the type and keeps the checksum right, so that only the type check
// can reject.
void SetType(std::vector<uint8_t>& m, uint8_t type) {
  m[0] = type;
  base::StoreBe16(&m[2], 0);
  base::StoreBe16(&m[2], ChecksumFinish(ChecksumPartial(m.data(), m.size())));
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedIcmpTest,
    ::testing::Values(
        IcmpCase{"Empty", [](auto& m) { m.clear(); }, DropReason::kTruncatedIcmp},
        IcmpCase{"Seven", [](auto& m) { m.resize(7); }, DropReason::kTruncatedIcmp},
        IcmpCase{"DataByteFlipped", [](auto& m) { m[9] ^= 1; }, DropReason::kBadIcmpChecksum},
        IcmpCase{"DataCutShort", [](auto& m) { m.resize(15); }, DropReason::kBadIcmpChecksum},
        IcmpCase{"EchoReply", [](auto& m) { SetType(m, kIcmpEchoReply); },
                 DropReason::kIcmpNotEchoRequest},
        IcmpCase{"DestinationUnreachable", [](auto& m) { SetType(m, 3); },
                 DropReason::kIcmpNotEchoRequest},
        IcmpCase{"Timestamp", [](auto& m) { SetType(m, 13); }, DropReason::kIcmpNotEchoRequest}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace dpdhcp::proto
