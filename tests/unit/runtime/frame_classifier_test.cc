#include "dpdhcp/runtime/frame_classifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/proto/checksum.h"
#include "dpdhcp/proto/frame.h"
#include "test_frames.h"

namespace dpdhcp::runtime {
namespace {

using base::DropReason;
using base::Ipv4Address;
using base::MacAddress;
using proto::VlanTags;
using testing::ArpFrame;
using testing::DiscoverFrame;
using testing::IcmpFrame;

const MacAddress kClient{{0x02, 0x00, 0x00, 0x00, 0x00, 0x42}};
const MacAddress kOurs{{0x02, 0xdd, 0x00, 0x00, 0x00, 0x01}};
const MacAddress kOursVlan{{0x02, 0xdd, 0x00, 0x00, 0x00, 0x02}};
const Ipv4Address kUntaggedAddress(198, 18, 0, 1);
const Ipv4Address kVlanAddress(198, 18, 1, 1);
const Ipv4Address kQinQAddress(198, 18, 2, 1);
const Ipv4Address kPort3Address(198, 18, 3, 1);

constexpr VlanTags kNoTags{};
constexpr VlanTags kVlan100{1, proto::kEtherTypeVlan, 100, 0};
constexpr VlanTags kQinQ200_300{2, proto::kEtherTypeQinQ, 200, 300};

// Interfaces 0..3: port 0 untagged, port 0 VLAN 100, port 0 QinQ 200/300,
// port 3 untagged.
class ClassifierTest : public ::testing::Test {
 protected:
  ClassifierTest() {
    const std::vector<InterfaceKey> keys = {
        {0, 0, 0, 0}, {0, 1, 100, 0}, {0, 2, 200, 300}, {3, 0, 0, 0}};
    table_ = *InterfaceTable::Build(keys);
    addresses_ = {{kUntaggedAddress, kOurs},
                  {kVlanAddress, kOursVlan},
                  {kQinQAddress, kOurs},
                  {kPort3Address, kOurs}};
    classifier_ = std::make_unique<FrameClassifier>(table_, addresses_);
  }

  ClassifiedFrame Classify(const std::vector<uint8_t>& frame, RxMeta meta = {}) {
    ClassifiedFrame c;
    classifier_->Classify(frame, meta, &c);
    return c;
  }

  InterfaceTable table_;
  std::vector<InterfaceAddress> addresses_;
  std::unique_ptr<FrameClassifier> classifier_;
};

// From the client 198.18.0.50 (a relay when src_port is 67).
std::vector<uint8_t> UdpTo(Ipv4Address dst, uint16_t dst_port, const VlanTags& vlans = {},
                           uint16_t src_port = 68) {
  proto::UdpFrameSpec spec;
  spec.dst_mac = kOurs;
  spec.src_mac = kClient;
  spec.vlans = vlans;
  spec.src_ip = Ipv4Address(198, 18, 0, 50);
  spec.dst_ip = dst;
  spec.src_port = src_port;
  spec.dst_port = dst_port;
  return testing::UdpFrame(spec, testing::DhcpPayload(kClient, 7));
}

struct Case {
  std::string name;
  std::vector<uint8_t> frame;
  RxMeta meta;
  FrameAction action;
  DropReason drop;           // kDrop only
  uint32_t interface_index;  // kNoInterface when none
  VlanTags vlans;            // checked when an interface matched
};

// Case builders: the expected outcome first, then the frame.
Case Handled(std::string name, FrameAction action, uint32_t interface_index, VlanTags vlans,
             std::vector<uint8_t> frame, RxMeta meta = {}) {
  return Case{std::move(name),   std::move(frame), meta, action,
              DropReason::kNone, interface_index,  vlans};
}
Case Dropped(std::string name, DropReason drop, uint32_t interface_index,
             std::vector<uint8_t> frame, RxMeta meta = {}) {
  return Case{std::move(name), std::move(frame), meta, FrameAction::kDrop, drop,
              interface_index, kNoTags};
}

std::vector<Case> Cases() {
  const Ipv4Address client_ip(198, 18, 0, 50);
  std::vector<uint8_t> bad_udp_checksum = DiscoverFrame(kClient, 1);
  bad_udp_checksum.back() ^= 0xff;  // a payload byte, under the UDP checksum
  std::vector<uint8_t> tcp = UdpTo(kUntaggedAddress, 67);
  tcp[14 + 9] = 6;  // protocol TCP; IPv4 checksum fixed below
  base::StoreBe16(&tcp[14 + 10], 0);
  base::StoreBe16(&tcp[14 + 10], proto::Ipv4HeaderChecksum(&tcp[14], 20));
  std::vector<uint8_t> ipv6 = DiscoverFrame(kClient, 1);
  base::StoreBe16(&ipv6[12], 0x86dd);
  std::vector<uint8_t> arp_truncated =
      ArpFrame(proto::kArpRequest, kClient, client_ip, kUntaggedAddress);
  arp_truncated.resize(30);
  std::vector<uint8_t> giant = DiscoverFrame(kClient, 1);
  giant.resize(kMaxFrameSize + 1, 0);
  const RxMeta stripped100{0, true, 100};
  const RxMeta stripped200{0, true, 200};
  const RxMeta port1{1, false, 0};
  const RxMeta port3{3, false, 0};
  const VlanTags c_tag300{1, proto::kEtherTypeVlan, 300, 0};
  const VlanTags vlan999{1, proto::kEtherTypeVlan, 999, 0};
  const FrameAction dhcp = FrameAction::kDhcp;

  return {
      Handled("DiscoverUntagged", dhcp, 0, kNoTags, DiscoverFrame(kClient, 1)),
      Handled("DiscoverVlan100InData", dhcp, 1, kVlan100, DiscoverFrame(kClient, 1, kVlan100)),
      Handled("DiscoverVlan100Stripped", dhcp, 1, kVlan100, DiscoverFrame(kClient, 1), stripped100),
      Handled("DiscoverQinQInData", dhcp, 2, kQinQ200_300, DiscoverFrame(kClient, 1, kQinQ200_300)),
      Handled("DiscoverQinQOuterStripped", dhcp, 2, kQinQ200_300,
              DiscoverFrame(kClient, 1, c_tag300), stripped200),
      Handled("OtherPortUntagged", dhcp, 3, kNoTags, DiscoverFrame(kClient, 1), port3),
      Handled("UnicastToUs", dhcp, 0, kNoTags, UdpTo(kUntaggedAddress, 67)),
      Dropped("ThreeTags", DropReason::kTooManyVlanTags, kNoInterface,
              DiscoverFrame(kClient, 1, kQinQ200_300), stripped100),
      Dropped("UnknownVlan", DropReason::kNoInterface, kNoInterface,
              DiscoverFrame(kClient, 1, vlan999)),
      Dropped("PortWithoutInterface", DropReason::kNoInterface, kNoInterface,
              DiscoverFrame(kClient, 1), port1),
      Dropped("UnicastToOtherInterfaceAddress", DropReason::kIpNotForUs, 0,
              UdpTo(kVlanAddress, 67)),
      Dropped("UnicastElsewhere", DropReason::kIpNotForUs, 0,
              UdpTo(Ipv4Address(198, 18, 0, 9), 67)),
      Dropped("UdpToClientPort", DropReason::kNotDhcpPort, 0, UdpTo(kUntaggedAddress, 68)),
      Dropped("BadUdpChecksum", DropReason::kBadUdpChecksum, 0, bad_udp_checksum),
      Dropped("Tcp", DropReason::kUnsupportedIpProtocol, 0, tcp),
      Dropped("Ipv6", DropReason::kUnsupportedEthertype, 0, ipv6),
      Dropped("Giant", DropReason::kOversizedFrame, kNoInterface, giant),
      Dropped("Truncated", DropReason::kTruncatedEthernet, kNoInterface,
              std::vector<uint8_t>(10, 0xff)),
      Handled("ArpRequestForUs", FrameAction::kArpReply, 0, kNoTags,
              ArpFrame(proto::kArpRequest, kClient, client_ip, kUntaggedAddress)),
      Handled("ArpRequestForUsStrippedVlan", FrameAction::kArpReply, 1, kVlan100,
              ArpFrame(proto::kArpRequest, kClient, Ipv4Address(198, 18, 1, 50), kVlanAddress),
              stripped100),
      Dropped("ArpRequestForOther", DropReason::kArpNotForUs, 0,
              ArpFrame(proto::kArpRequest, kClient, client_ip, Ipv4Address(198, 18, 0, 2))),
      Dropped("ArpReply", DropReason::kArpNotForUs, 0,
              ArpFrame(proto::kArpReply, kClient, client_ip, kUntaggedAddress)),
      Dropped("ArpTruncated", DropReason::kTruncatedArp, 0, arp_truncated),
      Handled("PingUs", FrameAction::kIcmpEchoReply, 0, kNoTags,
              IcmpFrame(kClient, kOurs, client_ip, kUntaggedAddress)),
      Dropped("PingOther", DropReason::kIpNotForUs, 0,
              IcmpFrame(kClient, kOurs, client_ip, Ipv4Address(198, 18, 0, 9))),
      Dropped("PingBroadcast", DropReason::kIpNotForUs, 0,
              IcmpFrame(kClient, kOurs, client_ip, base::kBroadcastAddress)),
      Dropped("IcmpEchoReplyToUs", DropReason::kIcmpNotEchoRequest, 0,
              IcmpFrame(kClient, kOurs, client_ip, kUntaggedAddress, proto::kIcmpEchoReply)),
  };
}

class ClassifyCaseTest : public ClassifierTest, public ::testing::WithParamInterface<Case> {};

TEST_P(ClassifyCaseTest, ActionReasonInterfaceTags) {
  const Case& k = GetParam();
  const ClassifiedFrame c = Classify(k.frame, k.meta);
  EXPECT_EQ(c.action, k.action);
  if (k.action == FrameAction::kDrop) {
    EXPECT_EQ(base::DropReasonName(c.drop), base::DropReasonName(k.drop));
  }
  EXPECT_EQ(c.interface_index, k.interface_index);
  if (k.interface_index != kNoInterface) {
    EXPECT_EQ(c.vlans.count, k.vlans.count);
    EXPECT_EQ(c.vlans.outer_tci, k.vlans.outer_tci);
    EXPECT_EQ(c.vlans.inner_tci, k.vlans.inner_tci);
    if (k.vlans.count > 0) {
      EXPECT_EQ(c.vlans.outer_tpid, k.vlans.outer_tpid);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Frames, ClassifyCaseTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST_F(ClassifierTest, DhcpFieldsForTheEngine) {
  const std::vector<uint8_t> frame = DiscoverFrame(kClient, 0xabcd);
  const ClassifiedFrame c = Classify(frame);
  ASSERT_EQ(c.action, FrameAction::kDhcp);
  EXPECT_EQ(c.eth.src, kClient);
  EXPECT_TRUE(c.ip.src.IsZero());
  EXPECT_TRUE(c.ip.dst.IsBroadcast());
  EXPECT_EQ(c.udp.src_port, 68);
  ASSERT_EQ(c.payload.size(), 300u);
  EXPECT_EQ(c.payload.data(), frame.data() + 42);
  EXPECT_EQ(base::LoadBe32(c.payload.data() + 4), 0xabcdu);
}

// A relayed request (from a relay's port 67) on VLAN 100: every field the
// engine is told differs from RequestContext's defaults.
TEST_F(ClassifierTest, RequestContextOfCarriesTheSources) {
  const ClassifiedFrame c = Classify(UdpTo(kVlanAddress, 67, kVlan100, /*src_port=*/67));
  ASSERT_EQ(c.action, FrameAction::kDhcp);
  const engine::RequestContext ctx = RequestContextOf(c, 1'800'000'123);
  EXPECT_EQ(ctx.interface_index, 1u);
  EXPECT_EQ(ctx.src_ip, Ipv4Address(198, 18, 0, 50));
  EXPECT_EQ(ctx.dst_ip, kVlanAddress);
  EXPECT_EQ(ctx.src_port, 67);
  EXPECT_EQ(ctx.src_mac, kClient);
  EXPECT_EQ(ctx.now, 1'800'000'123);
}

TEST(CombineVlanTagsTest, StrippedTagTpidRule) {
  VlanTags out;
  // Lone stripped tag: 802.1Q.
  ASSERT_EQ(CombineVlanTags(RxMeta{0, true, 0x2064}, VlanTags{}, &out), DropReason::kNone);
  EXPECT_EQ(out, (VlanTags{1, proto::kEtherTypeVlan, 0x2064, 0}));
  // Stripped outer + C-tag in the data: QinQ, S-tag TPID 0x88a8.
  ASSERT_EQ(CombineVlanTags(RxMeta{0, true, 200}, VlanTags{1, proto::kEtherTypeVlan, 300, 0}, &out),
            DropReason::kNone);
  EXPECT_EQ(out, (VlanTags{2, proto::kEtherTypeQinQ, 200, 300}));
  // Nothing stripped: the data's tags as they are.
  const VlanTags data{2, proto::kEtherTypeVlan, 5, 6};
  ASSERT_EQ(CombineVlanTags(RxMeta{}, data, &out), DropReason::kNone);
  EXPECT_EQ(out, data);
  EXPECT_EQ(CombineVlanTags(RxMeta{0, true, 1}, data, &out), DropReason::kTooManyVlanTags);
}

TEST(DhcpShardOfTest, MatchesShardForChaddr) {
  lease::LeaseStore leases(8, 16);
  for (uint8_t i = 0; i < 64; ++i) {
    const MacAddress mac{{0x02, 0, 0, 0, 1, i}};
    const std::vector<uint8_t> payload = testing::DhcpPayload(mac, i);
    EXPECT_EQ(DhcpShardOf(payload, leases, 99), leases.ShardFor(base::ByteSpan(mac.data(), 6)));
  }
}

TEST(DhcpShardOfTest, ShortPayloadStaysLocalAndHlenIsCapped) {
  lease::LeaseStore leases(8, 16);
  std::vector<uint8_t> payload = testing::DhcpPayload(kClient, 1);
  EXPECT_EQ(DhcpShardOf(base::ByteSpan(payload.data(), 2), leases, 5), 5u);
  EXPECT_EQ(DhcpShardOf(base::ByteSpan(payload.data(), 33), leases, 5), 5u);  // chaddr cut
  payload[2] = 200;  // hlen beyond 16: the first 16 bytes of chaddr
  EXPECT_EQ(DhcpShardOf(payload, leases, 5),
            leases.ShardFor(base::ByteSpan(payload.data() + 28, 16)));
}

// ---- Replies built in place ----

constexpr uint32_t kHeadroom = 128;

// The frame copied into a buffer with headroom, as an mbuf holds it.
struct Buffer {
  explicit Buffer(const std::vector<uint8_t>& frame, uint32_t capacity = 2048) : bytes(capacity) {
    std::copy(frame.begin(), frame.end(), bytes.begin() + kHeadroom);
    f.base = bytes.data();
    f.capacity = capacity;
    f.data_off = kHeadroom;
    f.data_len = static_cast<uint32_t>(frame.size());
  }
  base::ByteSpan frame() const { return base::ByteSpan(f.base + f.data_off, f.data_len); }
  std::vector<uint8_t> bytes;
  FrameBuffer f;
};

TEST_F(ClassifierTest, ArpReplyInPlace) {
  const Ipv4Address requester(198, 18, 0, 50);
  Buffer b(ArpFrame(proto::kArpRequest, kClient, requester, kUntaggedAddress));
  const ClassifiedFrame c = Classify(std::vector<uint8_t>(b.frame().begin(), b.frame().end()));
  ASSERT_EQ(c.action, FrameAction::kArpReply);
  ASSERT_TRUE(MakeArpReply(b.f, c, addresses_[0]));
  EXPECT_EQ(b.f.data_off, kHeadroom);
  EXPECT_EQ(b.f.data_len, 14u + 28u);
  proto::EthernetFrame eth;
  ASSERT_EQ(proto::ParseEthernet(b.frame(), &eth), DropReason::kNone);
  EXPECT_EQ(eth.dst, kClient);
  EXPECT_EQ(eth.src, kOurs);
  EXPECT_EQ(eth.ethertype, proto::kEtherTypeArp);
  proto::ArpPacket arp;
  ASSERT_EQ(proto::ParseArp(b.frame().subspan(eth.l3_offset), &arp), DropReason::kNone);
  EXPECT_EQ(arp.op, proto::kArpReply);
  EXPECT_EQ(arp.sender_mac, kOurs);
  EXPECT_EQ(arp.sender_ip, kUntaggedAddress);
  EXPECT_EQ(arp.target_mac, kClient);
  EXPECT_EQ(arp.target_ip, requester);
}

TEST_F(ClassifierTest, ArpReplyReinsertsAStrippedTag) {
  // The port stripped VLAN 100: the reply carries it again, 4 bytes earlier.
  Buffer b(ArpFrame(proto::kArpRequest, kClient, Ipv4Address(198, 18, 1, 50), kVlanAddress));
  const RxMeta meta{0, true, 100};
  ClassifiedFrame c;
  classifier_->Classify(b.frame(), meta, &c);
  ASSERT_EQ(c.action, FrameAction::kArpReply);
  ASSERT_TRUE(MakeArpReply(b.f, c, addresses_[1]));
  EXPECT_EQ(b.f.data_off, kHeadroom - 4);
  proto::EthernetFrame eth;
  ASSERT_EQ(proto::ParseEthernet(b.frame(), &eth), DropReason::kNone);
  EXPECT_EQ(eth.vlans, (VlanTags{1, proto::kEtherTypeVlan, 100, 0}));
  EXPECT_EQ(eth.src, kOursVlan);
  proto::ArpPacket arp;
  ASSERT_EQ(proto::ParseArp(b.frame().subspan(eth.l3_offset), &arp), DropReason::kNone);
  EXPECT_EQ(arp.sender_ip, kVlanAddress);
}

TEST_F(ClassifierTest, ArpReplyForStrippedQinQUsesSTagTpid) {
  Buffer b(ArpFrame(proto::kArpRequest, kClient, Ipv4Address(198, 18, 2, 50), kQinQAddress,
                    VlanTags{1, proto::kEtherTypeVlan, 300, 0}));
  ClassifiedFrame c;
  classifier_->Classify(b.frame(), RxMeta{0, true, 200}, &c);
  ASSERT_EQ(c.action, FrameAction::kArpReply);
  ASSERT_TRUE(MakeArpReply(b.f, c, addresses_[2]));
  ASSERT_GE(b.f.data_len, 22u);
  EXPECT_EQ(base::LoadBe16(b.frame().data() + 12), proto::kEtherTypeQinQ);
  EXPECT_EQ(base::LoadBe16(b.frame().data() + 14), 200);
  EXPECT_EQ(base::LoadBe16(b.frame().data() + 16), proto::kEtherTypeVlan);
  EXPECT_EQ(base::LoadBe16(b.frame().data() + 18), 300);
}

TEST_F(ClassifierTest, StrippedTagWithoutHeadroomDoesNotFit) {
  const std::vector<uint8_t> request =
      ArpFrame(proto::kArpRequest, kClient, Ipv4Address(198, 18, 1, 50), kVlanAddress);
  std::vector<uint8_t> bytes = request;
  FrameBuffer f{bytes.data(), static_cast<uint32_t>(bytes.size()), 0,
                static_cast<uint32_t>(bytes.size())};
  ClassifiedFrame c;
  classifier_->Classify(request, RxMeta{0, true, 100}, &c);
  ASSERT_EQ(c.action, FrameAction::kArpReply);
  EXPECT_FALSE(MakeArpReply(f, c, addresses_[1]));
}

TEST_F(ClassifierTest, IcmpEchoReplyInPlace) {
  const Ipv4Address pinger(198, 18, 0, 50);
  std::vector<uint8_t> request = IcmpFrame(kClient, kOurs, pinger, kUntaggedAddress);
  request.resize(request.size() + 6, 0);  // Ethernet padding, trimmed by the reply
  Buffer b(request);
  ClassifiedFrame c;
  classifier_->Classify(b.frame(), RxMeta{}, &c);
  ASSERT_EQ(c.action, FrameAction::kIcmpEchoReply);
  ASSERT_TRUE(MakeIcmpEchoReply(b.f, c, addresses_[0]));
  EXPECT_EQ(b.f.data_len, request.size() - 6);
  proto::EthernetFrame eth;
  ASSERT_EQ(proto::ParseEthernet(b.frame(), &eth), DropReason::kNone);
  EXPECT_EQ(eth.dst, kClient);
  EXPECT_EQ(eth.src, kOurs);
  proto::Ipv4Packet ip;
  ASSERT_EQ(proto::ParseIpv4(b.frame().subspan(eth.l3_offset), &ip),
            DropReason::kNone);  // checksum
  EXPECT_EQ(ip.src, kUntaggedAddress);
  EXPECT_EQ(ip.dst, pinger);
  EXPECT_EQ(ip.ttl, proto::kIpv4DefaultTtl);
  proto::IcmpMessage icmp;
  ASSERT_EQ(proto::ParseIcmp(b.frame().subspan(eth.l3_offset + 20, ip.payload_length()), &icmp),
            DropReason::kNone);  // checksum
  EXPECT_EQ(icmp.type, proto::kIcmpEchoReply);
  EXPECT_EQ(icmp.id, 0x1234);
  EXPECT_EQ(icmp.sequence, 7);
}

TEST(WriteDhcpReplyTest, HeadersInFrontOfTheCopiedPayload) {
  std::vector<uint8_t> payload(320);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7);
  Buffer b(DiscoverFrame(kClient, 1));
  engine::ReplyAddress to;
  to.src_ip = kUntaggedAddress;
  to.dst_ip = base::kBroadcastAddress;
  to.dst_mac = base::kBroadcastMac;
  const VlanTags tags{2, proto::kEtherTypeQinQ, 200, 300};
  ASSERT_TRUE(WriteDhcpReply(b.f, kHeadroom, tags, kOurs, to, payload));
  EXPECT_EQ(b.f.data_off, kHeadroom);
  EXPECT_EQ(b.f.data_len, 22u + 20u + 8u + payload.size());
  proto::ParsedUdpFrame p;
  ASSERT_EQ(proto::ParseUdpFrame(b.frame(), &p), DropReason::kNone);  // both checksums verify
  EXPECT_EQ(p.eth.vlans, tags);
  EXPECT_EQ(p.eth.src, kOurs);
  EXPECT_TRUE(p.eth.dst.IsBroadcast());
  EXPECT_EQ(p.ip.src, kUntaggedAddress);
  EXPECT_TRUE(p.ip.dst.IsBroadcast());
  EXPECT_EQ(p.udp.src_port, 67);
  EXPECT_EQ(p.udp.dst_port, 68);
  EXPECT_TRUE(std::equal(p.payload.begin(), p.payload.end(), payload.begin(), payload.end()));
}

TEST(WriteDhcpReplyTest, RefusesWhatDoesNotFit) {
  std::vector<uint8_t> payload(1500);
  Buffer b(DiscoverFrame(kClient, 1), 1600);
  EXPECT_FALSE(WriteDhcpReply(b.f, kHeadroom, VlanTags{}, kOurs, engine::ReplyAddress{}, payload));
}

}  // namespace
}  // namespace dpdhcp::runtime
