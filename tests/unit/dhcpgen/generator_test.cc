// The generator against a correct server: requests carry the right fields,
// DORA binds every client once, the mix, the window, the rate, timeouts and
// retransmissions behave as documented.
#include <gtest/gtest.h>

#include <set>

#include "fake_server.h"
#include "report.h"

namespace dpdhcp::dhcpgen {
namespace {

using testing::BaseConfig;
using testing::Frame;
using testing::Harness;
using testing::Reply;

size_t Kind(TxKind k) { return static_cast<size_t>(k); }

TEST(GeneratorTest, DoraBindsEveryClientOnceWithDistinctAddresses) {
  GeneratorConfig c = BaseConfig(500);
  c.max_transactions = 500;
  c.expect_options = true;
  Harness h(c);
  h.Run();
  const Stats& s = h.gen->stats();
  EXPECT_TRUE(h.gen->Done());
  EXPECT_EQ(s.invalid_total(), 0u);
  EXPECT_EQ(s.completed[Kind(TxKind::kDora)], 500u);
  EXPECT_EQ(h.gen->bound_clients(), 500u);
  EXPECT_EQ(s.exchanges, 1000u);
  EXPECT_EQ(h.gen->latency().count(), 1000u);
  EXPECT_EQ(s.timeouts, 0u);
  std::set<uint32_t> addresses;
  for (uint32_t i = 0; i < 500; ++i) addresses.insert(h.gen->ClientAddress(i).value());
  EXPECT_EQ(addresses.size(), 500u);
  EXPECT_EQ(h.server.received[proto::MessageType::kDiscover], 500);
  EXPECT_EQ(h.server.received[proto::MessageType::kRequest], 500);
}

TEST(GeneratorTest, DiscoverAndRequestFieldsOfADirectClient) {
  GeneratorConfig c = BaseConfig(10);
  c.client_id = true;
  c.vlans = {2, proto::kEtherTypeQinQ, 300, 42};
  c.mac_base = base::MacAddress{{0x02, 0, 0, 0, 0, 0xfe}};
  Harness h(c);
  const Frame discover = h.Next();
  ASSERT_FALSE(discover.empty());
  std::optional<Reply> offer = h.server.Answer(discover);
  const proto::ParsedUdpFrame& f = h.server.last_frame;
  const proto::DhcpMessage& m = h.server.last();
  EXPECT_EQ(f.eth.dst, base::kBroadcastMac);
  EXPECT_EQ(f.eth.src.ToString(), "02:00:00:00:00:fe");  // client 0 = mac base
  EXPECT_EQ(f.eth.vlans.count, 2);
  EXPECT_EQ(f.eth.vlans.outer_vid(), 300);
  EXPECT_EQ(f.eth.vlans.inner_vid(), 42);
  EXPECT_TRUE(f.ip.src.IsZero());
  EXPECT_TRUE(f.ip.dst.IsBroadcast());
  EXPECT_EQ(f.udp.src_port, 68);
  EXPECT_EQ(f.udp.dst_port, 67);
  EXPECT_GE(f.payload.size(), 300u);  // RFC 1542 minimum
  EXPECT_EQ(m.type(), proto::MessageType::kDiscover);
  EXPECT_EQ(m.xid(), (0u << 8) | 1);
  EXPECT_EQ(m.client_id().size(), 7u);
  EXPECT_FALSE(m.parameter_request_list().empty());
  EXPECT_TRUE(m.giaddr().IsZero());

  // The second client's MAC carries into the next byte.
  const Frame second = h.Next();
  h.server.Answer(second);
  EXPECT_EQ(h.server.last_frame.eth.src.ToString(), "02:00:00:00:00:ff");
  EXPECT_EQ(h.server.last().xid(), (1u << 8) | 1);
  const Frame third = h.Next();
  h.server.Answer(third);
  EXPECT_EQ(h.server.last_frame.eth.src.ToString(), "02:00:00:00:01:00");

  ASSERT_TRUE(offer);
  h.Deliver(testing::BuildReplyFrame(*offer));
  const Frame request = h.Next();
  ASSERT_FALSE(request.empty());
  std::optional<Reply> ack = h.server.Answer(request);
  const proto::DhcpMessage& rq = h.server.last();
  EXPECT_EQ(rq.type(), proto::MessageType::kRequest);
  EXPECT_EQ(rq.xid(), 1u);  // the DORA keeps its xid (RFC 2131 §4.4.1)
  EXPECT_EQ(rq.requested_address(), offer->yiaddr);
  EXPECT_EQ(rq.server_id(), testing::kServerIp);
  EXPECT_TRUE(rq.ciaddr().IsZero());
  ASSERT_TRUE(ack);
  h.Deliver(testing::BuildReplyFrame(*ack));
  EXPECT_EQ(h.gen->bound_clients(), 1u);
  EXPECT_EQ(h.gen->stats().invalid_total(), 0u);
}

TEST(GeneratorTest, RelayModeSendsAsARelayAndChecksTheEcho) {
  GeneratorConfig c = BaseConfig(50);
  c.giaddr = base::Ipv4Address(198, 18, 64, 1);
  c.server_ip = testing::kServerIp;
  c.server_mac = testing::kServerMac;
  c.max_transactions = 50;
  Harness h(c);
  const Frame first = h.Next();
  std::optional<Reply> offer = h.server.Answer(first);
  const proto::ParsedUdpFrame& f = h.server.last_frame;
  EXPECT_EQ(f.eth.src.ToString(), "02:99:00:00:00:01");  // the port's MAC
  EXPECT_EQ(f.eth.dst, testing::kServerMac);
  EXPECT_EQ(f.ip.src, c.giaddr);
  EXPECT_EQ(f.ip.dst, testing::kServerIp);
  EXPECT_EQ(f.udp.src_port, 67);
  EXPECT_EQ(h.server.last().giaddr(), c.giaddr);
  EXPECT_EQ(h.server.last().hops(), 1);
  const proto::RelayAgentInfo& rai = h.server.last().relay_info();
  ASSERT_EQ(rai.circuit_id.size(), 4u);
  EXPECT_EQ(base::LoadBe32(rai.circuit_id.data()), 0u);
  EXPECT_EQ(rai.remote_id.size(), 6u);
  EXPECT_EQ(offer->dst_ip, c.giaddr);

  h.Deliver(testing::BuildReplyFrame(*offer));
  h.Run();
  EXPECT_EQ(h.gen->stats().invalid_total(), 0u);
  EXPECT_EQ(h.gen->bound_clients(), 50u);
}

TEST(GeneratorTest, MixRunsEveryKindWithoutInvalidReplies) {
  GeneratorConfig c = BaseConfig(40);
  c.mix = {2, 1, 1, 1, 1};
  c.max_transactions = 2000;
  Harness h(c);
  h.Run();
  const Stats& s = h.gen->stats();
  EXPECT_EQ(s.invalid_total(), 0u);
  EXPECT_EQ(s.naks, 0u);
  EXPECT_EQ(s.timeouts, 0u);
  uint64_t started = 0;
  for (size_t k = 0; k < kTxKinds; ++k) {
    EXPECT_GT(s.completed[k], 100u) << TxKindName(static_cast<TxKind>(k));
    EXPECT_EQ(s.completed[k], s.started[k]) << TxKindName(static_cast<TxKind>(k));
    started += s.started[k];
  }
  EXPECT_EQ(started, 2000u);
  EXPECT_EQ(h.server.received[proto::MessageType::kRelease],
            static_cast<int>(s.completed[Kind(TxKind::kRelease)]));
  EXPECT_EQ(h.server.received[proto::MessageType::kDecline],
            static_cast<int>(s.completed[Kind(TxKind::kDecline)]));
  // Renewals are unicast with ciaddr, rebindings broadcast with ciaddr.
  EXPECT_GT(s.completed[Kind(TxKind::kRenew)], 0u);
}

TEST(GeneratorTest, RenewIsUnicastToTheLearntServerMac) {
  GeneratorConfig c = BaseConfig(1);
  c.window = 1;
  c.mix = {0, 1, 0, 0, 0};  // renew only: the first falls back to DORA
  c.max_transactions = 2;
  Harness h(c);
  h.Run();
  const proto::ParsedUdpFrame& f = h.server.last_frame;
  EXPECT_EQ(h.server.last().type(), proto::MessageType::kRequest);
  EXPECT_EQ(h.server.last().ciaddr(), h.gen->ClientAddress(0));
  EXPECT_EQ(f.ip.src, h.gen->ClientAddress(0));
  EXPECT_EQ(f.ip.dst, testing::kServerIp);
  EXPECT_EQ(f.eth.dst, testing::kServerMac);
  EXPECT_EQ(h.gen->stats().completed[Kind(TxKind::kDora)], 1u);
  EXPECT_EQ(h.gen->stats().completed[Kind(TxKind::kRenew)], 1u);
}

TEST(GeneratorTest, WindowBoundsOutstandingTransactions) {
  GeneratorConfig c = BaseConfig(100);
  c.window = 8;
  Harness h(c);
  int sent = 0;
  while (!h.Next().empty()) ++sent;
  EXPECT_EQ(sent, 8);
  EXPECT_EQ(h.gen->outstanding(), 8u);
}

TEST(GeneratorTest, RateLimitsNewTransactions) {
  GeneratorConfig c = BaseConfig(100000);
  c.window = 100000;
  c.rate = 1000;  // per second; ticks are microseconds
  c.timeout_s = 100;
  Harness h(c);
  int sent = 0;
  for (int ms = 0; ms < 2000; ++ms) {
    while (!h.Next().empty()) ++sent;
    h.now += 1000;
  }
  EXPECT_NEAR(sent, 2000, 2);
}

TEST(GeneratorTest, TimeoutRetransmitsWithTheSameXidThenCounts) {
  GeneratorConfig c = BaseConfig(4);
  c.window = 1;
  c.retransmits = 2;
  c.max_transactions = 1;
  Harness h(c);
  std::vector<uint32_t> xids;
  for (int i = 0; i < 10; ++i) {
    for (Frame f = h.Next(); !f.empty(); f = h.Next()) {
      h.server.Answer(f);
      xids.push_back(h.server.last().xid());
    }
    h.now += 10'001;  // past the 10 ms timeout
    h.gen->Expire(h.now);
  }
  EXPECT_EQ(xids, (std::vector<uint32_t>{1, 1, 1}));
  EXPECT_EQ(h.gen->stats().retransmits, 2u);
  EXPECT_EQ(h.gen->stats().timeouts, 1u);
  EXPECT_TRUE(h.gen->Done());
  EXPECT_EQ(h.gen->bound_clients(), 0u);
}

TEST(GeneratorTest, ADuplicateReplyIsLateNotInvalid) {
  GeneratorConfig c = BaseConfig(1);
  c.window = 1;
  Harness h(c);
  std::optional<Reply> offer = h.server.Answer(h.Next());
  const Frame f = testing::BuildReplyFrame(*offer);
  h.Deliver(f);
  h.Deliver(f);  // the REQUEST is queued: the copy answers nothing
  EXPECT_EQ(h.gen->stats().late_replies, 1u);
  EXPECT_EQ(h.gen->stats().invalid_total(), 0u);
}

TEST(GeneratorTest, ReportsCarryThePublishedKeys) {
  GeneratorConfig c = BaseConfig(20);
  c.max_transactions = 20;
  Harness h(c);
  h.Run();
  RunInfo run{2.0, 0, 16};
  const nlohmann::json j = FinalJson(*h.gen, run);
  for (const char* key : {"clients", "offered_rate", "duration_s", "transactions", "tps",
                          "dora_per_s", "latency_us", "timeouts", "naks", "invalid",
                          "duplicates"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["transactions"], 20);
  EXPECT_DOUBLE_EQ(j["tps"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(j["dora_per_s"].get<double>(), 10.0);
  for (const char* key : {"p50", "p99", "p999"}) EXPECT_TRUE(j["latency_us"].contains(key));
  EXPECT_EQ(j["invalid"].size(), kInvalidReasons);
  EXPECT_EQ(j["invalid"]["duplicate-address"], 0);
  const std::string text = FinalText(*h.gen, run);
  EXPECT_NE(text.find("transactions 20"), std::string::npos) << text;

  char line[256];
  Stats zero;
  const size_t n = FormatSecondLine(line, sizeof line, 1, zero, h.gen->stats(),
                                    h.gen->interval_latency(), 1.0);
  EXPECT_GT(n, 0u);
  EXPECT_NE(std::string(line).find("tps 20"), std::string::npos) << line;
}

}  // namespace
}  // namespace dpdhcp::dhcpgen
