#include "options.h"

#include <gtest/gtest.h>

#include "address_table.h"

namespace dpdhcp::dhcpgen {
namespace {

std::vector<std::string> Args(std::initializer_list<const char*> a) {
  std::vector<std::string> v = {"dhcpgen"};
  for (const char* s : a) v.emplace_back(s);
  return v;
}

TEST(OptionsTest, ParsesEveryFlagKind) {
  auto o = ParseCommandLine(Args({"--port", "net_null0", "--pool", "198.18.0.10-198.18.0.20",
                                  "--pool=198.18.1.0 - 198.18.1.255", "--clients", "5000",
                                  "--client-id", "--vlan", "100", "--outer-vlan=200", "--relay",
                                  "198.18.64.1", "--server-ip", "198.18.0.1", "--mix",
                                  "dora=3,renew=1,release=1", "--rate", "2500.5", "--window", "64",
                                  "--timeout", "0.5", "--retransmits", "2", "--transactions", "77",
                                  "--per-second", "--json", "/tmp/x.json", "--expect-options",
                                  "--", "--lcores", "0@1"}));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->port, "net_null0");
  ASSERT_EQ(o->gen.pools.size(), 2u);
  EXPECT_EQ(o->gen.pools[1].first.ToString(), "198.18.1.0");
  EXPECT_EQ(o->gen.clients, 5000u);
  EXPECT_TRUE(o->gen.client_id);
  EXPECT_EQ(o->gen.vlans.count, 2);
  EXPECT_EQ(o->gen.vlans.outer_vid(), 200);
  EXPECT_EQ(o->gen.vlans.inner_vid(), 100);
  EXPECT_EQ(o->gen.giaddr.ToString(), "198.18.64.1");
  EXPECT_EQ(o->gen.mix[0], 3u);
  EXPECT_EQ(o->gen.mix[1], 1u);
  EXPECT_EQ(o->gen.mix[2], 0u);
  EXPECT_EQ(o->gen.mix[3], 1u);
  EXPECT_DOUBLE_EQ(o->gen.rate, 2500.5);
  EXPECT_EQ(o->gen.window, 64u);
  EXPECT_DOUBLE_EQ(o->gen.timeout_s, 0.5);
  EXPECT_EQ(o->gen.retransmits, 2u);
  EXPECT_EQ(o->gen.max_transactions, 77u);
  EXPECT_TRUE(o->per_second);
  EXPECT_TRUE(o->gen.expect_options);
  EXPECT_EQ(o->json_path, "/tmp/x.json");
  EXPECT_EQ(o->eal_extra, (std::vector<std::string>{"--lcores", "0@1"}));
}

TEST(OptionsTest, RefusesBadInputWithTheFlagNamed) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const Case cases[] = {
      {Args({"--pool", "198.18.0.1-198.18.0.2"}), "--port is required"},
      {Args({"--port", "p"}), "--pool"},
      {Args({"--port", "p", "--pool", "198.18.0.9-198.18.0.1"}), "first address above"},
      {Args({"--port", "p", "--pool", "198.18.0.1"}), "FIRST-LAST"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--clients", "x"}), "--clients"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--mix", "dora=0"}), "positive"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--mix", "discover=1"}), "kinds are"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--vlan", "4095"}), "1..4094"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--outer-vlan", "5"}), "needs --vlan"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--relay", "198.18.64.1"}),
       "--server-ip"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--bogus"}), "unknown flag"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--rate"}), "needs a value"},
      {Args({"--port", "p", "--pool", "1.2.3.4-1.2.3.5", "--client-id=1"}), "takes no value"},
  };
  for (const Case& c : cases) {
    auto o = ParseCommandLine(c.args);
    ASSERT_FALSE(o.ok()) << c.says;
    EXPECT_NE(o.status().message().find(c.says), std::string::npos) << o.status();
  }
}

TEST(OptionsTest, HelpStopsParsingAndUsageNamesEveryFlag) {
  auto o = ParseCommandLine(Args({"--help", "--bogus"}));
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
  const std::string usage = UsageText();
  for (const char* flag :
       {"--port", "--eal-profile", "--link-timeout", "--burst", "--mbufs", "--clients",
        "--mac-base", "--client-id", "--vlan", "--outer-vlan", "--broadcast-flag", "--relay",
        "--relay-mac", "--no-option82", "--server-ip", "--server-mac", "--mix", "--rate",
        "--window", "--timeout", "--retransmits", "--duration", "--transactions", "--pool",
        "--expect-options", "--per-second", "--json", "--help"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

TEST(AddressTableTest, OwnersPerRangeAndOverlapRefused) {
  auto t = AddressTable::Create({*ParseAddressRange("198.18.1.0-198.18.1.9"),
                                 *ParseAddressRange("198.18.0.10-198.18.0.19")});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->capacity(), 20u);
  const base::Ipv4Address a(198, 18, 1, 5), b(198, 18, 0, 19), out(198, 18, 0, 20);
  EXPECT_TRUE(t->Contains(a));
  EXPECT_TRUE(t->Contains(b));
  EXPECT_FALSE(t->Contains(out));
  EXPECT_EQ(t->Owner(a), AddressTable::kNoClient);
  t->Set(a, 7);
  t->Set(b, 0);
  EXPECT_EQ(t->Owner(a), 7u);
  EXPECT_EQ(t->Owner(b), 0u);
  t->Clear(a, 8);  // not the holder: no effect
  EXPECT_EQ(t->Owner(a), 7u);
  t->Clear(a, 7);
  EXPECT_EQ(t->Owner(a), AddressTable::kNoClient);

  auto overlap = AddressTable::Create({*ParseAddressRange("198.18.0.1-198.18.0.10"),
                                       *ParseAddressRange("198.18.0.10-198.18.0.20")});
  EXPECT_FALSE(overlap.ok());
  EXPECT_FALSE(AddressTable::Create({}).ok());
}

}  // namespace
}  // namespace dpdhcp::dhcpgen
