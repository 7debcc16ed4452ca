#include "dpdhcp/proto/ethernet.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/mac_address.h"

namespace dpdhcp::proto {
namespace {

using base::DropReason;
using base::DropReasonName;
using base::MacAddress;

const MacAddress kDst{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
const MacAddress kSrc{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

// dst, src, then the given tag/ethertype bytes, then a 4-byte marker payload.
std::vector<uint8_t> Frame(std::initializer_list<uint8_t> after_macs) {
  std::vector<uint8_t> f(kDst.bytes().begin(), kDst.bytes().end());
  f.insert(f.end(), kSrc.bytes().begin(), kSrc.bytes().end());
  f.insert(f.end(), after_macs);
  f.insert(f.end(), {0xde, 0xad, 0xbe, 0xef});
  return f;
}

TEST(EthernetTest, Untagged) {
  const auto f = Frame({0x08, 0x00});
  EthernetFrame e;
  ASSERT_EQ(ParseEthernet(f, &e), DropReason::kNone);
  EXPECT_EQ(e.dst, kDst);
  EXPECT_EQ(e.src, kSrc);
  EXPECT_EQ(e.vlans, VlanTags{});
  EXPECT_EQ(e.ethertype, kEtherTypeIpv4);
  EXPECT_EQ(e.l3_offset, 14);
  EXPECT_EQ(f[e.l3_offset], 0xde);
}

TEST(EthernetTest, Single8021QTag) {
  // PCP 5, DEI 1, VID 0x123: TCI = 101 1 000100100011 = 0xb123.
  const auto f = Frame({0x81, 0x00, 0xb1, 0x23, 0x08, 0x06});
  EthernetFrame e;
  ASSERT_EQ(ParseEthernet(f, &e), DropReason::kNone);
  EXPECT_EQ(e.vlans.count, 1);
  EXPECT_EQ(e.vlans.outer_tpid, kEtherTypeVlan);
  EXPECT_EQ(e.vlans.outer_tci, 0xb123);
  EXPECT_EQ(e.vlans.outer_vid(), 0x123);
  EXPECT_EQ(e.ethertype, kEtherTypeArp);
  EXPECT_EQ(e.l3_offset, 18);
  EXPECT_EQ(f[e.l3_offset], 0xde);
}

struct QinQCase {
  uint16_t outer_tpid;
  const char* name;
};

class QinQTest : public ::testing::TestWithParam<QinQCase> {};

TEST_P(QinQTest, OuterThenInnerTag) {
  const uint16_t tpid = GetParam().outer_tpid;
  const auto f = Frame({static_cast<uint8_t>(tpid >> 8), static_cast<uint8_t>(tpid), 0x0f, 0xfe,
                        0x81, 0x00, 0x20, 0x64, 0x08, 0x00});
  EthernetFrame e;
  ASSERT_EQ(ParseEthernet(f, &e), DropReason::kNone);
  EXPECT_EQ(e.vlans.count, 2);
  EXPECT_EQ(e.vlans.outer_tpid, tpid);
  EXPECT_EQ(e.vlans.outer_vid(), 4094);
  EXPECT_EQ(e.vlans.inner_tci, 0x2064);
  EXPECT_EQ(e.vlans.inner_vid(), 100);
  EXPECT_EQ(e.ethertype, kEtherTypeIpv4);
  EXPECT_EQ(e.l3_offset, 22);
  EXPECT_EQ(f[e.l3_offset], 0xde);

  // And the writer produces the same bytes.
  uint8_t out[22];
  EXPECT_EQ(WriteEthernetHeader(out, kDst, kSrc, e.vlans, kEtherTypeIpv4), 22u);
  EXPECT_TRUE(std::equal(out, out + 22, f.begin()));
}

INSTANTIATE_TEST_SUITE_P(Tpids, QinQTest,
                         ::testing::Values(QinQCase{kEtherTypeQinQ, "Outer88a8"},
                                           QinQCase{kEtherTypeVlan, "Outer8100"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(EthernetTest, STagInsideCTagIsLeftToTheCaller) {
  // 802.1ad puts S-tags outside; an 88a8 after a C-tag is not a tag we serve,
  // so it surfaces as the ethertype and the caller drops it as unsupported.
  const auto f = Frame({0x81, 0x00, 0x00, 0x0a, 0x88, 0xa8, 0x00, 0x0b, 0x08, 0x00});
  EthernetFrame e;
  ASSERT_EQ(ParseEthernet(f, &e), DropReason::kNone);
  EXPECT_EQ(e.vlans.count, 1);
  EXPECT_EQ(e.ethertype, kEtherTypeQinQ);
}

TEST(EthernetTest, EthertypeIsNotJudgedHere) {
  const auto f = Frame({0x86, 0xdd});
  EthernetFrame e;
  ASSERT_EQ(ParseEthernet(f, &e), DropReason::kNone);
  EXPECT_EQ(e.ethertype, 0x86dd);
}

struct MalformedL2 {
  const char* name;
  std::vector<uint8_t> frame;
  DropReason want;
};

class MalformedEthernetTest : public ::testing::TestWithParam<MalformedL2> {};

TEST_P(MalformedEthernetTest, DropsWithNamedReason) {
  EthernetFrame e;
  EXPECT_EQ(DropReasonName(ParseEthernet(GetParam().frame, &e)), DropReasonName(GetParam().want));
}

std::vector<uint8_t> Prefix(std::vector<uint8_t> f, size_t n) {
  f.resize(n);
  return f;
}

INSTANTIATE_TEST_SUITE_P(
    Table, MalformedEthernetTest,
    ::testing::Values(
        MalformedL2{"Empty", {}, DropReason::kTruncatedEthernet},
        MalformedL2{"Thirteen", Prefix(Frame({0x08, 0x00}), 13), DropReason::kTruncatedEthernet},
        MalformedL2{"TagWithoutTci", Prefix(Frame({0x81, 0x00, 0, 1, 0x08, 0x00}), 14),
                    DropReason::kTruncatedVlan},
        MalformedL2{"TagWithoutEthertype", Prefix(Frame({0x81, 0x00, 0, 1, 0x08, 0x00}), 17),
                    DropReason::kTruncatedVlan},
        MalformedL2{"QinQTagWithoutTci", Prefix(Frame({0x88, 0xa8, 0, 1, 0x08, 0x00}), 16),
                    DropReason::kTruncatedVlan},
        MalformedL2{"InnerTagWithoutEthertype",
                    Prefix(Frame({0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x08, 0x00}), 21),
                    DropReason::kTruncatedVlan},
        MalformedL2{"ThreeTags",
                    Frame({0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3, 0x08, 0x00}),
                    DropReason::kTooManyVlanTags},
        MalformedL2{"ThirdTagIsQinQ",
                    Frame({0x81, 0x00, 0, 1, 0x81, 0x00, 0, 2, 0x88, 0xa8, 0, 3, 0x08, 0x00}),
                    DropReason::kTooManyVlanTags}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(EthernetTest, HeaderLength) {
  EXPECT_EQ(EthernetHeaderLength(VlanTags{}), 14u);
  EXPECT_EQ(EthernetHeaderLength(VlanTags{.count = 1}), 18u);
  EXPECT_EQ(EthernetHeaderLength(VlanTags{.count = 2}), 22u);
}

TEST(EthernetTest, WriterDefaultsTheOuterTpid) {
  uint8_t out[22];
  ASSERT_EQ(WriteEthernetHeader(out, kDst, kSrc, VlanTags{.count = 1, .outer_tci = 7}, 0x0806),
            18u);
  EthernetFrame e;
  ASSERT_EQ(ParseEthernet({out, 18}, &e), DropReason::kNone);
  EXPECT_EQ(e.vlans.outer_tpid, kEtherTypeVlan);
  EXPECT_EQ(e.vlans.outer_vid(), 7);
  EXPECT_EQ(e.ethertype, kEtherTypeArp);

  ASSERT_EQ(WriteEthernetHeader(out, kDst, kSrc,
                                VlanTags{.count = 2, .outer_tci = 7, .inner_tci = 8}, 0x0800),
            22u);
  ASSERT_EQ(ParseEthernet({out, 22}, &e), DropReason::kNone);
  EXPECT_EQ(e.vlans.outer_tpid, kEtherTypeQinQ);
  EXPECT_EQ(e.vlans.inner_vid(), 8);
  EXPECT_EQ(e.l3_offset, 22);
}

}  // namespace
}  // namespace dpdhcp::proto
