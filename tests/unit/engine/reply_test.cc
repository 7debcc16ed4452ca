// Engine unit tests: the bytes of built replies checked field by field, and
// malformed requests landing on their named drop reasons through the engine.
#include <gtest/gtest.h>

#include <functional>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/proto/option_defs.h"
#include "harness.h"

namespace dpdhcp::scenario {
namespace {

namespace opt = proto::option;
using engine::ReplyKind;

constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [{"name": "lab0", "port": "net_null0", "address": "198.18.0.1/24"}]},
  "valid-lifetime": 3600,
  "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54"},
                  {"name": "interface-mtu", "data": "1492"},
                  {"name": "vendor-encapsulated-options", "csv-format": false, "data": "01:04:c6:12:00:01"}],
  "subnet4": [{"id": 7, "subnet": "198.18.0.0/24", "interface": "lab0",
    "pools": [{"pool": "198.18.0.100 - 198.18.0.100"}],
    "option-data": [{"name": "routers", "data": "198.18.0.1"},
                    {"name": "classless-static-route", "data": "198.18.8.0/21 - 198.18.0.254"},
                    {"name": "boot-file-name", "data": "x".repeat}]}]}})";

// A config with a boot file name long enough to crowd a 576-byte reply.
std::string LongOptionConfig() {
  std::string c = kConfig;
  c.replace(c.find("\"x\".repeat"), 10, "\"" + std::string(240, 'b') + "\"");
  c.replace(c.find("{\"name\": \"interface-mtu\""), 0,
            "{\"name\": \"domain-name\", \"data\": \"" + std::string(200, 'd') + "\"}, ");
  return c;
}

std::string BaseConfig() {
  std::string c = kConfig;
  c.replace(c.find("\"x\".repeat"), 10, "\"pxelinux.0\"");
  return c;
}

TEST(ReplyBytesTest, OfferFieldByField) {
  Server server(BaseConfig(), 1);
  const MacAddress mac = TestMac(0x0a0b0c0d);
  Message m;
  m.type = MessageType::kDiscover;
  m.xid = 0xdeadbeef;
  m.prl = {121, 3, 1, 6, 26, 43};
  m.client_id = {1, 0x02, 0, 0x0a, 0x0b, 0x0c, 0x0d};
  const Exchange e = server.Send(mac, m);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_GE(e.decision.reply_length, 300u);
  const DecodedReply& r = *e.reply;
  EXPECT_EQ(r.op, 2);
  EXPECT_EQ(r.xid, 0xdeadbeefu);
  EXPECT_EQ(r.flags, 0);
  EXPECT_EQ(r.ciaddr, Ipv4Address());
  EXPECT_EQ(r.yiaddr, Ipv4Address(198, 18, 0, 100));
  EXPECT_EQ(r.siaddr, Ipv4Address());
  EXPECT_EQ(r.giaddr, Ipv4Address());
  EXPECT_EQ(r.chaddr, std::vector<uint8_t>(mac.bytes().begin(), mac.bytes().end()));
  // Fixed options first, then the PRL's order, then the client-id echo.
  const std::vector<uint8_t> order = {opt::kMessageType, opt::kServerId, opt::kLeaseTime,
                                      opt::kRenewalTime, opt::kRebindingTime, opt::kSubnetMask,
                                      opt::kClasslessStaticRoute, opt::kRouters,
                                      opt::kDomainNameServers, opt::kInterfaceMtu,
                                      opt::kVendorEncapsulatedOptions, opt::kClientId};
  EXPECT_EQ(r.option_order, order);
  EXPECT_EQ(r.U32(opt::kLeaseTime), 3600u);
  EXPECT_EQ(r.U32(opt::kRenewalTime), 1800u);
  EXPECT_EQ(r.U32(opt::kRebindingTime), 3150u);
  EXPECT_EQ(r.options.at(opt::kDomainNameServers),
            std::vector<uint8_t>({198, 18, 0, 53, 198, 18, 0, 54}));
  EXPECT_EQ(r.options.at(opt::kInterfaceMtu), std::vector<uint8_t>({0x05, 0xd4}));
  EXPECT_EQ(r.options.at(opt::kVendorEncapsulatedOptions), std::vector<uint8_t>({1, 4, 198, 18, 0, 1}));
  // RFC 3442: the configured route plus the default route taken from option 3.
  EXPECT_EQ(r.options.at(opt::kClasslessStaticRoute),
            std::vector<uint8_t>({21, 198, 18, 8, 198, 18, 0, 254, 0, 198, 18, 0, 1}));
  EXPECT_EQ(r.options.at(opt::kClientId), m.client_id);
  EXPECT_FALSE(r.Has(opt::kBootFileName)) << "not requested, not always-send";
}

TEST(ReplyBytesTest, ShortRepliesArePaddedToTheBootpSize) {
  Server server(BaseConfig(), 1);
  Client c(server, TestMac(4));
  Message m = c.Base(MessageType::kDiscover);
  m.prl.clear();
  const Exchange e = c.Send(m);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_EQ(e.decision.reply_length, 300u) << "RFC 1542 §2.1";
}

TEST(ReplyBytesTest, MaxMessageSizeLimitsOptionalOptionsButNeverTheMandatoryOnes) {
  Server server(LongOptionConfig(), 1);
  Client c(server, TestMac(1));
  Message m = c.Base(MessageType::kDiscover);
  m.prl = {1, 3, 67, 15, 6};
  // No option 57: the reply must fit 576 - 28 bytes (RFC 2131 §2). After the
  // fixed options, routers and the 240-byte file name, the 200-byte domain
  // name no longer fits and is left out; the DNS servers after it still fit.
  const Exchange e = c.Send(m);
  ASSERT_EQ(e.kind(), ReplyKind::kOffer);
  EXPECT_LE(e.decision.reply_length, 548u);
  EXPECT_TRUE(e.reply->Has(opt::kRouters));
  EXPECT_TRUE(e.reply->Has(opt::kBootFileName));
  EXPECT_FALSE(e.reply->Has(opt::kDomainName));
  EXPECT_TRUE(e.reply->Has(opt::kDomainNameServers));
}

// The engine caches each (subnet, pool, request list)'s configured-options
// block (src/engine/option_cache.h): a reply built from the cache must be
// byte for byte the one built from the config.
TEST(ReplyBytesTest, ARepeatedRequestListGetsTheSameOptions) {
  std::string config = BaseConfig();
  config.replace(config.find("198.18.0.100 - 198.18.0.100"), 27, "198.18.0.100 - 198.18.0.120");
  Server server(config, 1);
  std::vector<DecodedReply> replies;
  for (uint32_t i = 0; i < 3; ++i) {
    Client c(server, TestMac(0x100 + i));
    Message m = c.Base(MessageType::kDiscover);
    m.prl = {121, 3, 1, 6, 26, 43, 15};
    const Exchange e = c.Send(m);
    ASSERT_EQ(e.kind(), ReplyKind::kOffer);
    replies.push_back(*e.reply);
  }
  for (size_t i = 1; i < replies.size(); ++i) {
    EXPECT_EQ(replies[i].option_order, replies[0].option_order);
    EXPECT_EQ(replies[i].options, replies[0].options);
    EXPECT_NE(replies[i].yiaddr, replies[0].yiaddr);
  }
}

TEST(ReplyBytesTest, ACachedBlockThatDoesNotFitIsWrittenOptionByOption) {
  // routers (6) + file name (242) + domain name (62) + DNS (10) = 320 bytes:
  // cached whole, but more than the 274 a 576-byte reply has left after the
  // fixed options (RFC 2131 §2), so each reply leaves the domain name out.
  std::string config = kConfig;
  config.replace(config.find("\"x\".repeat"), 10, "\"" + std::string(240, 'b') + "\"");
  config.replace(config.find("{\"name\": \"interface-mtu\""), 0,
                 "{\"name\": \"domain-name\", \"data\": \"" + std::string(60, 'd') + "\"}, ");
  config.replace(config.find("198.18.0.100 - 198.18.0.100"), 27, "198.18.0.100 - 198.18.0.120");
  Server server(config, 1);
  for (uint32_t i = 0; i < 2; ++i) {
    Client c(server, TestMac(0x200 + i));
    Message m = c.Base(MessageType::kDiscover);
    m.prl = {3, 67, 15, 6};
    const Exchange e = c.Send(m);
    ASSERT_EQ(e.kind(), ReplyKind::kOffer) << "client " << i;
    EXPECT_LE(e.decision.reply_length, 548u);
    EXPECT_TRUE(e.reply->Has(opt::kRouters));
    EXPECT_TRUE(e.reply->Has(opt::kBootFileName));
    EXPECT_FALSE(e.reply->Has(opt::kDomainName)) << "client " << i;
    EXPECT_TRUE(e.reply->Has(opt::kDomainNameServers)) << "client " << i;
  }
}

TEST(ReplyBytesTest, NakCarriesOnlyWhatRfc2131Table3Allows) {
  Server server(BaseConfig(), 1);
  Client c(server, TestMac(2));
  const Exchange e = c.RequestInitReboot(Ipv4Address(198, 18, 77, 1));
  ASSERT_EQ(e.kind(), ReplyKind::kNak);
  const DecodedReply& r = *e.reply;
  EXPECT_EQ(r.yiaddr, Ipv4Address());
  EXPECT_EQ(r.ciaddr, Ipv4Address());
  EXPECT_EQ(r.type(), 6);
  EXPECT_EQ(r.Address(opt::kServerId), Ipv4Address(198, 18, 0, 1));
  for (const uint8_t code : {opt::kLeaseTime, opt::kRenewalTime, opt::kSubnetMask, opt::kRouters}) {
    EXPECT_FALSE(r.Has(code)) << int{code};
  }
}

struct MalformedCase {
  const char* name;
  std::function<void(std::vector<uint8_t>&)> mangle;
  base::DropReason reason;
};

class MalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedTest, LandsOnItsNamedCounterAndChangesNoLease) {
  Server server(BaseConfig(), 2);
  Message m;
  m.type = MessageType::kDiscover;
  m.xid = 9;
  std::vector<uint8_t> payload = BuildMessage(TestMac(3), m);
  GetParam().mangle(payload);
  engine::RequestContext ctx;
  ctx.now = 1'000'000;
  std::vector<uint8_t> reply(1500);
  lease::LeaseStore& leases = server.leases();
  const uint32_t shard = leases.ShardFor(base::ByteSpan(TestMac(3).data(), 6));
  stats::WorkerCounters counters(1);
  engine::Engine eng(std::make_shared<config::Config>(server.config()), server.addresses(), leases,
                     counters);
  const engine::Decision d = eng.HandlePayload(payload, ctx, reply);
  EXPECT_EQ(d.reply, ReplyKind::kNone);
  EXPECT_EQ(d.drop, GetParam().reason) << base::DropReasonName(d.drop);
  EXPECT_EQ(counters.GetDrop(GetParam().reason), 1u);
  EXPECT_EQ(counters.Get(stats::Counter::kPktReceiveDrop), 1u);
  EXPECT_EQ(counters.Get(stats::Counter::kPktReceived), 1u);
  EXPECT_EQ(leases.shard(shard).size(), 0u);
  EXPECT_TRUE(server.addresses().IsFree(Ipv4Address(198, 18, 0, 100)));
}

INSTANTIATE_TEST_SUITE_P(
    Engine, MalformedTest,
    ::testing::Values(
        MalformedCase{"Truncated", [](auto& p) { p.resize(200); }, base::DropReason::kDhcpTruncated},
        MalformedCase{"BadCookie", [](auto& p) { p[236] = 0; }, base::DropReason::kDhcpBadCookie},
        MalformedCase{"BootReply", [](auto& p) { p[0] = 2; }, base::DropReason::kDhcpServerMessage},
        MalformedCase{"BadHlen", [](auto& p) { p[2] = 17; }, base::DropReason::kDhcpBadHlen},
        MalformedCase{"HtypeZero", [](auto& p) { p[1] = 0; }, base::DropReason::kDhcpBadHtype},
        MalformedCase{"OptionOverrun", [](auto& p) { p[241] = 200; p.resize(260); },
                      base::DropReason::kDhcpOptionOverrun},
        MalformedCase{"MissingType", [](auto& p) { p[240] = 0; p[241] = 0; p[242] = 0; },
                      base::DropReason::kDhcpMissingMessageType},
        MalformedCase{"UnknownType", [](auto& p) { p[242] = 99; },
                      base::DropReason::kDhcpUnknownMessageType},
        MalformedCase{"OfferToServer", [](auto& p) { p[242] = 2; },
                      base::DropReason::kDhcpServerMessage}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace dpdhcp::scenario
