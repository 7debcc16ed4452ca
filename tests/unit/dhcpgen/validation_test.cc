// Reply validation: crafted bad replies, each refused under its own reason
// and otherwise ignored (the client keeps waiting and takes the right reply
// after it), and NAKs counted apart from invalid replies.
#include <gtest/gtest.h>

#include <functional>

#include "fake_server.h"

namespace dpdhcp::dhcpgen {
namespace {

using testing::BaseConfig;
using testing::BuildReplyFrame;
using testing::Harness;
using testing::Reply;

uint64_t Count(const Generator& g, InvalidReason r) {
  return g.stats().invalid[static_cast<size_t>(r)];
}

// Client 0 sends its DISCOVER; `bad` changes the OFFER; the bad OFFER must be
// refused under `reason` alone, and the untouched OFFER accepted after it.
void ExpectOfferRefused(GeneratorConfig c, InvalidReason reason,
                        const std::function<void(Reply&)>& bad) {
  c.window = 1;
  Harness h(c);
  std::optional<Reply> offer = h.server.Answer(h.Next());
  ASSERT_TRUE(offer);
  Reply broken = *offer;
  bad(broken);
  h.Deliver(BuildReplyFrame(broken));
  EXPECT_EQ(Count(*h.gen, reason), 1u) << InvalidReasonKey(reason);
  EXPECT_EQ(h.gen->stats().invalid_total(), 1u);
  EXPECT_EQ(h.gen->stats().exchanges, 0u);
  h.Deliver(BuildReplyFrame(*offer));
  EXPECT_EQ(h.gen->stats().exchanges, 1u) << "the good OFFER after the bad one";
  EXPECT_EQ(h.gen->stats().invalid_total(), 1u);
}

// Same, for the ACK of client 0's DORA.
void ExpectAckRefused(GeneratorConfig c, InvalidReason reason,
                      const std::function<void(Reply&)>& bad) {
  c.window = 1;
  Harness h(c);
  h.Deliver(BuildReplyFrame(*h.server.Answer(h.Next())));
  std::optional<Reply> ack = h.server.Answer(h.Next());
  ASSERT_TRUE(ack);
  Reply broken = *ack;
  bad(broken);
  h.Deliver(BuildReplyFrame(broken));
  EXPECT_EQ(Count(*h.gen, reason), 1u) << InvalidReasonKey(reason);
  EXPECT_EQ(h.gen->stats().invalid_total(), 1u);
  EXPECT_EQ(h.gen->bound_clients(), 0u);
  h.Deliver(BuildReplyFrame(*ack));
  EXPECT_EQ(h.gen->bound_clients(), 1u) << "the good ACK after the bad one";
}

TEST(ValidationTest, WrongXid) {
  ExpectOfferRefused(BaseConfig(4), InvalidReason::kUnknownXid, [](Reply& r) { r.xid += 7; });
  // An xid whose client index is past the population.
  ExpectOfferRefused(BaseConfig(4), InvalidReason::kUnknownXid,
                     [](Reply& r) { r.xid = 0xdeadbe01; });
  // A client that has not started a transaction yet.
  ExpectOfferRefused(BaseConfig(4), InvalidReason::kUnknownXid,
                     [](Reply& r) { r.xid = (3u << 8) | 1; });
}

TEST(ValidationTest, AReplyToAnEarlierTransactionIsLateNotInvalid) {
  // Client 0's DORA times out; its next DORA (seq 2) is under way when the
  // server's OFFER to the first one (seq 1) finally arrives.
  GeneratorConfig c = BaseConfig(1);
  c.window = 1;
  Harness h(c);
  std::optional<Reply> old_offer = h.server.Answer(h.Next());
  h.now += 20'000;  // past the 10 ms timeout
  h.gen->Expire(h.now);
  ASSERT_EQ(h.gen->stats().timeouts, 1u);
  ASSERT_FALSE(h.Next().empty());  // the second DORA's DISCOVER
  ASSERT_EQ(h.gen->ClientXid(0), 2u);
  h.Deliver(BuildReplyFrame(*old_offer));
  EXPECT_EQ(h.gen->stats().late_replies, 1u);
  EXPECT_EQ(h.gen->stats().invalid_total(), 0u);
  // A sequence number the client never used is still invalid.
  Reply future = *old_offer;
  future.xid = 9;
  h.Deliver(BuildReplyFrame(future));
  EXPECT_EQ(Count(*h.gen, InvalidReason::kUnknownXid), 1u);
}

TEST(ValidationTest, AddressOutsideThePool) {
  ExpectOfferRefused(BaseConfig(4), InvalidReason::kOutsidePool,
                     [](Reply& r) {
                       r.yiaddr = base::Ipv4Address(198, 18, 9, 9);
                       r.dst_ip = r.yiaddr;
                     });
  ExpectAckRefused(BaseConfig(4), InvalidReason::kOutsidePool, [](Reply& r) {
    r.yiaddr = base::Ipv4Address(10, 0, 0, 1);
    r.dst_ip = r.yiaddr;
  });
}

TEST(ValidationTest, MissingOptions) {
  ExpectOfferRefused(BaseConfig(4), InvalidReason::kMissingServerId,
                     [](Reply& r) { r.server_id.reset(); });
  ExpectOfferRefused(BaseConfig(4), InvalidReason::kMissingLeaseTime,
                     [](Reply& r) { r.lease_time.reset(); });
  ExpectAckRefused(BaseConfig(4), InvalidReason::kMissingLeaseTime,
                   [](Reply& r) { r.lease_time.reset(); });
  GeneratorConfig strict = BaseConfig(4);
  strict.expect_options = true;
  ExpectOfferRefused(strict, InvalidReason::kMissingSubnetMask,
                     [](Reply& r) { r.subnet_mask = false; });
  ExpectAckRefused(strict, InvalidReason::kMissingRouter, [](Reply& r) { r.router = false; });
  // Without --expect-options, 1 and 3 are not required.
  GeneratorConfig lax = BaseConfig(4);
  lax.window = 1;
  Harness h(lax);
  std::optional<Reply> offer = h.server.Answer(h.Next());
  offer->router = offer->subnet_mask = false;
  h.Deliver(BuildReplyFrame(*offer));
  EXPECT_EQ(h.gen->stats().invalid_total(), 0u);
  EXPECT_EQ(h.gen->stats().exchanges, 1u);
}

TEST(ValidationTest, DuplicateAddress) {
  // Client 0 binds an address; the server then offers and acknowledges the
  // same address to client 1.
  GeneratorConfig c = BaseConfig(2);
  c.window = 2;
  c.max_transactions = 2;
  Harness h(c);
  std::optional<Reply> offer0 = h.server.Answer(h.Next());
  std::optional<Reply> offer1 = h.server.Answer(h.Next());
  h.Deliver(BuildReplyFrame(*offer0));
  h.Deliver(BuildReplyFrame(*h.server.Answer(h.Next())));  // client 0 bound
  ASSERT_EQ(h.gen->bound_clients(), 1u);
  const base::Ipv4Address taken = h.gen->ClientAddress(0);

  Reply dup_offer = *offer1;
  dup_offer.yiaddr = taken;
  dup_offer.dst_ip = taken;
  h.Deliver(BuildReplyFrame(dup_offer));
  EXPECT_EQ(Count(*h.gen, InvalidReason::kDuplicateAddress), 1u);

  // A server that offered a free address but acknowledges a taken one is
  // refused as wrong-address (not the one requested); one that offered and
  // acknowledges the taken one as duplicate-address at the OFFER already.
  h.Deliver(BuildReplyFrame(*offer1));
  std::optional<Reply> ack1 = h.server.Answer(h.Next());
  Reply dup_ack = *ack1;
  dup_ack.yiaddr = taken;
  dup_ack.dst_ip = taken;
  h.Deliver(BuildReplyFrame(dup_ack));
  EXPECT_EQ(Count(*h.gen, InvalidReason::kWrongAddress), 1u);
  EXPECT_EQ(h.gen->stats().duplicates(), 1u);
  EXPECT_EQ(h.gen->bound_clients(), 1u);
  h.Deliver(BuildReplyFrame(*ack1));
  EXPECT_EQ(h.gen->bound_clients(), 2u);
  EXPECT_NE(h.gen->ClientAddress(0), h.gen->ClientAddress(1));
}

TEST(ValidationTest, DuplicateAddressAtAck) {
  // A server that offers one address to two clients at once: both OFFERs
  // pass (nobody holds it yet), the first ACK binds it, the second ACK for
  // the same address is a duplicate.
  GeneratorConfig c = BaseConfig(2);
  c.window = 2;
  Harness h(c);
  std::optional<Reply> offer0 = h.server.Answer(h.Next());
  std::optional<Reply> offer1 = h.server.Answer(h.Next());
  offer1->yiaddr = offer0->yiaddr;
  offer1->dst_ip = offer0->yiaddr;
  h.Deliver(BuildReplyFrame(*offer0));
  h.Deliver(BuildReplyFrame(*offer1));
  EXPECT_EQ(h.gen->stats().invalid_total(), 0u);
  Reply ack0 = *h.server.Answer(h.Next());
  Reply ack1 = ack0;  // the fake server would NAK client 1: build its ACK by hand
  h.server.Answer(h.Next());
  ack1.xid = h.server.last().xid();
  ack1.chaddr = base::MacAddress::FromBytes(h.server.last().chaddr().data());
  h.Deliver(BuildReplyFrame(ack0));
  ASSERT_EQ(h.gen->bound_clients(), 1u);
  h.Deliver(BuildReplyFrame(ack1));
  EXPECT_EQ(Count(*h.gen, InvalidReason::kDuplicateAddress), 1u);
  EXPECT_EQ(h.gen->stats().duplicates(), 1u);
  EXPECT_EQ(h.gen->bound_clients(), 1u);
}

TEST(ValidationTest, NakIsCountedApartAndSendsTheClientToInit) {
  GeneratorConfig c = BaseConfig(4);
  c.window = 1;
  Harness h(c);
  h.Deliver(BuildReplyFrame(*h.server.Answer(h.Next())));
  Reply nak = *h.server.Answer(h.Next());
  nak.type = proto::MessageType::kNak;
  nak.yiaddr = base::Ipv4Address();
  nak.dst_ip = base::kBroadcastAddress;
  h.Deliver(BuildReplyFrame(nak));
  EXPECT_EQ(h.gen->stats().naks, 1u);
  EXPECT_EQ(h.gen->stats().invalid_total(), 0u);
  EXPECT_EQ(h.gen->bound_clients(), 0u);
  EXPECT_EQ(h.gen->outstanding(), 0u);
  EXPECT_EQ(h.gen->stats().completed[0], 0u);

  // A NAK still needs option 54 (RFC 2131 Table 3), and answers no DISCOVER.
  GeneratorConfig c2 = BaseConfig(4);
  ExpectAckRefused(c2, InvalidReason::kMissingServerId, [](Reply& r) {
    r.type = proto::MessageType::kNak;
    r.server_id.reset();
    r.dst_ip = base::kBroadcastAddress;
  });
  ExpectOfferRefused(c2, InvalidReason::kUnexpectedType, [](Reply& r) {
    r.type = proto::MessageType::kNak;
    r.dst_ip = base::kBroadcastAddress;
  });
}

TEST(ValidationTest, EveryOtherReason) {
  const GeneratorConfig c = BaseConfig(4);
  ExpectOfferRefused(c, InvalidReason::kWrongChaddr,
                     [](Reply& r) { r.chaddr = base::MacAddress{{2, 0, 0, 0, 0, 9}}; });
  ExpectOfferRefused(c, InvalidReason::kUnexpectedType,
                     [](Reply& r) { r.type = proto::MessageType::kAck; });
  ExpectAckRefused(c, InvalidReason::kUnexpectedType,
                   [](Reply& r) { r.type = proto::MessageType::kOffer; });
  ExpectOfferRefused(c, InvalidReason::kBadFrame, [](Reply& r) { r.corrupt_checksum = true; });
  ExpectOfferRefused(c, InvalidReason::kMalformed, [](Reply& r) { r.bad_cookie = true; });
  ExpectOfferRefused(c, InvalidReason::kWrongVlan, [](Reply& r) { r.vlans = {1, 0, 7, 0}; });
  ExpectOfferRefused(c, InvalidReason::kWrongDestination,
                     [](Reply& r) { r.dst_port = proto::kServerPort; });
  ExpectOfferRefused(c, InvalidReason::kWrongDestination,
                     [](Reply& r) { r.dst_ip = base::Ipv4Address(198, 18, 0, 99); });
  ExpectOfferRefused(c, InvalidReason::kNoAddress, [](Reply& r) {
    r.yiaddr = base::Ipv4Address();
    r.dst_ip = base::kBroadcastAddress;
  });
  ExpectAckRefused(c, InvalidReason::kWrongAddress, [](Reply& r) {
    r.yiaddr = base::Ipv4Address(r.yiaddr.value() + 1);
    r.dst_ip = r.yiaddr;
  });
  ExpectAckRefused(c, InvalidReason::kWrongServerId,
                   [](Reply& r) { r.server_id = base::Ipv4Address(198, 18, 0, 2); });

  GeneratorConfig with_id = c;
  with_id.client_id = true;
  ExpectOfferRefused(with_id, InvalidReason::kWrongClientId,
                     [](Reply& r) { r.client_id = {0, 'x', 'y', 0, 0, 0, 0}; });

  GeneratorConfig relay = c;
  relay.giaddr = base::Ipv4Address(198, 18, 64, 1);
  relay.server_ip = testing::kServerIp;
  ExpectOfferRefused(relay, InvalidReason::kBadRelayInfo, [](Reply& r) { r.relay_info.clear(); });
  ExpectOfferRefused(relay, InvalidReason::kBadRelayInfo,
                     [](Reply& r) { r.relay_info.back() ^= 1; });
  ExpectOfferRefused(relay, InvalidReason::kWrongDestination,
                     [](Reply& r) { r.dst_port = proto::kClientPort; });
}

TEST(ValidationTest, OtherTrafficIsIgnoredNotInvalid) {
  GeneratorConfig c = BaseConfig(4);
  Harness h(c);
  uint8_t arp[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
  h.Deliver(std::vector<uint8_t>(arp, arp + sizeof arp));
  EXPECT_EQ(h.gen->stats().other_frames, 1u);
  EXPECT_EQ(h.gen->stats().invalid_total(), 0u);
}

}  // namespace
}  // namespace dpdhcp::dhcpgen
