// Parsed values, timer resolution, lookups, the JSON text layer, and the lab
// default config.
#include "dpdhcp/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "dpdhcp/base/time.h"

namespace dpdhcp::config {
namespace {

using base::Ipv4Address;
using testing::HasSubstr;

std::shared_ptr<const Config> MustParse(const std::string& text) {
  auto config = ParseConfig(text);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : std::make_shared<const Config>();
}

std::string ErrorOf(const std::string& text) {
  const auto config = ParseConfig(text);
  EXPECT_FALSE(config.ok());
  return config.ok() ? "" : std::string(config.status().message());
}

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// The example of the design brief: every feature once.
constexpr const char* kKeaExample = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [
     {"name": "lab0", "port": "net_af_packet0", "address": "198.18.0.1/24", "vlan": 100, "outer-vlan": 200, "mac": "02:00:00:00:00:01"}]},
  "authoritative": false, "valid-lifetime": 3600, "renew-timer": 1800, "rebind-timer": 3150,
  "decline-probation-period": 86400, "offer-lifetime": 60, "match-client-id": true,
  "control-socket": {"socket-type": "unix", "socket-name": "/run/dpdhcp/control.sock"},
  "lease-database": {"type": "journal", "name": "/var/lib/dpdhcp", "durability": "strict"},
  "option-data": [{"name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54"}, {"code": 42, "data": "198.18.0.123"},
                  {"name": "vendor-encapsulated-options", "csv-format": false, "data": "01:04:c6:12:00:01"}, {"name": "domain-name", "data": "lab.example", "always-send": true}],
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "interface": "lab0",
     "pools": [{"pool": "198.18.0.100 - 198.18.0.199", "option-data": []}, {"pool": "198.18.0.0/26"}],
     "option-data": [{"name": "routers", "data": "198.18.0.1"}, {"name": "classless-static-route", "data": "198.18.8.0/21 - 198.18.0.254, 0.0.0.0/0 - 198.18.0.1"}],
     "valid-lifetime": 600, "renew-timer": 300, "rebind-timer": 525, "authoritative": true, "match-client-id": true,
     "relay": {"ip-addresses": ["198.18.4.1"]},
     "reservations": [{"hw-address": "02:00:00:00:00:10", "ip-address": "198.18.0.10", "hostname": "cpe10", "option-data": []},
                      {"client-id": "01:02:00:00:00:00:11", "ip-address": "198.18.0.11"},
                      {"circuit-id": "'eth0/1/1:100'" , "ip-address": "198.18.0.12"}]}]
}})";

TEST(ConfigTest, KeaExampleParsesIntoTheSnapshot) {
  const auto c = MustParse(kKeaExample);
  ASSERT_EQ(c->interfaces.size(), 1u);
  const Interface& itf = c->interfaces[0];
  EXPECT_EQ(itf.name, "lab0");
  EXPECT_EQ(itf.port, "net_af_packet0");
  EXPECT_EQ(itf.address, Ipv4Address(198, 18, 0, 1));
  EXPECT_EQ(itf.prefix.ToString(), "198.18.0.0/24");
  EXPECT_EQ(itf.vlan, 100);
  EXPECT_EQ(itf.outer_vlan, 200);
  ASSERT_TRUE(itf.mac.has_value());
  EXPECT_EQ(itf.mac->ToString(), "02:00:00:00:00:01");

  EXPECT_EQ(c->valid_lifetime, 3600u);
  EXPECT_EQ(c->decline_probation_period, 86400u);
  EXPECT_EQ(c->offer_lifetime, 60u);
  EXPECT_FALSE(c->authoritative);
  EXPECT_TRUE(c->match_client_id);
  EXPECT_EQ(c->control_socket, "/run/dpdhcp/control.sock");
  EXPECT_EQ(c->lease_database_type, "journal");
  EXPECT_EQ(c->lease_database_name, "/var/lib/dpdhcp");
  EXPECT_EQ(c->durability, Durability::kStrict);
  EXPECT_EQ(c->source_json, kKeaExample);

  ASSERT_EQ(c->options.options.size(), 4u);
  EXPECT_EQ(c->options.options[0].code, 6);  // config order kept
  EXPECT_EQ(c->options.options[1].code, 42);
  ASSERT_NE(c->options.Find(43), nullptr);
  EXPECT_EQ(c->options.Find(43)->data, (std::vector<uint8_t>{1, 4, 0xc6, 0x12, 0, 1}));
  ASSERT_NE(c->options.Find(15), nullptr);
  EXPECT_TRUE(c->options.Find(15)->always_send);
  EXPECT_FALSE(c->options.Find(6)->always_send);
  EXPECT_EQ(c->options.Find(3), nullptr);

  ASSERT_EQ(c->subnets.size(), 1u);
  const Subnet& s = c->subnets[0];
  EXPECT_EQ(s.id, 1u);
  EXPECT_EQ(s.index, 0u);
  EXPECT_EQ(s.interface, "lab0");
  EXPECT_EQ(s.valid_lifetime, 600u);
  EXPECT_EQ(s.renew_timer, 300u);
  EXPECT_EQ(s.rebind_timer, 525u);
  EXPECT_TRUE(s.authoritative);
  EXPECT_EQ(s.relay_addresses, std::vector<Ipv4Address>{Ipv4Address(198, 18, 4, 1)});
  ASSERT_EQ(s.pools.size(), 2u);
  EXPECT_EQ(s.pools[0].size(), 100u);
  EXPECT_EQ(s.pools[1].first, Ipv4Address(198, 18, 0, 0));
  EXPECT_EQ(s.pools[1].last, Ipv4Address(198, 18, 0, 63));
  ASSERT_EQ(s.reservations.size(), 3u);
  EXPECT_EQ(s.reservations[0].hostname, "cpe10");
  EXPECT_EQ(s.reservations[2].key, ReservationKey::kCircuitId);
  EXPECT_EQ(s.reservations[2].identifier, Bytes("eth0/1/1:100"));
}

TEST(ConfigTest, LeaseDatabaseKeys) {
  const auto c = MustParse(R"({"Dhcp4": {"lease-database": {"type": "memory",
      "name": "/tmp/l", "durability": "relaxed", "lfc-interval": 60, "lfc-max-journal-mb": 8}}})");
  EXPECT_EQ(c->lease_database_type, "memory");
  EXPECT_EQ(c->lease_database_name, "/tmp/l");
  EXPECT_EQ(c->durability, Durability::kRelaxed);
  EXPECT_EQ(c->lfc_interval, 60u);
  EXPECT_EQ(c->lfc_max_journal_mb, 8u);
}

TEST(ConfigTest, DefaultsWhenLeftOut) {
  const auto c = MustParse(R"({"Dhcp4": {}})");
  EXPECT_EQ(c->valid_lifetime, 7200u);
  EXPECT_EQ(c->decline_probation_period, 86400u);
  EXPECT_EQ(c->offer_lifetime, 60u);
  EXPECT_FALSE(c->authoritative);
  EXPECT_TRUE(c->match_client_id);
  EXPECT_EQ(c->durability, Durability::kStrict);
  EXPECT_EQ(c->lease_database_type, "journal");
  EXPECT_EQ(c->lease_database_name, "/var/lib/dpdhcp");
  EXPECT_EQ(c->lfc_interval, 3600u);
  EXPECT_EQ(c->lfc_max_journal_mb, 256u);
  EXPECT_TRUE(c->control_socket.empty());
  EXPECT_TRUE(c->subnets.empty());
}

// Timer resolution: subnet value, else global value, else derived from the
// subnet's resolved valid-lifetime (RFC 2131 §4.4.5: 0.5 and 0.875).
struct TimerCase {
  std::string name;
  std::string global;  // extra Dhcp4 members
  std::string subnet;  // extra subnet members
  uint32_t valid, renew, rebind;
};

class TimerTest : public testing::TestWithParam<TimerCase> {};

TEST_P(TimerTest, Resolves) {
  const TimerCase& t = GetParam();
  const auto c = MustParse(R"({"Dhcp4": {)" + t.global + R"("subnet4": [{)" + t.subnet +
                           R"("id": 1, "subnet": "198.18.0.0/24"}]}})");
  ASSERT_EQ(c->subnets.size(), 1u);
  EXPECT_EQ(c->subnets[0].valid_lifetime, t.valid);
  EXPECT_EQ(c->subnets[0].renew_timer, t.renew);
  EXPECT_EQ(c->subnets[0].rebind_timer, t.rebind);
}

constexpr uint32_t kInf = base::kInfiniteLifetime;

INSTANTIATE_TEST_SUITE_P(
    Cases, TimerTest,
    testing::Values(
        TimerCase{"Defaults", "", "", 7200, 3600, 6300},
        TimerCase{"GlobalValid", R"("valid-lifetime": 3600,)", "", 3600, 1800, 3150},
        TimerCase{"SubnetValidOverridesGlobal", R"("valid-lifetime": 3600,)",
                  R"("valid-lifetime": 600,)", 600, 300, 525},
        TimerCase{"GlobalRenewInherited", R"("renew-timer": 100,)", R"("valid-lifetime": 600,)",
                  600, 100, 525},
        TimerCase{"SubnetTimersOverrideGlobal", R"("renew-timer": 100, "rebind-timer": 200,)",
                  R"("renew-timer": 150, "rebind-timer": 250,)", 7200, 150, 250},
        TimerCase{"SubnetRebindOnly", R"("valid-lifetime": 1000,)", R"("rebind-timer": 900,)", 1000,
                  500, 900},
        TimerCase{"OddValidRoundsDown", "", R"("valid-lifetime": 1001,)", 1001, 500, 875},
        TimerCase{"Infinite", R"("valid-lifetime": 4294967295,)", "", kInf, kInf, kInf},
        TimerCase{"InfiniteSubnetOnly", "", R"("valid-lifetime": 4294967295,)", kInf, kInf, kInf},
        TimerCase{"InfiniteWithRenew", R"("valid-lifetime": 4294967295,)",
                  R"("renew-timer": 3600,)", kInf, 3600, kInf},
        TimerCase{"InfiniteWithBoth", R"("valid-lifetime": 4294967295,)",
                  R"("renew-timer": 3600, "rebind-timer": 7200,)", kInf, 3600, 7200}),
    [](const auto& info) { return info.param.name; });

TEST(ConfigTest, FlagsInheritFromGlobal) {
  const auto c = MustParse(R"({"Dhcp4": {"authoritative": true, "match-client-id": false,
      "subnet4": [{"id": 1, "subnet": "198.18.0.0/24"},
                  {"id": 2, "subnet": "198.18.1.0/24", "authoritative": false,
                   "match-client-id": true}]}})");
  EXPECT_TRUE(c->subnets[0].authoritative);
  EXPECT_FALSE(c->subnets[0].match_client_id);
  EXPECT_FALSE(c->subnets[1].authoritative);
  EXPECT_TRUE(c->subnets[1].match_client_id);
}

TEST(ConfigLookupTest, ReservationsByEachKeyAndByAddress) {
  const auto c = MustParse(kKeaExample);
  const Subnet& s = c->subnets[0];
  const std::vector<uint8_t> mac = {2, 0, 0, 0, 0, 0x10};
  const std::vector<uint8_t> client_id = {1, 2, 0, 0, 0, 0, 0x11};
  const std::vector<uint8_t> circuit = Bytes("eth0/1/1:100");

  const Reservation* r = s.FindReservation(ReservationKey::kHwAddress, mac);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->address, Ipv4Address(198, 18, 0, 10));
  r = s.FindReservation(ReservationKey::kClientId, client_id);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->address, Ipv4Address(198, 18, 0, 11));
  r = s.FindReservation(ReservationKey::kCircuitId, circuit);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->address, Ipv4Address(198, 18, 0, 12));

  // The key kind is part of the lookup.
  EXPECT_EQ(s.FindReservation(ReservationKey::kClientId, mac), nullptr);
  EXPECT_EQ(s.FindReservation(ReservationKey::kHwAddress, circuit), nullptr);
  EXPECT_EQ(s.FindReservation(ReservationKey::kHwAddress, std::vector<uint8_t>{2, 0, 0, 0, 0}),
            nullptr);

  r = s.FindReservationByAddress(Ipv4Address(198, 18, 0, 11));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->key, ReservationKey::kClientId);
  EXPECT_EQ(s.FindReservationByAddress(Ipv4Address(198, 18, 0, 13)), nullptr);
}

TEST(ConfigLookupTest, OptionsOnlyReservationIsNotFoundByAddress) {
  const auto c = MustParse(R"({"Dhcp4": {"subnet4": [{"id": 1, "subnet": "198.18.0.0/24",
      "reservations": [{"hw-address": "02:00:00:00:00:20",
                        "option-data": [{"name": "host-name", "data": "cpe20"}]}]}]}})");
  const Subnet& s = c->subnets[0];
  const Reservation* r =
      s.FindReservation(ReservationKey::kHwAddress, std::vector<uint8_t>{2, 0, 0, 0, 0, 0x20});
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->address.IsZero());
  ASSERT_NE(r->options.Find(12), nullptr);
  EXPECT_EQ(r->options.Find(12)->data, Bytes("cpe20"));
  EXPECT_EQ(s.FindReservationByAddress(Ipv4Address()), nullptr);
}

TEST(ConfigLookupTest, FindPoolAtEdges) {
  const auto c = MustParse(kKeaExample);
  const Subnet& s = c->subnets[0];
  struct {
    Ipv4Address a;
    int pool;  // -1: none
  } const cases[] = {
      {Ipv4Address(198, 18, 0, 0), 1},      {Ipv4Address(198, 18, 0, 63), 1},
      {Ipv4Address(198, 18, 0, 64), -1},    {Ipv4Address(198, 18, 0, 99), -1},
      {Ipv4Address(198, 18, 0, 100), 0},    {Ipv4Address(198, 18, 0, 150), 0},
      {Ipv4Address(198, 18, 0, 199), 0},    {Ipv4Address(198, 18, 0, 200), -1},
      {Ipv4Address(198, 17, 255, 255), -1}, {Ipv4Address(255, 255, 255, 255), -1},
  };
  for (const auto& t : cases) {
    const Pool* p = s.FindPool(t.a);
    if (t.pool < 0) {
      EXPECT_EQ(p, nullptr) << t.a.ToString();
    } else {
      EXPECT_EQ(p, &s.pools[t.pool]) << t.a.ToString();
    }
  }
}

constexpr const char* kRelayConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [
    {"name": "lab0", "port": "p0", "address": "198.18.0.1/24"},
    {"name": "lab1", "port": "p0", "address": "198.18.1.1/24", "vlan": 10},
    {"name": "lab2", "port": "p0", "address": "192.0.2.1/24", "vlan": 20}]},
  "subnet4": [
    {"id": 10, "subnet": "198.18.0.0/24", "interface": "lab0"},
    {"id": 20, "subnet": "10.0.0.0/24", "relay": {"ip-addresses": ["198.18.0.254", "10.9.9.9"]}},
    {"id": 30, "subnet": "10.1.0.0/16"},
    {"id": 40, "subnet": "10.2.0.0/28"},
    {"id": 50, "subnet": "198.18.1.0/24"},
    {"id": 60, "subnet": "10.3.0.7/32"}]}})";

TEST(ConfigLookupTest, FindSubnetForRelayPrefersRelayListing) {
  const auto c = MustParse(kRelayConfig);
  // 198.18.0.254 lies in subnet 10, but subnet 20 lists it as its relay.
  EXPECT_EQ(c->FindSubnetContaining(Ipv4Address(198, 18, 0, 254))->id, 10u);
  EXPECT_EQ(c->FindSubnetForRelay(Ipv4Address(198, 18, 0, 254))->id, 20u);
  EXPECT_EQ(c->FindSubnetForRelay(Ipv4Address(10, 9, 9, 9))->id, 20u);
  // Not listed anywhere: the subnet containing giaddr.
  EXPECT_EQ(c->FindSubnetForRelay(Ipv4Address(10, 1, 200, 1))->id, 30u);
  EXPECT_EQ(c->FindSubnetForRelay(Ipv4Address(10, 0, 0, 1))->id, 20u);
  EXPECT_EQ(c->FindSubnetForRelay(Ipv4Address(172, 16, 0, 1)), nullptr);
}

TEST(ConfigLookupTest, FindSubnetContainingAcrossPrefixLengths) {
  const auto c = MustParse(kRelayConfig);
  EXPECT_EQ(c->FindSubnetContaining(Ipv4Address(10, 2, 0, 15))->id, 40u);
  EXPECT_EQ(c->FindSubnetContaining(Ipv4Address(10, 2, 0, 16)), nullptr);
  EXPECT_EQ(c->FindSubnetContaining(Ipv4Address(10, 3, 0, 7))->id, 60u);
  EXPECT_EQ(c->FindSubnetContaining(Ipv4Address(10, 3, 0, 8)), nullptr);
  EXPECT_EQ(c->FindSubnetContaining(Ipv4Address(10, 1, 0, 0))->id, 30u);
  EXPECT_EQ(c->FindSubnetContaining(Ipv4Address(10, 1, 255, 255))->id, 30u);
}

// Parsed configs never nest subnets, but the lookup itself picks the most
// specific prefix: checked on a hand-built config.
TEST(ConfigLookupTest, FindSubnetContainingPrefersLongestPrefix) {
  Config config;
  for (const auto& [id, prefix] : std::vector<std::pair<uint32_t, std::string>>{
           {1, "10.0.0.0/8"}, {2, "10.1.0.0/16"}, {3, "10.1.2.0/24"}, {4, "0.0.0.0/0"}}) {
    Subnet s;
    s.id = id;
    s.index = config.subnets.size();
    s.prefix = *base::Ipv4Prefix::Parse(prefix);
    config.subnets.push_back(std::move(s));
  }
  config.BuildLookups();
  EXPECT_EQ(config.FindSubnetContaining(Ipv4Address(10, 1, 2, 3))->id, 3u);
  EXPECT_EQ(config.FindSubnetContaining(Ipv4Address(10, 1, 3, 3))->id, 2u);
  EXPECT_EQ(config.FindSubnetContaining(Ipv4Address(10, 2, 3, 3))->id, 1u);
  EXPECT_EQ(config.FindSubnetContaining(Ipv4Address(11, 0, 0, 1))->id, 4u);
}

TEST(ConfigLookupTest, ByIdInterfaceAndInterfaceSubnet) {
  const auto c = MustParse(kRelayConfig);
  ASSERT_NE(c->FindSubnetById(40), nullptr);
  EXPECT_EQ(c->FindSubnetById(40)->index, 3u);
  EXPECT_EQ(c->FindSubnetById(41), nullptr);

  const Interface* lab1 = c->FindInterface("lab1");
  ASSERT_NE(lab1, nullptr);
  EXPECT_EQ(lab1->vlan, 10);
  EXPECT_EQ(c->FindInterface("lab9"), nullptr);

  EXPECT_EQ(c->FindSubnetForInterface(0)->id, 10u);  // named by the subnet
  EXPECT_EQ(c->FindSubnetForInterface(1)->id, 50u);  // contains its address
  EXPECT_EQ(c->FindSubnetForInterface(2), nullptr);  // neither
  EXPECT_EQ(c->FindSubnetForInterface(3), nullptr);  // no such interface
}

TEST(ConfigLookupTest, OptionDataLevelsAndFlags) {
  const auto c = MustParse(R"({"Dhcp4": {"subnet4": [{"id": 1, "subnet": "198.18.0.0/24",
      "option-data": [{"name": "interface-mtu", "data": "1500"},
                      {"name": "routers", "csv-format": false, "data": "c6120001"}],
      "pools": [{"pool": "198.18.0.10-198.18.0.20",
                 "option-data": [{"code": 66, "data": "tftp.lab", "always-send": true}]}]}]}})");
  const Subnet& s = c->subnets[0];
  EXPECT_EQ(s.options.Find(26)->data, (std::vector<uint8_t>{0x05, 0xdc}));
  EXPECT_EQ(s.options.Find(3)->data, (std::vector<uint8_t>{0xc6, 0x12, 0x00, 0x01}));
  const Pool* p = s.FindPool(Ipv4Address(198, 18, 0, 15));
  ASSERT_NE(p, nullptr);
  ASSERT_NE(p->options.Find(66), nullptr);
  EXPECT_EQ(p->options.Find(66)->data, Bytes("tftp.lab"));
  EXPECT_TRUE(p->options.Find(66)->always_send);
}

TEST(JsonTextTest, SyntaxErrorGivesLineAndColumn) {
  EXPECT_THAT(ErrorOf("{\"Dhcp4\": {\n  \"valid-lifetime\": 3600,\n  }\n}"),
              HasSubstr("line 3, column 3"));
  EXPECT_THAT(ErrorOf("{\"Dhcp4\": {"), HasSubstr("JSON parse error at line 1"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("JSON parse error"));
  EXPECT_THAT(ErrorOf("{\"Dhcp4\": {}} trailing"), HasSubstr("JSON parse error"));
}

TEST(JsonTextTest, RootMustBeAnObject) {
  EXPECT_THAT(ErrorOf("[]"), HasSubstr("(root): expected an object"));
  EXPECT_THAT(ErrorOf("42"), HasSubstr("(root): expected an object"));
}

TEST(JsonTextTest, CommentsAreAllowedAsKeaAllows) {
  const auto c = MustParse(R"(// lab config
{
  # shell-style comment with a { brace
  "Dhcp4": { /* block { [ comment */
    "valid-lifetime": 600, // trailing
    "subnet4": [{"id": 1, "subnet": "198.18.0.0/24",
      "option-data": [{"name": "tftp-server-name", "data": "//host#1/*x*/"}]}]
  }
})");
  EXPECT_EQ(c->valid_lifetime, 600u);
  EXPECT_EQ(c->subnets[0].options.Find(66)->data, Bytes("//host#1/*x*/"));
}

TEST(JsonTextTest, UnterminatedCommentGivesPosition) {
  EXPECT_THAT(ErrorOf("{\"Dhcp4\": {}}\n  /* never closed"),
              HasSubstr("line 2, column 3: unterminated /* comment"));
}

TEST(JsonTextTest, DuplicateKeysNameTheirPath) {
  EXPECT_THAT(ErrorOf(R"({"Dhcp4": {"valid-lifetime": 1, "valid-lifetime": 2}})"),
              HasSubstr("Dhcp4.valid-lifetime: duplicate key"));
  EXPECT_THAT(ErrorOf(R"({"Dhcp4": {"subnet4": [{"id": 1, "subnet": "198.18.0.0/24"},
      {"id": 2, "subnet": "198.18.1.0/24", "pools": [1, [2], {"pool": "a", "pool": "b"}]}]}})"),
              HasSubstr("Dhcp4.subnet4[1].pools[2].pool: duplicate key"));
}

TEST(JsonTextTest, DeepNestingIsAnErrorNotACrash) {
  for (const char open : {'[', '{'}) {
    std::string text = "{\"Dhcp4\": {\"user-context\": ";
    for (int i = 0; i < 100000; ++i) text += open == '[' ? "[" : "{\"a\":";
    EXPECT_THAT(ErrorOf(text), HasSubstr("nesting deeper than 64 levels")) << open;
  }
  std::string ok = "{\"Dhcp4\": {\"user-context\": ";
  for (int i = 0; i < 60; ++i) ok += "[";
  for (int i = 0; i < 60; ++i) ok += "]";
  MustParse(ok + "}}");
}

TEST(JsonTextTest, HugeFlatValuesParse) {
  std::string text = "{\"Dhcp4\": {\"user-context\": [";
  for (int i = 0; i < 200000; ++i) text += i == 0 ? "1" : ",1";
  text += "], \"comment\": \"" + std::string(1 << 20, 'x') + "\"}}";
  MustParse(text);
}

TEST(ConfigFileTest, LabConfigParses) {
  const auto c = LoadConfigFile(DPDHCP_SOURCE_DIR "/dpdk-config/lab.json");
  ASSERT_TRUE(c.ok()) << c.status();
  const Config& config = **c;
  ASSERT_EQ(config.interfaces.size(), 1u);
  EXPECT_EQ(config.interfaces[0].port, "net_af_packet0");
  ASSERT_EQ(config.subnets.size(), 3u);
  EXPECT_EQ(config.valid_lifetime, 3600u);
  EXPECT_EQ(config.control_socket, "/run/dpdhcp/control.sock");
  EXPECT_EQ(config.durability, Durability::kStrict);
  EXPECT_EQ(config.FindSubnetForInterface(0)->id, 1u);
  EXPECT_EQ(config.FindSubnetForRelay(Ipv4Address(198, 18, 4, 1))->id, 2u);
  ASSERT_NE(config.FindSubnetForRelay(Ipv4Address(198, 18, 64, 1)), nullptr);
  EXPECT_EQ(config.FindSubnetForRelay(Ipv4Address(198, 18, 64, 1))->id, 3u);
  // The big relayed subnet for perfdhcp runs of more than 10,000 clients:
  // 198.18.64.10 - 198.18.127.250.
  EXPECT_EQ(config.FindSubnetById(3)->pools[0].size(), 64u * 256 - 10 - 5);
  EXPECT_EQ(config.subnets[0].options.Find(15)->data, Bytes("lab.dpdhcp.test"));
  EXPECT_EQ(config.subnets[0].renew_timer, 1800u);
}

TEST(ConfigFileTest, FileErrorsNameThePath) {
  const std::string missing = testing::TempDir() + "/no-such-dir/dpdhcp.json";
  const auto c = LoadConfigFile(missing);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), HasSubstr(missing + ": cannot open"));

  const std::string bad = testing::TempDir() + "/dpdhcp_config_test_bad.json";
  {
    std::ofstream out(bad);
    out << R"({"Dhcp4": {"valid-lifetime": "long"}})";
  }
  const auto b = LoadConfigFile(bad);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()),
              HasSubstr(bad + ": Dhcp4.valid-lifetime: expected an integer"));
  std::remove(bad.c_str());

  const auto dir = LoadConfigFile(testing::TempDir());
  ASSERT_FALSE(dir.ok());
  EXPECT_THAT(std::string(dir.status().message()), HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace dpdhcp::config
