// The server commands over a MemoryServerState: every command's argument
// errors (one table), Kea's answer shapes, and the lease, statistic and
// configuration behaviours.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "dpdhcp/control/commands.h"
#include "dpdhcp/control/lease_json.h"
#include "test_state.h"

namespace dpdhcp::control {
namespace {

using testing::kTestNow;

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = testing::MakeTestState();
    ASSERT_TRUE(RegisterServerCommands(registry_, *state_).ok());
  }
  Answer Run(const std::string& command, const Json& args = nullptr) {
    return registry_.Execute(command, args);
  }
  int64_t Stat(const std::string& name) {
    const Answer a = Run("statistic-get", Json{{"name", name}});
    EXPECT_EQ(a.result, Result::kSuccess);
    if (!a.arguments.contains(name)) return -1;
    return a.arguments[name][0][0].get<int64_t>();
  }

  std::unique_ptr<MemoryServerState> state_;
  CommandRegistry registry_;
};

// ---- Argument errors: one row per mistake ----

struct ArgCase {
  const char* command;
  const char* arguments;  // JSON text, or nullptr for none
  int result;
  const char* text;  // expected substring of the answer's text
};

class ArgumentErrorTest : public CommandsTest, public ::testing::WithParamInterface<ArgCase> {};

TEST_P(ArgumentErrorTest, AnswersAClearError) {
  const ArgCase& c = GetParam();
  const Json args = c.arguments == nullptr ? Json(nullptr) : Json::parse(c.arguments);
  const Answer a = Run(c.command, args);
  EXPECT_EQ(static_cast<int>(a.result), c.result) << a.text;
  EXPECT_NE(a.text.find(c.text), std::string::npos) << "text: " << a.text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ArgumentErrorTest,
    ::testing::Values(
        ArgCase{"version-get", R"({"x": 1})", 1, "version-get: takes no arguments (got \"x\")"},
        ArgCase{"status-get", R"({"verbose": true})", 1, "takes no arguments"},
        ArgCase{"statistic-get", nullptr, 1, "statistic-get: missing \"arguments\" map"},
        ArgCase{"statistic-get", R"({})", 1, "missing \"name\" argument"},
        ArgCase{"statistic-get", R"({"name": 5})", 1, "\"name\" must be a string, not a number"},
        ArgCase{"statistic-get", R"({"name": "a", "nam": "b"})", 1, "unknown argument \"nam\""},
        ArgCase{"statistic-reset", R"({"name": "no-such"})", 1, "No 'no-such' statistic found"},
        ArgCase{"statistic-reset", R"({"name": "subnet[1].assigned-addresses"})", 1, "cannot be reset"},
        ArgCase{"statistic-reset-all", R"({"name": "x"})", 1, "takes no arguments"},
        ArgCase{"stat-lease4-get", R"({"subnet-id": "1"})", 1, "\"subnet-id\" must be an integer from 1"},
        ArgCase{"stat-lease4-get", R"({"subnet-id": 0})", 1, "must be an integer from 1"},
        ArgCase{"stat-lease4-get", R"({"subnet-id": 1, "subnet-range": {"first-subnet-id": 1}})", 1,
                "not both"},
        ArgCase{"stat-lease4-get", R"({"subnet-range": {"last-subnet-id": 2}})", 1,
                "missing \"first-subnet-id\""},
        ArgCase{"stat-lease4-get", R"({"subnet-range": {"first-subnet-id": 5, "last-subnet-id": 2}})", 1,
                "below"},
        ArgCase{"stat-lease4-get", R"({"subnet-id": 99})", 3, "no matching data"},
        ArgCase{"stat-pool4-get", R"({"subnet-id": -1})", 1, "must be an integer"},
        ArgCase{"lease4-get", nullptr, 1, "lease4-get: missing \"arguments\" map"},
        ArgCase{"lease4-get", R"({})", 1, "missing \"ip-address\""},
        ArgCase{"lease4-get", R"({"ip-address": "198.18.0.300"})", 1, "is not an IPv4 address"},
        ArgCase{"lease4-get", R"({"ip-address": 3232235777})", 1, "\"ip-address\" must be a string"},
        ArgCase{"lease4-get", R"({"ip-address": "198.18.0.100", "subnet-id": 1})", 1, "give either"},
        ArgCase{"lease4-get", R"({"identifier-type": "duid", "identifier": "01:02", "subnet-id": 1})", 1,
                "\"duid\" is not supported"},
        ArgCase{"lease4-get", R"({"identifier-type": "mac", "identifier": "01:02", "subnet-id": 1})", 1,
                "is not an identifier type"},
        ArgCase{"lease4-get", R"({"identifier-type": "hw-address", "identifier": "zz", "subnet-id": 1})", 1,
                "is not hex bytes"},
        ArgCase{"lease4-get", R"({"identifier-type": "hw-address", "identifier": "0a:00:01:00:00:00"})", 1,
                "missing \"subnet-id\""},
        ArgCase{"lease4-get", R"({"ip-address": "198.18.0.99"})", 3, "Lease not found."},
        ArgCase{"lease4-get-all", R"({"subnets": 1})", 1, "\"subnets\" must be a list"},
        ArgCase{"lease4-get-all", R"({"subnets": ["1"]})", 1, "must hold integers"},
        ArgCase{"lease4-get-page", R"({"limit": 10})", 1, "missing \"from\""},
        ArgCase{"lease4-get-page", R"({"from": "start"})", 1, "missing \"limit\""},
        ArgCase{"lease4-get-page", R"({"from": "start", "limit": 0})", 1, "\"limit\" must be an integer from 1"},
        ArgCase{"lease4-get-page", R"({"from": "start", "limit": 1.5})", 1, "\"limit\" must be an integer"},
        ArgCase{"lease4-get-page", R"({"from": "end", "limit": 5})", 1, "\"from\" must be \"start\" or an IPv4"},
        ArgCase{"lease4-get-page", R"({"from": "250.0.0.0", "limit": 5})", 3, "0 IPv4 lease(s) found."},
        ArgCase{"lease4-get-by-hw-address", R"({"hw-address": ""})", 1, "is not hex bytes"},
        ArgCase{"lease4-get-by-hw-address", R"({"hw": "0a"})", 1, "unknown argument \"hw\""},
        ArgCase{"lease4-get-by-client-id", R"({"client-id": "01"})", 1, "must have 2 to 255 bytes"},
        ArgCase{"lease4-get-by-client-id", R"({"client-id": "01:99:99"})", 3, "0 IPv4 lease(s) found."},
        ArgCase{"lease4-add", R"({"hw-address": "0a:0b:0c:0d:0e:0f"})", 1, "missing \"ip-address\""},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5"})", 1, "missing \"hw-address\""},
        ArgCase{"lease4-add", R"({"ip-address": "192.0.2.1", "hw-address": "0a:0b:0c:0d:0e:0f"})", 1,
                "is in no configured subnet"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f", "subnet-id": 2})",
                1, "is not in subnet 2"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f", "subnet-id": 7})",
                1, "7 is not a configured subnet"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f", "state": 3})", 1,
                "\"state\" must be an integer from 0 to 2"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f", "valid-lft": 0})",
                1, "\"valid-lft\" must be an integer from 1"},
        ArgCase{"lease4-add",
                R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f", "cltt": 1, "expire": 5000})", 1,
                "not both"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f", "fqdn-fwd": "yes"})",
                1, "\"fqdn-fwd\" must be true or false"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f", "user-context": 1})",
                1, "\"user-context\" must be a map"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f", "force-create": true})",
                1, "unknown argument \"force-create\""},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.5", "hw-address": "0a:0b:0c:0d:0e:0f"})", 1,
                "198.18.0.5 is not in a pool of subnet 1"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.100", "hw-address": "0a:0b:0c:0d:0e:0f"})", 1,
                "a lease for 198.18.0.100 already exists"},
        ArgCase{"lease4-add", R"({"ip-address": "198.18.0.250", "hw-address": "0a:00:01:00:00:00"})", 1,
                "already holds 198.18.0.100"},
        ArgCase{"lease4-update", R"({"ip-address": "198.18.0.250", "hw-address": "0a:0b:0c:0d:0e:0f"})", 3,
                "no lease for 198.18.0.250"},
        ArgCase{"lease4-update", R"({"ip-address": "198.18.0.250", "hw-address": "0a:0b", "force-create": 1})", 1,
                "\"force-create\" must be true or false"},
        ArgCase{"lease4-del", R"({})", 1, "missing \"ip-address\""},
        ArgCase{"lease4-del", R"({"ip-address": "198.18.0.250"})", 3, "IPv4 lease not found."},
        ArgCase{"lease4-wipe", R"({"subnet-id": 8})", 1, "8 is not a configured subnet"},
        ArgCase{"lease4-wipe", R"({"subnet-id": "all"})", 1, "must be an integer"},
        ArgCase{"leases-reclaim", nullptr, 1, "missing \"arguments\" map"},
        ArgCase{"leases-reclaim", R"({})", 1, "missing \"remove\" argument"},
        ArgCase{"leases-reclaim", R"({"remove": "yes"})", 1, "\"remove\" must be true or false"},
        ArgCase{"config-get", R"({"x": 1})", 1, "takes no arguments"},
        ArgCase{"config-test", nullptr, 1, "missing \"arguments\""},
        ArgCase{"config-test", R"({"Dhcp6": {}})", 1, "must hold \"Dhcp4\""},
        ArgCase{"config-test", R"({"Dhcp4": {"subnet4": [{"id": 1, "subnet": "10.0.0.0/8", "pools": [{"pool": "10.0.0.9 - 10.0.0.1"}]}]}})",
                1, "Dhcp4.subnet4[0].pools[0]"},
        ArgCase{"config-set", R"({"Dhcp4": {"valid-lifetime": "long"}})", 1, "Dhcp4.valid-lifetime"},
        ArgCase{"config-reload", nullptr, 1, "not started from a configuration file"},
        ArgCase{"shutdown", R"({"exit-value": 300})", 1, "\"exit-value\" must be an integer from 0 to 255"},
        ArgCase{"lease6-get", R"({})", 2, "'lease6-get' command not supported"}));

// ---- Answer shapes ----

TEST_F(CommandsTest, ListCommandsHasEveryCommand) {
  const Answer a = Run("list-commands");
  const std::set<std::string> names(a.arguments.begin(), a.arguments.end());
  for (const char* c :
       {"list-commands", "version-get", "status-get", "statistic-get", "statistic-get-all",
        "statistic-reset", "statistic-reset-all", "stat-lease4-get", "stat-pool4-get",
        "stat-worker4-get", "lease4-get", "lease4-get-all", "lease4-get-page",
        "lease4-get-by-hw-address", "lease4-get-by-client-id", "lease4-add", "lease4-update",
        "lease4-del", "lease4-wipe", "leases-reclaim", "config-get", "config-test", "config-set",
        "config-reload", "shutdown"}) {
    EXPECT_TRUE(names.contains(c)) << c;
  }
  EXPECT_EQ(names.size(), 25u);
}

TEST_F(CommandsTest, ReadCommandsAreMarkedRead) {
  for (const CommandInfo* c : registry_.Commands()) {
    const bool write = c->name.starts_with("lease4-add") || c->name == "lease4-update" ||
                       c->name == "lease4-del" || c->name == "lease4-wipe" ||
                       c->name == "leases-reclaim" || c->name.starts_with("statistic-reset") ||
                       c->name == "config-set" || c->name == "config-reload" || c->name == "shutdown";
    EXPECT_EQ(c->access, write ? Access::kWrite : Access::kRead) << c->name;
    EXPECT_FALSE(c->help.empty()) << c->name;
  }
}

TEST_F(CommandsTest, Lease4GetHasKeaLeaseShape) {
  const Answer a = Run("lease4-get", Json{{"ip-address", "198.18.0.101"}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  EXPECT_EQ(a.text, "IPv4 lease found.");
  const Json expected = {{"ip-address", "198.18.0.101"}, {"hw-address", "0a:00:01:00:00:01"},
                         {"valid-lft", 3600},            {"cltt", kTestNow - 600},
                         {"subnet-id", 1},               {"state", 0},
                         {"hostname", ""},               {"fqdn-fwd", false},
                         {"fqdn-rev", false}};
  EXPECT_EQ(a.arguments, expected);
}

TEST_F(CommandsTest, Lease4GetByIdentifier) {
  Answer a = Run("lease4-get", Json{{"identifier-type", "hw-address"},
                                    {"identifier", "0a:00:02:00:00:03"},
                                    {"subnet-id", 2}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  EXPECT_EQ(a.arguments["ip-address"], "10.20.0.13");
  a = Run("lease4-get", Json{{"identifier-type", "hw-address"}, {"identifier", "0a:00:02:00:00:03"}, {"subnet-id", 1}});
  EXPECT_EQ(a.result, Result::kEmpty);
  a = Run("lease4-get", Json{{"identifier-type", "client-id"}, {"identifier", "01:02:00:00:00:00:05"}, {"subnet-id", 30}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  EXPECT_EQ(a.arguments["ip-address"], "100.64.0.15");
  EXPECT_EQ(a.arguments["client-id"], "01:02:00:00:00:00:05");
}

TEST_F(CommandsTest, DeclinedLeaseHasKeaState1) {
  const Answer a = Run("lease4-get", Json{{"ip-address", "198.18.0.240"}});
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.arguments["state"], kKeaStateDeclined);
  EXPECT_FALSE(a.arguments.contains("client-id"));
}

TEST_F(CommandsTest, GetAllFiltersSubnetsAndSortsByAddress) {
  Answer a = Run("lease4-get-all");
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.text, "154 IPv4 lease(s) found.");
  a = Run("lease4-get-all", Json{{"subnets", {2, 30}}});
  ASSERT_EQ(a.arguments["leases"].size(), 32u);
  EXPECT_EQ(a.arguments["leases"][0]["ip-address"], "10.20.0.10");
  EXPECT_EQ(a.arguments["leases"][31]["ip-address"], "100.64.0.27");
}

TEST_F(CommandsTest, GetPageWalksEveryLeaseOnce) {
  std::string from = "start";
  std::set<std::string> seen;
  size_t pages = 0;
  for (;;) {
    const Answer a = Run("lease4-get-page", Json{{"from", from}, {"limit", 50}});
    if (a.result == Result::kEmpty) break;
    ASSERT_EQ(a.result, Result::kSuccess) << a.text;
    ++pages;
    const Json& leases = a.arguments["leases"];
    EXPECT_EQ(a.arguments["count"], leases.size());
    for (const Json& l : leases) EXPECT_TRUE(seen.insert(l["ip-address"]).second);
    from = leases.back()["ip-address"];
  }
  EXPECT_EQ(seen.size(), 154u);
  EXPECT_EQ(pages, 4u);
  const Answer sub = Run("lease4-get-page", Json{{"from", "start"}, {"limit", 100}, {"subnets", {30}}});
  EXPECT_EQ(sub.arguments["count"], 18);
}

TEST_F(CommandsTest, ByHwAddressAndClientId) {
  Answer a = Run("lease4-get-by-hw-address", Json{{"hw-address", "0A-00-01-00-00-07"}});
  ASSERT_EQ(a.result, Result::kSuccess);
  ASSERT_EQ(a.arguments["leases"].size(), 1u);
  EXPECT_EQ(a.arguments["leases"][0]["ip-address"], "198.18.0.107");
  a = Run("lease4-get-by-client-id", Json{{"client-id", "01020000000011"}});
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.arguments["leases"][0]["ip-address"], "100.64.0.27");
}

TEST_F(CommandsTest, AddGetUpdateDeleteRoundTrip) {
  Answer a = Run("lease4-add", Json{{"ip-address", "198.18.0.230"},
                                    {"hw-address", "02:00:00:00:00:01"},
                                    {"valid-lft", 600},
                                    {"hostname", "cpe.example."}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  EXPECT_EQ(a.text, "Lease for address 198.18.0.230, subnet-id 1 added. (not stored: hostname)");
  a = Run("lease4-get", Json{{"ip-address", "198.18.0.230"}});
  EXPECT_EQ(a.arguments["valid-lft"], 600);
  EXPECT_EQ(a.arguments["cltt"], kTestNow);
  EXPECT_EQ(Stat("subnet[1].assigned-addresses"), 121);
  EXPECT_EQ(Stat("subnet[1].cumulative-assigned-addresses"), 121);

  a = Run("lease4-update", Json{{"ip-address", "198.18.0.230"}, {"hw-address", "02:00:00:00:00:02"}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  a = Run("lease4-get", Json{{"ip-address", "198.18.0.230"}});
  EXPECT_EQ(a.arguments["hw-address"], "02:00:00:00:00:02");
  EXPECT_EQ(a.arguments["valid-lft"], 3600);  // the subnet's, as none was given
  EXPECT_EQ(Run("lease4-get-by-hw-address", Json{{"hw-address", "02:00:00:00:00:01"}}).result, Result::kEmpty);

  a = Run("lease4-del", Json{{"identifier-type", "hw-address"}, {"identifier", "02:00:00:00:00:02"}, {"subnet-id", 1}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  EXPECT_EQ(a.text, "IPv4 lease deleted.");
  EXPECT_EQ(Run("lease4-get", Json{{"ip-address", "198.18.0.230"}}).result, Result::kEmpty);
  EXPECT_EQ(Stat("subnet[1].assigned-addresses"), 120);
  // The address is free again: it can be added for someone else.
  EXPECT_EQ(Run("lease4-add", Json{{"ip-address", "198.18.0.230"}, {"hw-address", "02:00:00:00:00:03"}}).result,
            Result::kSuccess);
}

TEST_F(CommandsTest, UpdateForceCreateAddsAndRefusedUpdateChangesNothing) {
  Answer a = Run("lease4-update", Json{{"ip-address", "10.20.1.200"}, {"hw-address", "02:00:00:00:00:09"},
                                       {"force-create", true}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  // Moving 10.20.1.200 to a client that already holds another address fails
  // and leaves the lease as it was.
  a = Run("lease4-update", Json{{"ip-address", "10.20.1.200"}, {"hw-address", "0a:00:02:00:00:00"}});
  EXPECT_EQ(a.result, Result::kError);
  EXPECT_NE(a.text.find("already holds 10.20.0.10"), std::string::npos) << a.text;
  EXPECT_EQ(Run("lease4-get", Json{{"ip-address", "10.20.1.200"}}).arguments["hw-address"], "02:00:00:00:00:09");
}

TEST_F(CommandsTest, AddWithClientIdKeysByIt) {
  const Answer a = Run("lease4-add", Json{{"ip-address", "100.64.0.29"}, {"hw-address", "02:00:00:00:00:aa"},
                                          {"client-id", "ff:00:01"}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  const Answer g = Run("lease4-get-by-client-id", Json{{"client-id", "ff:00:01"}});
  ASSERT_EQ(g.result, Result::kSuccess);
  EXPECT_EQ(g.arguments["leases"][0]["ip-address"], "100.64.0.29");
}

TEST_F(CommandsTest, WipeRemovesOneSubnet) {
  Answer a = Run("lease4-wipe", Json{{"subnet-id", 2}});
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.text, "Deleted 14 IPv4 lease(s) from subnet(s) 2");
  EXPECT_EQ(Run("lease4-get-all", Json{{"subnets", {2}}}).result, Result::kEmpty);
  EXPECT_EQ(Stat("subnet[2].assigned-addresses"), 0);
  EXPECT_EQ(Run("lease4-wipe", Json{{"subnet-id", 2}}).result, Result::kEmpty);
  a = Run("lease4-wipe");
  EXPECT_EQ(a.text, "Deleted 140 IPv4 lease(s) from all subnets");
}

TEST_F(CommandsTest, ReclaimExpiresAndRemoves) {
  state_->SetNow(kTestNow + 3001);  // every test lease has expired
  Answer a = Run("leases-reclaim", Json{{"remove", false}});
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  EXPECT_EQ(a.arguments["reclaimed"], 154);
  EXPECT_EQ(Stat("subnet[1].assigned-addresses"), 0);
  EXPECT_EQ(Stat("subnet[1].reclaimed-leases"), 120);
  EXPECT_EQ(Stat("reclaimed-declined-addresses"), 2);
  // Kept as affinity hints (Kea state 2), gone from the address index.
  a = Run("lease4-get-by-hw-address", Json{{"hw-address", "0a:00:01:00:00:00"}});
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.arguments["leases"][0]["state"], kKeaStateExpiredReclaimed);
  EXPECT_EQ(Run("lease4-get", Json{{"ip-address", "198.18.0.100"}}).result, Result::kEmpty);
  EXPECT_EQ(Run("leases-reclaim", Json{{"remove", true}}).arguments["reclaimed"], 0);
}

TEST_F(CommandsTest, StatisticsHaveKeaShape) {
  const Answer a = Run("statistic-get-all");
  ASSERT_EQ(a.result, Result::kSuccess);
  const Json& s = a.arguments;
  EXPECT_EQ(s["pkt4-received"], Json::parse(R"([[2500, "2023-11-14 22:13:20.000000"]])"));
  EXPECT_EQ(s["pkt4-ack-sent"][0][0], 1400);
  EXPECT_EQ(s["drop-bad-udp-checksum"][0][0], 20);
  EXPECT_EQ(s["drop-no-subnet"][0][0], 1);
  EXPECT_EQ(s["subnet[1].total-addresses"][0][0], 151);
  EXPECT_EQ(s["subnet[1].assigned-addresses"][0][0], 120);
  EXPECT_EQ(s["subnet[1].declined-addresses"][0][0], 2);
  EXPECT_EQ(s["subnet[2].pool[1].total-addresses"][0][0], 256);
  EXPECT_EQ(s["subnet[2].pool[0].assigned-addresses"][0][0], 9);
  EXPECT_FALSE(s.contains("none"));
  // statistic-get: one entry; an unknown name is an empty map, as in Kea.
  EXPECT_EQ(Stat("pkt4-offer-sent"), 1000);
  const Answer unknown = Run("statistic-get", Json{{"name", "pkt4-bogus"}});
  EXPECT_EQ(unknown.result, Result::kSuccess);
  EXPECT_EQ(unknown.arguments, Json::object());
}

TEST_F(CommandsTest, StatisticResetUsesABaseline) {
  ASSERT_EQ(Run("statistic-reset", Json{{"name", "pkt4-received"}}).text, "Statistic 'pkt4-received' reset.");
  EXPECT_EQ(Stat("pkt4-received"), 0);
  EXPECT_EQ(Stat("pkt4-ack-sent"), 1400);
  state_->counters(1).Add(stats::Counter::kPktReceived, 7);
  EXPECT_EQ(Stat("pkt4-received"), 7);
  const Answer workers = Run("stat-worker4-get");
  const Json& cols = workers.arguments["result-set"]["columns"];
  const auto col = std::find(cols.begin(), cols.end(), "pkt4-received") - cols.begin();
  EXPECT_EQ(workers.arguments["result-set"]["rows"][0][col], 0);
  EXPECT_EQ(workers.arguments["result-set"]["rows"][1][col], 7);
  ASSERT_EQ(Run("statistic-reset-all").result, Result::kSuccess);
  EXPECT_EQ(Stat("pkt4-ack-sent"), 0);
  EXPECT_EQ(Stat("drop-bad-udp-checksum"), 0);
  EXPECT_EQ(Stat("subnet[1].assigned-addresses"), 120);  // gauges stay
}

TEST_F(CommandsTest, StatLease4GetResultSet) {
  const Answer a = Run("stat-lease4-get");
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.text, "stat-lease4-get: 3 rows found");
  const Json& rs = a.arguments["result-set"];
  EXPECT_EQ(rs["columns"], Json::parse(R"(["subnet-id", "total-addresses", "cumulative-assigned-addresses",
                                             "assigned-addresses", "declined-addresses"])"));
  EXPECT_EQ(rs["rows"], Json::parse("[[1, 151, 120, 120, 2], [2, 266, 14, 14, 0], [30, 20, 18, 18, 0]]"));
  EXPECT_EQ(rs["timestamp"], "2023-11-14 22:13:20.000000");
  const Answer one = Run("stat-lease4-get", Json{{"subnet-id", 30}});
  EXPECT_EQ(one.arguments["result-set"]["rows"].size(), 1u);
  const Answer range = Run("stat-lease4-get", Json{{"subnet-range", {{"first-subnet-id", 2}}}});
  EXPECT_EQ(range.arguments["result-set"]["rows"].size(), 2u);
}

TEST_F(CommandsTest, StatPool4GetRows) {
  const Answer a = Run("stat-pool4-get", Json{{"subnet-id", 2}});
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.arguments["result-set"]["rows"],
            Json::parse(R"([[2, "10.20.0.0/16", 0, "10.20.0.10-10.20.0.19", 10, 9, 0, 1],
                            [2, "10.20.0.0/16", 1, "10.20.1.0-10.20.1.255", 256, 5, 0, 251]])"));
}

TEST_F(CommandsTest, StatusAndVersion) {
  ServerStatus st;
  st.workers = 2;
  st.ports.push_back(PortStatus{"net_null0", "net_null", "02:00:00:00:00:01", true, 10000, 2, 2});
  st.queues.push_back(QueueAssignment{1, "net_null0", 1});
  st.durability = DurabilityStatus{"strict", "ok", 42, 3};
  state_->SetStatus(st);
  state_->SetNow(kTestNow + 90);
  const Answer a = Run("status-get");
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.arguments["uptime"], 90);
  EXPECT_EQ(a.arguments["thread-pool-size"], 2);
  EXPECT_EQ(a.arguments["dpdhcp"]["ports"][0]["name"], "net_null0");
  EXPECT_EQ(a.arguments["dpdhcp"]["queues"][0]["worker"], 1);
  EXPECT_EQ(a.arguments["dpdhcp"]["durability"]["durable-sequence"], 42);
  const Answer v = Run("version-get");
  EXPECT_EQ(v.text, Version());
  EXPECT_TRUE(v.arguments["extended"].is_string());
}

TEST_F(CommandsTest, ConfigGetTestSetKeepLeases) {
  Answer a = Run("config-get");
  ASSERT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.arguments["Dhcp4"]["subnet4"].size(), 3u);
  Json next = a.arguments;
  next["Dhcp4"]["valid-lifetime"] = 900;
  next["Dhcp4"]["subnet4"].erase(2);  // drop subnet 30
  EXPECT_EQ(Run("config-test", next).text, "Configuration seems sane.");
  EXPECT_EQ(state_->GetConfig()->valid_lifetime, 3600u);  // not applied
  a = Run("config-set", next);
  ASSERT_EQ(a.result, Result::kSuccess) << a.text;
  // Subnet 30's 18 leases now hold addresses outside every pool: reported.
  EXPECT_EQ(a.text,
            "Configuration successful. 18 lease(s) hold an address outside every pool; kept "
            "until they expire");
  EXPECT_EQ(Run("config-get").arguments["Dhcp4"]["valid-lifetime"], 900);
  EXPECT_EQ(Stat("subnet[1].assigned-addresses"), 120);
  EXPECT_EQ(Run("lease4-get", Json{{"ip-address", "198.18.0.150"}}).result, Result::kSuccess);
  // The claims moved to the new address space: the address is still taken.
  EXPECT_EQ(Run("lease4-add", Json{{"ip-address", "198.18.0.150"}, {"hw-address", "02:00:00:00:00:77"}}).result,
            Result::kError);
}

TEST(CommandsReloadTest, ConfigReloadReadsTheFileAndNamesThePathOfAnError) {
  testing::TempDir dir;
  const std::string path = dir.File("dpdhcp.json");
  std::ofstream(path) << "// comments are allowed\n" << testing::TestConfig();
  auto state = testing::MakeTestState(path);
  CommandRegistry registry;
  ASSERT_TRUE(RegisterServerCommands(registry, *state).ok());
  EXPECT_EQ(registry.Execute("config-reload", nullptr).text, "Configuration successful.");
  EXPECT_EQ(registry.Execute("config-get", nullptr).arguments["Dhcp4"]["subnet4"].size(), 3u);
  std::string bad = testing::TestConfig();
  bad.replace(bad.find("\"valid-lifetime\": 3600"), 22, "\"valid-lifetime\": -1");
  std::ofstream(path, std::ios::trunc) << bad;
  const Answer a = registry.Execute("config-reload", nullptr);
  EXPECT_EQ(a.result, Result::kError);
  EXPECT_NE(a.text.find("Dhcp4.valid-lifetime"), std::string::npos) << a.text;
  EXPECT_EQ(state->GetConfig()->valid_lifetime, 3600u);
}

TEST_F(CommandsTest, ShutdownCallsBackWithTheExitValue) {
  int got = -1;
  state_->SetShutdownCallback([&](int v) { got = v; });
  const Answer a = Run("shutdown", Json{{"exit-value", 3}});
  EXPECT_EQ(a.text, "Shutting down.");
  EXPECT_EQ(got, 3);
  EXPECT_TRUE(state_->shutdown_requested());
}

}  // namespace
}  // namespace dpdhcp::control
