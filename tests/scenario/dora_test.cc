// Scenario tests: simulated clients drive the real engine through RFC 2131's
// states with a manual clock. Every test runs with 1 and with 4 lease shards.
#include <gtest/gtest.h>

#include <set>

#include "dpdhcp/proto/option_defs.h"
#include "harness.h"

namespace dpdhcp::scenario {
namespace {

namespace opt = proto::option;
using engine::ReplyKind;
using stats::Counter;
using stats::SubnetCounter;

// Lab-like config: a directly attached /24 (small pool), a relayed subnet, a
// reservation of each kind, and an infinite-lease subnet.
constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [
    {"name": "lab0", "port": "net_null0", "address": "198.18.0.1/24"},
    {"name": "lab1", "port": "net_null1", "address": "198.18.2.1/24"}]},
  "valid-lifetime": 600, "renew-timer": 300, "rebind-timer": 525,
  "decline-probation-period": 1000, "offer-lifetime": 30,
  "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53"},
                  {"name": "domain-name", "data": "lab.test"},
                  {"name": "ntp-servers", "data": "198.18.0.123", "always-send": true}],
  "subnet4": [
    {"id": 1, "subnet": "198.18.0.0/24", "interface": "lab0",
     "pools": [{"pool": "198.18.0.100 - 198.18.0.109"}],
     "option-data": [{"name": "routers", "data": "198.18.0.1"},
                     {"name": "classless-static-route", "data": "198.18.8.0/24 - 198.18.0.254"}],
     "reservations": [
       {"hw-address": "02:aa:00:00:00:01", "ip-address": "198.18.0.10", "hostname": "cpe-hw"},
       {"client-id": "01:02:aa:00:00:00:02", "ip-address": "198.18.0.105"}]},
    {"id": 2, "subnet": "198.18.4.0/24", "relay": {"ip-addresses": ["198.18.4.1"]},
     "pools": [{"pool": "198.18.4.10 - 198.18.4.200", "option-data": [{"name": "domain-name", "data": "pool.test"}]}],
     "option-data": [{"name": "routers", "data": "198.18.4.1"}],
     "authoritative": true,
     "reservations": [{"circuit-id": "'olt1/1/1'", "ip-address": "198.18.4.77", "hostname": "by-circuit"}]},
    {"id": 3, "subnet": "198.18.2.0/24", "interface": "lab1", "valid-lifetime": 4294967295,
     "pools": [{"pool": "198.18.2.10 - 198.18.2.20"}]},
    {"id": 4, "subnet": "198.18.6.0/24", "relay": {"ip-addresses": ["198.18.6.1"]},
     "pools": [{"pool": "198.18.6.10 - 198.18.6.20"}]}
  ]}})";

const Ipv4Address kServer(198, 18, 0, 1);
const Ipv4Address kRelay(198, 18, 4, 1);

class ScenarioTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  ScenarioTest() : server_(kConfig, GetParam()) {}
  Client NewClient(uint32_t n) { return Client(server_, TestMac(n)); }
  uint64_t Total(Counter c) { return server_.Totals().Get(c); }
  uint64_t Drops(base::DropReason r) { return server_.Totals().GetDrop(r); }
  Server server_;
};

bool InPool(Ipv4Address a, Ipv4Address first, Ipv4Address last) { return first <= a && a <= last; }

TEST_P(ScenarioTest, DoraGivesAPoolAddressWithConfiguredOptions) {
  Client c = NewClient(1);
  const Exchange offer = c.Discover();
  ASSERT_EQ(offer.kind(), ReplyKind::kOffer);
  const DecodedReply& o = *offer.reply;
  EXPECT_EQ(o.type(), 2);
  EXPECT_TRUE(InPool(o.yiaddr, Ipv4Address(198, 18, 0, 100), Ipv4Address(198, 18, 0, 109)));
  EXPECT_EQ(o.Address(opt::kServerId), kServer);
  EXPECT_EQ(o.U32(opt::kLeaseTime), 600u);
  EXPECT_EQ(o.U32(opt::kRenewalTime), 300u);
  EXPECT_EQ(o.U32(opt::kRebindingTime), 525u);
  EXPECT_EQ(o.Address(opt::kSubnetMask), Ipv4Address(255, 255, 255, 0));
  EXPECT_EQ(o.Address(opt::kRouters), kServer);
  EXPECT_EQ(o.Address(opt::kDomainNameServers), Ipv4Address(198, 18, 0, 53));
  EXPECT_EQ(o.options.at(opt::kDomainName), std::vector<uint8_t>({'l', 'a', 'b', '.', 't', 'e', 's', 't'}));
  EXPECT_TRUE(o.Has(opt::kNtpServers)) << "always-send";
  EXPECT_FALSE(o.Has(opt::kClasslessStaticRoute)) << "not requested";
  // Options in the order RFC 2131 fixes, then the PRL's order (1,3,6,15).
  ASSERT_GE(o.option_order.size(), 5u);
  EXPECT_EQ(o.option_order[0], opt::kMessageType);
  EXPECT_EQ(o.option_order[1], opt::kServerId);

  const Exchange ack = c.RequestSelecting(o.yiaddr, kServer);
  ASSERT_EQ(ack.kind(), ReplyKind::kAck);
  EXPECT_EQ(ack.reply->yiaddr, o.yiaddr);
  EXPECT_EQ(ack.decision.change.event, engine::LeaseEvent::kGranted);
  EXPECT_EQ(c.address(), o.yiaddr);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kAssignedAddresses), 1);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kCumulativeAssignedAddresses), 1);
  EXPECT_EQ(Total(Counter::kPktDiscoverReceived), 1u);
  EXPECT_EQ(Total(Counter::kPktOfferSent), 1u);
  EXPECT_EQ(Total(Counter::kPktAckSent), 1u);
  EXPECT_EQ(Total(Counter::kPktReceived), 2u);
}

TEST_P(ScenarioTest, ReplyAddressingFollowsRfc2131Section41) {
  Client c = NewClient(2);
  Message m = c.Base(MessageType::kDiscover);
  // Broadcast bit clear, no ciaddr, no giaddr: unicast to yiaddr and chaddr.
  Exchange e = c.Send(m);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_EQ(e.decision.to.dst_ip, e.reply->yiaddr);
  EXPECT_EQ(e.decision.to.dst_mac, c.mac());
  EXPECT_EQ(e.decision.to.dst_port, 68);
  EXPECT_EQ(e.decision.to.src_ip, kServer);
  // Broadcast bit set: broadcast.
  m = c.Base(MessageType::kDiscover);
  m.broadcast = true;
  e = c.Send(m);
  EXPECT_EQ(e.decision.to.dst_ip, base::kBroadcastAddress);
  EXPECT_EQ(e.decision.to.dst_mac, base::kBroadcastMac);
  EXPECT_EQ(e.reply->flags, 0x8000);
  // A NAK with giaddr 0 is broadcast, whatever the flags.
  const Exchange nak = c.RequestInitReboot(Ipv4Address(198, 18, 9, 9));
  ASSERT_EQ(nak.kind(), ReplyKind::kNak);
  EXPECT_EQ(nak.decision.to.dst_ip, base::kBroadcastAddress);
  EXPECT_EQ(nak.reply->yiaddr, Ipv4Address());
  EXPECT_FALSE(nak.reply->Has(opt::kLeaseTime));
}

TEST_P(ScenarioTest, RenewAtT1AndRebindAtT2ExtendTheLease) {
  Client c = NewClient(3);
  ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck);
  const Ipv4Address a = c.address();
  server_.Advance(300);  // T1
  const Exchange renew = c.Renew();
  ASSERT_EQ(renew.kind(), ReplyKind::kAck);
  EXPECT_EQ(renew.reply->yiaddr, a);
  EXPECT_EQ(renew.reply->ciaddr, a);
  EXPECT_EQ(renew.decision.to.dst_ip, a) << "ACK to a renewing client goes to ciaddr";
  EXPECT_EQ(renew.decision.change.event, engine::LeaseEvent::kRenewed);
  EXPECT_EQ(renew.decision.change.lease.expire, server_.now() + 600);
  server_.Advance(525);  // T2 of the renewed lease
  const Exchange rebind = c.Rebind();
  ASSERT_EQ(rebind.kind(), ReplyKind::kAck);
  EXPECT_EQ(rebind.reply->yiaddr, a);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kAssignedAddresses), 1);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kCumulativeAssignedAddresses), 1);
}

TEST_P(ScenarioTest, ExpiredLeaseIsReclaimedAndItsAddressReused) {
  Client c = NewClient(4);
  ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck);
  const Ipv4Address a = c.address();
  server_.Advance(601);
  EXPECT_EQ(server_.ReclaimAll(), 1u);
  EXPECT_TRUE(server_.addresses().IsFree(a));
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kAssignedAddresses), 0);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kReclaimedLeases), 1);
  EXPECT_EQ(Total(Counter::kReclaimedLeases), 1u);
  // The same client comes back and gets its previous address (affinity).
  ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck);
  EXPECT_EQ(c.address(), a);
  // A renewal of an expired and reclaimed lease whose address someone else
  // took is NAKed.
  server_.Advance(601);
  server_.ReclaimAll();
  Client other = NewClient(5);
  ASSERT_EQ(other.Dora(a).kind(), ReplyKind::kAck);
  ASSERT_EQ(other.address(), a);
  EXPECT_EQ(c.Renew().kind(), ReplyKind::kNak);
}

TEST_P(ScenarioTest, InitRebootAckNakAndSilence) {
  Client c = NewClient(6);
  ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck);
  const Ipv4Address a = c.address();
  // Reboot with the same address: ACK.
  Exchange e = c.RequestInitReboot(a);
  ASSERT_EQ(e.kind(), ReplyKind::kAck);
  EXPECT_EQ(e.reply->yiaddr, a);
  // Reboot on the wrong network: NAK.
  e = c.RequestInitReboot(Ipv4Address(198, 18, 99, 5));
  EXPECT_EQ(e.kind(), ReplyKind::kNak);
  // Another address of the right network than its binding: NAK.
  Client c2 = NewClient(7);
  ASSERT_EQ(c2.Dora().kind(), ReplyKind::kAck);
  e = c2.RequestInitReboot(a);
  EXPECT_EQ(e.kind(), ReplyKind::kNak);
  // A client we have no record of, subnet not authoritative: silence.
  Client stranger = NewClient(8);
  e = stranger.RequestInitReboot(Ipv4Address(198, 18, 0, 107));
  EXPECT_EQ(e.kind(), ReplyKind::kNone);
  EXPECT_EQ(e.decision.drop, base::DropReason::kInitRebootUnknownClient);
  EXPECT_EQ(Drops(base::DropReason::kInitRebootUnknownClient), 1u);
  // The relayed subnet is authoritative: an unknown client asking for a free
  // address gets it; asking for a held one gets a NAK.
  Client r1 = NewClient(9);
  r1.ViaRelay(kRelay);
  e = r1.RequestInitReboot(Ipv4Address(198, 18, 4, 50));
  ASSERT_EQ(e.kind(), ReplyKind::kAck);
  Client r2 = NewClient(10);
  r2.ViaRelay(kRelay);
  EXPECT_EQ(r2.RequestInitReboot(Ipv4Address(198, 18, 4, 50)).kind(), ReplyKind::kNak);
}

TEST_P(ScenarioTest, DeclineQuarantinesForTheProbationPeriod) {
  Client c = NewClient(11);
  ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck);
  const Ipv4Address a = c.address();
  const Exchange d = c.Decline();
  EXPECT_EQ(d.kind(), ReplyKind::kNone);
  EXPECT_EQ(d.decision.drop, base::DropReason::kNone);
  EXPECT_EQ(d.decision.change.event, engine::LeaseEvent::kDeclined);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kDeclinedAddresses), 1);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kAssignedAddresses), 0);
  EXPECT_FALSE(server_.addresses().IsFree(a));
  // Nobody, not even the decliner, is offered it during probation.
  for (uint32_t i = 0; i < 8; ++i) {
    Client x = NewClient(100 + i);
    const Exchange o = x.Discover(a);
    if (o.kind() == ReplyKind::kOffer) {
      EXPECT_NE(o.reply->yiaddr, a);
    }
  }
  server_.Advance(999);
  server_.ReclaimAll();
  EXPECT_FALSE(server_.addresses().IsFree(a));
  server_.Advance(2);
  server_.ReclaimAll();
  EXPECT_TRUE(server_.addresses().IsFree(a) ||
              server_.addresses().Holder(a) != pool::kNoHolder)  // an offer above may have expired into it
      << a.ToString();
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kDeclinedAddresses), 0);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kReclaimedDeclinedAddresses), 1);
  EXPECT_EQ(Total(Counter::kReclaimedDeclined), 1u);
}

TEST_P(ScenarioTest, ReleaseThenTheSameAddressAgain) {
  Client c = NewClient(12);
  ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck);
  const Ipv4Address a = c.address();
  const Exchange r = c.Release();
  EXPECT_EQ(r.kind(), ReplyKind::kNone);
  EXPECT_EQ(r.decision.change.event, engine::LeaseEvent::kReleased);
  EXPECT_TRUE(server_.addresses().IsFree(a));
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kAssignedAddresses), 0);
  // A second RELEASE of the same address is counted, not acted on.
  Message again = c.Base(MessageType::kRelease);
  again.ciaddr = a;
  EXPECT_EQ(c.Send(again).decision.drop, base::DropReason::kReleaseUnknownLease);
  ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck);
  EXPECT_EQ(c.address(), a);
}

TEST_P(ScenarioTest, InformGetsOptionsWithoutLease) {
  Client c = NewClient(13);
  const Exchange e = c.Inform(Ipv4Address(198, 18, 0, 42));
  ASSERT_EQ(e.kind(), ReplyKind::kAck);
  EXPECT_EQ(e.reply->yiaddr, Ipv4Address());
  EXPECT_EQ(e.reply->ciaddr, Ipv4Address(198, 18, 0, 42));
  EXPECT_FALSE(e.reply->Has(opt::kLeaseTime));
  EXPECT_FALSE(e.reply->Has(opt::kRenewalTime));
  EXPECT_TRUE(e.reply->Has(opt::kRouters));
  EXPECT_EQ(e.decision.to.dst_ip, Ipv4Address(198, 18, 0, 42));
  EXPECT_EQ(e.decision.change.event, engine::LeaseEvent::kNone);
  EXPECT_EQ(Total(Counter::kPktInformReceived), 1u);
}

TEST_P(ScenarioTest, RelayedDoraEchoesOption82AndAnswersTheRelay) {
  const std::vector<uint8_t> rai = {1, 4, 'p', 'o', 'r', 't', 2, 3, 'c', 'p', 'e'};
  Client c = NewClient(14);
  c.ViaRelay(kRelay, rai);
  const Exchange offer = c.Discover();
  ASSERT_EQ(offer.kind(), ReplyKind::kOffer);
  EXPECT_TRUE(InPool(offer.reply->yiaddr, Ipv4Address(198, 18, 4, 10), Ipv4Address(198, 18, 4, 200)));
  EXPECT_EQ(offer.reply->options.at(opt::kRelayAgentInfo), rai);
  EXPECT_EQ(offer.reply->option_order.back(), opt::kRelayAgentInfo);
  EXPECT_EQ(offer.reply->giaddr, kRelay);
  EXPECT_EQ(offer.decision.to.dst_ip, kRelay);
  EXPECT_EQ(offer.decision.to.dst_port, 67);
  EXPECT_EQ(offer.decision.to.dst_mac, MacAddress({0x02, 0xee, 0, 0, 0, 1}));
  EXPECT_EQ(offer.reply->Address(opt::kRouters), kRelay);
  // Pool-level option overrides the global domain-name.
  const std::vector<uint8_t> pool_domain = {'p', 'o', 'o', 'l', '.', 't', 'e', 's', 't'};
  EXPECT_EQ(offer.reply->options.at(opt::kDomainName), pool_domain);
  const Exchange ack = c.RequestSelecting(offer.reply->yiaddr, kServer);
  ASSERT_EQ(ack.kind(), ReplyKind::kAck);
  EXPECT_EQ(ack.reply->options.at(opt::kRelayAgentInfo), rai);
  EXPECT_EQ(server_.SubnetGauge(2, SubnetCounter::kAssignedAddresses), 1);
  // A NAK through a relay carries the broadcast bit (§4.3.2).
  Client bad = NewClient(15);
  bad.ViaRelay(kRelay, rai);
  Message m = bad.Base(MessageType::kRequest);
  m.requested = Ipv4Address(198, 18, 0, 100);  // wrong network for this relay
  const Exchange nak = bad.Send(m);
  ASSERT_EQ(nak.kind(), ReplyKind::kNak);
  EXPECT_EQ(nak.reply->flags & 0x8000, 0x8000);
  EXPECT_EQ(nak.decision.to.dst_ip, kRelay);
  EXPECT_EQ(nak.reply->options.at(opt::kRelayAgentInfo), rai);
}

TEST_P(ScenarioTest, RelayPortAndServerIdOverride) {
  // RFC 8357 relay-source-port (19, empty) and RFC 5107 override (11).
  const std::vector<uint8_t> rai = {1, 2, 'x', 'y', 11, 4, 198, 18, 4, 1, 19, 0};
  Client c = NewClient(16);
  c.ViaRelay(kRelay, rai);
  Message m = c.Base(MessageType::kDiscover);
  const Exchange e = server_.Send(c.mac(), m, 0, /*src_port=*/1067);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_EQ(e.decision.to.dst_port, 1067);
  EXPECT_EQ(e.reply->Address(opt::kServerId), kRelay);
  // The client answers with the overridden id: that is us.
  const Exchange ack = c.RequestSelecting(e.reply->yiaddr, kRelay);
  EXPECT_EQ(ack.kind(), ReplyKind::kAck);
}

TEST_P(ScenarioTest, ClientIdIsEchoedAndIdentifiesTheClient) {
  const std::vector<uint8_t> id = {0xff, 0, 0, 0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
  Client c = NewClient(17);
  c.WithClientId(id);
  const Exchange ack = c.Dora();
  ASSERT_EQ(ack.kind(), ReplyKind::kAck);
  EXPECT_EQ(ack.reply->options.at(opt::kClientId), id) << "RFC 6842";
  // Same client-id behind another MAC on the same shard owner would be the same
  // client; a different client-id behind the same MAC is another client.
  Client c2(server_, c.mac());
  c2.WithClientId({1, 2, 3});
  const Exchange ack2 = c2.Dora();
  ASSERT_EQ(ack2.kind(), ReplyKind::kAck);
  EXPECT_NE(c2.address(), c.address());
}

TEST_P(ScenarioTest, SubnetSelectionPrecedence) {
  // option 82 link-selection beats option 118, which beats giaddr, which
  // beats the ingress interface.
  Client a = NewClient(18);
  Message m = a.Base(MessageType::kDiscover);
  m.giaddr = kRelay;
  m.subnet_selection = Ipv4Address(198, 18, 2, 0);
  m.relay_info = {5, 4, 198, 18, 6, 0};
  Exchange e = a.Send(m);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_TRUE(InPool(e.reply->yiaddr, Ipv4Address(198, 18, 6, 10), Ipv4Address(198, 18, 6, 20)));
  m.relay_info.clear();
  e = a.Send(m);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_TRUE(InPool(e.reply->yiaddr, Ipv4Address(198, 18, 2, 10), Ipv4Address(198, 18, 2, 20)));
  EXPECT_EQ(e.reply->Address(opt::kSubnetSelection), Ipv4Address(198, 18, 2, 0)) << "RFC 3011 echo";
  m.subnet_selection.reset();
  e = a.Send(m);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_TRUE(InPool(e.reply->yiaddr, Ipv4Address(198, 18, 4, 10), Ipv4Address(198, 18, 4, 200)));
  m.giaddr = Ipv4Address();
  m.hops = 0;
  e = server_.Send(a.mac(), m, /*interface_index=*/1);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_TRUE(InPool(e.reply->yiaddr, Ipv4Address(198, 18, 2, 10), Ipv4Address(198, 18, 2, 20)));
  EXPECT_EQ(e.reply->Address(opt::kServerId), Ipv4Address(198, 18, 2, 1));
  // A relay we have no subnet for: counted, no reply.
  m.giaddr = Ipv4Address(198, 19, 0, 1);
  e = a.Send(m);
  EXPECT_EQ(e.decision.drop, base::DropReason::kNoSubnet);
  EXPECT_EQ(Total(Counter::kAllocationFailSubnet), 1u);
}

TEST_P(ScenarioTest, ReservationsByHwAddressClientIdAndCircuitId) {
  Client hw(server_, *MacAddress::Parse("02:aa:00:00:00:01"));
  Message m = hw.Base(MessageType::kDiscover);
  m.prl = {1, 3, 12};
  Exchange e = hw.Send(m);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_EQ(e.reply->yiaddr, Ipv4Address(198, 18, 0, 10)) << "out-of-pool reservation";
  EXPECT_EQ(e.reply->options.at(opt::kHostName), std::vector<uint8_t>({'c', 'p', 'e', '-', 'h', 'w'}));
  ASSERT_EQ(hw.RequestSelecting(e.reply->yiaddr, kServer).kind(), ReplyKind::kAck);

  Client cid = NewClient(19);
  cid.WithClientId({0x01, 0x02, 0xaa, 0, 0, 0, 0x02});
  ASSERT_EQ(cid.Dora().kind(), ReplyKind::kAck);
  EXPECT_EQ(cid.address(), Ipv4Address(198, 18, 0, 105)) << "in-pool reservation";

  Client circuit = NewClient(20);
  circuit.ViaRelay(kRelay, {1, 8, 'o', 'l', 't', '1', '/', '1', '/', '1'});
  ASSERT_EQ(circuit.Dora().kind(), ReplyKind::kAck);
  EXPECT_EQ(circuit.address(), Ipv4Address(198, 18, 4, 77));

  // Nobody else gets the in-pool reserved address, even asking for it.
  for (uint32_t i = 0; i < 20; ++i) {
    Client x = NewClient(200 + i);
    const Exchange o = x.Discover(Ipv4Address(198, 18, 0, 105));
    if (o.kind() == ReplyKind::kOffer) {
      EXPECT_NE(o.reply->yiaddr, Ipv4Address(198, 18, 0, 105));
    }
  }
  // Asking our server for another's reserved address in SELECTING is a NAK;
  // as INIT-REBOOT from an unknown client it is silence (not authoritative).
  Client thief = NewClient(300);
  EXPECT_EQ(thief.RequestSelecting(Ipv4Address(198, 18, 0, 10), kServer).kind(), ReplyKind::kNak);
  EXPECT_EQ(thief.RequestInitReboot(Ipv4Address(198, 18, 0, 10)).kind(), ReplyKind::kNone);
}

TEST_P(ScenarioTest, InfiniteLeasesNeverExpire) {
  Client c = NewClient(21);
  c.OnInterface(1);
  const Exchange ack = c.Dora();
  ASSERT_EQ(ack.kind(), ReplyKind::kAck);
  EXPECT_EQ(ack.reply->U32(opt::kLeaseTime), base::kInfiniteLifetime);
  EXPECT_FALSE(ack.reply->Has(opt::kRenewalTime));
  EXPECT_EQ(ack.decision.change.lease.expire, base::kInfiniteLifetime);
  server_.Advance(100u * 365 * 86400);
  EXPECT_EQ(server_.ReclaimAll(), 0u);
  EXPECT_FALSE(server_.addresses().IsFree(c.address()));
  EXPECT_EQ(c.RequestInitReboot(c.address()).kind(), ReplyKind::kAck);
}

TEST_P(ScenarioTest, PoolExhaustionIsCountedAndNeverDoubleAssigns) {
  // Pool 1 has 10 addresses, one of them (.105) reserved: 9 dynamic ones.
  std::set<uint32_t> got;
  for (uint32_t i = 0; i < 9; ++i) {
    Client c = NewClient(400 + i);
    ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck) << i;
    EXPECT_TRUE(got.insert(c.address().value()).second) << c.address().ToString();
  }
  Client late = NewClient(499);
  const Exchange e = late.Discover();
  EXPECT_EQ(e.kind(), ReplyKind::kNone);
  EXPECT_EQ(e.decision.drop, base::DropReason::kNoAddressAvailable);
  EXPECT_EQ(Total(Counter::kAllocationFail), 1u);
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kAssignedAddresses), 9);
  // Once a lease expires, the late client gets its address.
  server_.Advance(601);
  ASSERT_EQ(late.Dora().kind(), ReplyKind::kAck);
  EXPECT_TRUE(got.count(late.address().value()));
}

TEST_P(ScenarioTest, TwoClientsRacingForOneRequestedAddress) {
  const Ipv4Address want(198, 18, 0, 104);
  Client a = NewClient(22), b = NewClient(23);
  const Exchange oa = a.Discover(want);
  const Exchange ob = b.Discover(want);
  ASSERT_EQ(oa.kind(), ReplyKind::kOffer);
  ASSERT_EQ(ob.kind(), ReplyKind::kOffer);
  EXPECT_EQ(oa.reply->yiaddr, want);
  EXPECT_NE(ob.reply->yiaddr, want) << "the offer hold keeps it for the first";
  // b insists: a SELECTING request for the held address is NAKed.
  EXPECT_EQ(b.RequestSelecting(want, kServer).kind(), ReplyKind::kNak);
  EXPECT_EQ(a.RequestSelecting(want, kServer).kind(), ReplyKind::kAck);
  EXPECT_EQ(server_.BoundAddresses().at(want.value()).size(), 1u);
}

TEST_P(ScenarioTest, RequestForAnotherServerWithdrawsOurOffer) {
  Client c = NewClient(24);
  const Exchange o = c.Discover();
  ASSERT_EQ(o.kind(), ReplyKind::kOffer);
  EXPECT_FALSE(server_.addresses().IsFree(o.reply->yiaddr));
  const Exchange e = c.RequestSelecting(o.reply->yiaddr, Ipv4Address(198, 18, 0, 2));
  EXPECT_EQ(e.kind(), ReplyKind::kNone);
  EXPECT_EQ(e.decision.drop, base::DropReason::kServerIdNotOurs);
  EXPECT_TRUE(server_.addresses().IsFree(o.reply->yiaddr));
}

TEST_P(ScenarioTest, OfferHoldExpiresAndTheAddressIsFreeAgain) {
  Client c = NewClient(25);
  const Exchange o = c.Discover();
  ASSERT_EQ(o.kind(), ReplyKind::kOffer);
  server_.Advance(31);
  server_.ReclaimAll();
  EXPECT_TRUE(server_.addresses().IsFree(o.reply->yiaddr));
  EXPECT_EQ(server_.SubnetGauge(1, SubnetCounter::kAssignedAddresses), 0);
}

TEST_P(ScenarioTest, NoShardStarvesWhileAddressesAreFree) {
  // Many clients over every shard fill the relayed pool (191 addresses, one
  // reserved): whichever shard a client lands in, it gets an address until
  // the pool is truly empty.
  std::set<uint32_t> got;
  uint32_t acks = 0;
  for (uint32_t i = 0; i < 190; ++i) {
    Client c = NewClient(1000 + i);
    c.ViaRelay(kRelay);
    const Exchange e = c.Dora();
    ASSERT_EQ(e.kind(), ReplyKind::kAck) << "client " << i << " starved";
    EXPECT_TRUE(got.insert(c.address().value()).second);
    ++acks;
  }
  EXPECT_EQ(acks, 190u);
  Client last = NewClient(5000);
  last.ViaRelay(kRelay);
  EXPECT_EQ(last.Discover().decision.drop, base::DropReason::kNoAddressAvailable);
}

TEST_P(ScenarioTest, UnknownAndServerMessagesAreCountedAndDropped) {
  Client c = NewClient(26);
  Message m = c.Base(static_cast<MessageType>(2));  // an OFFER sent to us
  Exchange e = c.Send(m);
  EXPECT_EQ(e.kind(), ReplyKind::kNone);
  EXPECT_EQ(Total(Counter::kPktOfferReceived), 1u);
  m = c.Base(static_cast<MessageType>(42));
  e = c.Send(m);
  EXPECT_EQ(e.kind(), ReplyKind::kNone);
  EXPECT_EQ(Total(Counter::kPktUnknownReceived), 1u);
  // A non-relayed request from a port other than 68.
  m = c.Base(MessageType::kDiscover);
  e = server_.Send(c.mac(), m, 0, /*src_port=*/67);
  EXPECT_EQ(e.decision.drop, base::DropReason::kBadSourcePort);
  EXPECT_EQ(server_.BoundAddresses().size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Shards, ScenarioTest, ::testing::Values(1u, 4u),
                         [](const auto& info) { return std::to_string(info.param) + "shards"; });

}  // namespace
}  // namespace dpdhcp::scenario
