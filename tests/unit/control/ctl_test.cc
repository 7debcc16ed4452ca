// dpdhcpctl, run as a subprocess against an in-process control server over
// the fixed test state (test_state.h): table layouts byte for byte, exit
// codes, and the Prometheus text checked by a strict parser (and promtool
// when it is installed).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "ctl.h"
#include "dpdhcp/control/commands.h"
#include "dpdhcp/control/socket_server.h"
#include "test_state.h"

namespace dpdhcp::ctl {
namespace {

using control::Json;

struct CtlRun {
  int exit_code = -1;
  std::string out, err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("DPDHCPCTL");
    ASSERT_NE(bin, nullptr) << "DPDHCPCTL is not set (meson test sets it)";
    binary_ = bin;
    state_ = control::testing::MakeTestState();
    ASSERT_TRUE(control::RegisterServerCommands(registry_, *state_).ok());
    control::ControlServerOptions o;
    o.path = dir_.File("control.sock");
    server_ = std::make_unique<control::ControlServer>(registry_, o);
    ASSERT_TRUE(server_->Start().ok());
  }

  // dpdhcpctl --socket <test socket> args...
  CtlRun Ctl(const std::vector<std::string>& args, bool with_socket = true) {
    std::string cmd = Quote(binary_);
    if (with_socket) cmd += " --socket " + Quote(server_->path());
    for (const std::string& a : args) cmd += " " + Quote(a);
    const std::string out = dir_.File("out"), err = dir_.File("err");
    cmd += " >" + Quote(out) + " 2>" + Quote(err) + " </dev/null";
    const int status = std::system(cmd.c_str());
    CtlRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  control::testing::TempDir dir_;
  std::string binary_;
  std::unique_ptr<control::MemoryServerState> state_;
  control::CommandRegistry registry_;
  std::unique_ptr<control::ControlServer> server_;
};

constexpr const char* kPoolsById =
    "SUBNET / POOL                         TOTAL ASSIGNED DECLINED     FREE   UTIL\n"
    "1 198.18.0.0/24                         151      120        2       29  80.8%\n"
    "  198.18.0.100-198.18.0.250             151      120        2       29  80.8%\n"
    "2 10.20.0.0/16                          266       14        0      252   5.3%\n"
    "  10.20.0.10-10.20.0.19                  10        9        0        1  90.0% !\n"
    "  10.20.1.0-10.20.1.255                 256        5        0      251   2.0%\n"
    "30 100.64.0.0/22                         20       18        0        2  90.0% !\n"
    "  100.64.0.10-100.64.0.29                20       18        0        2  90.0% !\n"
    "-----------------------------------------------------------------------------\n"
    "TOTAL (3 subnets, 4 pools)              437      152        2      283  35.2%\n";

TEST_F(CtlTest, PoolsTableGolden) {
  const CtlRun r = Ctl({"pools"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kPoolsById);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 80u) << line;
}

TEST_F(CtlTest, PoolsSortAndWarn) {
  CtlRun r = Ctl({"pools", "--sort", "util", "--warn", "85"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> v;
  for (std::string line; std::getline(lines, line);) v.push_back(line);
  ASSERT_EQ(v.size(), 10u);
  EXPECT_TRUE(v[1].starts_with("30 100.64.0.0/22")) << v[1];
  EXPECT_TRUE(v[3].starts_with("1 198.18.0.0/24")) << v[3];
  EXPECT_TRUE(v[5].starts_with("2 10.20.0.0/16")) << v[5];
  EXPECT_TRUE(v[6].starts_with("  10.20.0.10-10.20.0.19")) << v[6];  // fullest pool first

  r = Ctl({"pools", "--sort", "free", "--warn", "0"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find('!'), std::string::npos);
  EXPECT_NE(r.out.find("30 100.64.0.0/22"), std::string::npos);
  EXPECT_LT(r.out.find("30 100.64.0.0/22"), r.out.find("1 198.18.0.0/24"));

  r = Ctl({"pools", "--subnet", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["result-set"]["rows"].size(), 2u);
}

TEST_F(CtlTest, StatsTable) {
  const CtlRun r = Ctl({"stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PACKET COUNTERS                       worker 0    worker 1       total\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("pkt4-received                             1500        1000        2500\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("drop-bad-udp-checksum                       12           8          20\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("drop-no-subnet                               0           1           1\n"), std::string::npos);
  EXPECT_EQ(r.out.find("pkt4-inform-received"), std::string::npos);  // zero: hidden
  EXPECT_EQ(r.out.find("drop-ip-fragment"), std::string::npos);
  const CtlRun all = Ctl({"stats", "--all"});
  EXPECT_NE(all.out.find("pkt4-inform-received"), std::string::npos);
  EXPECT_NE(all.out.find("drop-ip-fragment"), std::string::npos);
}

TEST_F(CtlTest, LeaseGetByIpMacAndClientId) {
  CtlRun r = Ctl({"lease", "get", "198.18.0.105"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ip-address   198.18.0.105\n"
            "hw-address   0a:00:01:00:00:05\n"
            "subnet-id    1\n"
            "state        0 (assigned)\n"
            "cltt         1699999400 (2023-11-14 22:03:20 UTC)\n"
            "valid-lft    3600\n"
            "expires      2023-11-14 23:03:20 UTC\n");
  r = Ctl({"lease", "get", "0a:00:02:00:00:03"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ip-address   10.20.0.13\n"), std::string::npos);
  r = Ctl({"lease", "get", "01:02:00:00:00:00:04", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["leases"][0]["ip-address"], "100.64.0.14");
  r = Ctl({"lease", "get", "0a:00:02:00:00:03", "--subnet", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Ctl({"lease", "get", "0a:00:02:00:00:03", "--subnet", "1"});
  EXPECT_EQ(r.exit_code, 3);
  r = Ctl({"lease", "get", "198.18.0.99"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("no lease for 198.18.0.99"), std::string::npos);
  r = Ctl({"lease", "get", "not-an-address"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(CtlTest, LeaseListPagesAndFilters) {
  CtlRun r = Ctl({"lease", "list", "--subnet", "30", "--page-size", "7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> v;
  for (std::string line; std::getline(lines, line);) v.push_back(line);
  ASSERT_EQ(v.size(), 19u);
  EXPECT_EQ(v[0], "ADDRESS         HW-ADDRESS         SUBNET  STATE     EXPIRES (UTC)");
  EXPECT_EQ(v[1], "100.64.0.10     0a:00:1e:00:00:00      30  assigned  2023-11-14 23:03:20");
  EXPECT_EQ(v[18].substr(0, 16), "100.64.0.27     ");
  r = Ctl({"lease", "list", "--from", "198.18.0.200", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["count"], 21);  // after .200: .201-.219 bound, .240-.241 declined
  EXPECT_EQ(j["leases"][20]["state"], 1);
  r = Ctl({"lease", "list", "--from", "250.0.0.0"});
  EXPECT_EQ(r.exit_code, 3);
}

TEST_F(CtlTest, LeaseDel) {
  CtlRun r = Ctl({"lease", "del", "198.18.0.105"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "IPv4 lease deleted.\n");
  r = Ctl({"lease", "del", "198.18.0.105"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(Ctl({"lease", "get", "198.18.0.105"}).exit_code, 3);
  EXPECT_EQ(Ctl({"lease", "del", "0a:00:01:00:00:05"}).exit_code, 2);
}

// ---- metrics ----

// The text exposition format 0.0.4, checked line by line: comments are HELP
// or TYPE, a family's TYPE comes once and before its samples, names and
// labels are well formed, values parse, and no series repeats.
std::vector<std::string> CheckExposition(const std::string& text) {
  std::vector<std::string> problems;
  const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|[+-]Inf)$)");
  std::map<std::string, std::string> types;
  std::set<std::string> helped, sampled_families, series;
  std::istringstream lines(text);
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    ++n;
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      if (!helped.insert(m[1]).second) problems.push_back("second HELP for " + m[1].str());
    } else if (std::regex_match(line, m, type)) {
      if (types.contains(m[1])) problems.push_back("second TYPE for " + m[1].str());
      if (sampled_families.contains(m[1])) problems.push_back("TYPE after samples of " + m[1].str());
      types[m[1]] = m[2];
    } else if (std::regex_match(line, m, sample)) {
      const std::string name = m[1];
      if (!types.contains(name)) problems.push_back("sample without TYPE: " + name);
      if (types[name] == "counter" && !name.ends_with("_total")) problems.push_back("counter not _total: " + name);
      sampled_families.insert(name);
      const std::string key = line.substr(0, line.rfind(' '));
      if (!series.insert(key).second) problems.push_back("duplicate series " + key);
    } else {
      problems.push_back("line " + std::to_string(n) + " is malformed: " + line);
    }
  }
  if (!text.ends_with("\n")) problems.push_back("no final newline");
  return problems;
}

TEST_F(CtlTest, MetricsAreValidExposition) {
  const CtlRun r = Ctl({"metrics"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(CheckExposition(r.out), std::vector<std::string>{});
  for (const char* want : {
           "# TYPE dpdhcp_pkt4_received_total counter\n",
           "dpdhcp_pkt4_received_total{worker=\"0\"} 1500\n",
           "dpdhcp_pkt4_received_total{worker=\"1\"} 1000\n",
           "dpdhcp_drop_total{worker=\"1\",reason=\"no-subnet\"} 1\n",
           "dpdhcp_subnet_assigned_addresses{subnet=\"1\"} 120\n",
           "dpdhcp_subnet_cumulative_assigned_addresses_total{subnet=\"30\"} 18\n",
           "dpdhcp_pool_size{subnet=\"2\",pool=\"10.20.1.0-10.20.1.255\"} 256\n",
           "dpdhcp_pool_addresses{subnet=\"1\",pool=\"198.18.0.100-198.18.0.250\",state=\"assigned\"} 120\n",
           "dpdhcp_pool_addresses{subnet=\"1\",pool=\"198.18.0.100-198.18.0.250\",state=\"free\"} 29\n",
           "dpdhcp_workers 2\n",
       }) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want;
  }
  const char* promtool = std::getenv("PROMTOOL");
  if (promtool == nullptr) GTEST_SKIP() << "promtool not installed: checked by the test's parser only";
  const std::string file = dir_.File("metrics.prom");
  std::ofstream(file) << r.out;
  const std::string cmd = Quote(promtool) + " check metrics < " + Quote(file) + " > " +
                          Quote(dir_.File("promtool.out")) + " 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(dir_.File("promtool.out"));
}

TEST(MetricsParserTest, CatchesMalformedText) {
  EXPECT_FALSE(CheckExposition("x_total 1\n").empty());                                  // no TYPE
  EXPECT_FALSE(CheckExposition("# TYPE x counter\nx 1\n").empty());                      // not _total
  EXPECT_FALSE(CheckExposition("# TYPE x_total counter\nx_total{a=\"1} 1\n").empty());   // bad label
  EXPECT_FALSE(CheckExposition("# TYPE x gauge\nx 1\nx 2\n").empty());                   // duplicate
  EXPECT_FALSE(CheckExposition("# TYPE x gauge\nx one\n").empty());                      // value
  EXPECT_TRUE(CheckExposition("# HELP x a \\\\ b\n# TYPE x gauge\nx{l=\"a\\\"b\"} 1.5\n").empty());
}

TEST(MetricsRenderTest, EscapesLabelValues) {
  WorkerCounters c;
  PoolRow p;
  p.subnet_id = 1;
  p.range = "a\"b\\c";
  const std::string text = RenderMetrics(c, ResultSet{}, {p}, Json::object());
  EXPECT_NE(text.find(R"(pool="a\"b\\c")"), std::string::npos) << text;
  EXPECT_EQ(CheckExposition(text), std::vector<std::string>{});
}

// ---- watch ----

TEST_F(CtlTest, WatchPrintsScreensWithoutAnsiWhenPiped) {
  const CtlRun r = Ctl({"watch", "--interval", "0.05", "--count", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  size_t screens = 0;
  for (size_t at = r.out.find("RATES /s"); at != std::string::npos; at = r.out.find("RATES /s", at + 1)) ++screens;
  EXPECT_EQ(screens, 2u);
  for (const char* want : {"dpdhcpctl watch", "worker 0", "worker 1", "total",
                           "1 198.18.0.0/24               151       120        29   80.8%  [#############...]"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
}

TEST(WatchRenderTest, RatesPerSecond) {
  WorkerCounters before, after;
  before.names = after.names = {"pkt4-received", "pkt4-ack-sent", "pkt4-receive-drop"};
  before.values = {{100, 10, 0}, {0, 0, 0}};
  after.values = {{300, 50, 4}, {50, 0, 0}};
  const std::string s = RenderWatchScreen(before, after, 2.0, {}, "title");
  EXPECT_NE(s.find("worker 0           100.0         0.0        20.0         0.0         2.0\n"), std::string::npos) << s;
  EXPECT_NE(s.find("total              125.0         0.0        20.0         0.0         2.0\n"), std::string::npos) << s;
  // A counter that went down (statistic-reset) shows 0, not a huge rate.
  const std::string reset = RenderWatchScreen(after, before, 1.0, {}, "t");
  EXPECT_NE(reset.find("worker 0             0.0"), std::string::npos);
}

// ---- exit codes and help ----

TEST_F(CtlTest, EverySubcommandHasHelp) {
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"pools"}, {"stats"}, {"lease", "get"}, {"lease", "list"},
                                             {"lease", "del"}, {"watch"}, {"metrics"}, {"reload"},
                                             {"shutdown"}, {"status"}, {"command"}}) {
    std::vector<std::string> args = cmd;
    args.push_back("--help");
    const CtlRun r = Ctl(args);
    std::string name = cmd[0] + (cmd.size() > 1 ? " " + cmd[1] : "");
    EXPECT_EQ(r.exit_code, 0) << name;
    EXPECT_TRUE(r.out.starts_with("usage: dpdhcpctl " + name)) << r.out;
  }
  const CtlRun top = Ctl({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("pools"), std::string::npos);
}

TEST_F(CtlTest, UsageErrorsExit2) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {}, {"bogus"}, {"lease"}, {"lease", "get"}, {"pools", "--sort", "size"}, {"pools", "--warn"},
           {"pools", "--warn", "120"}, {"stats", "extra"}, {"stats", "--verbose"}, {"--timeout", "0", "stats"},
           {"watch", "--count", "x"}, {"command", "x", "[1]"}, {"lease", "list", "--from", "nowhere"}}) {
    const CtlRun r = Ctl(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
}

TEST_F(CtlTest, CannotConnectExits4) {
  const CtlRun r = Ctl({"--socket", dir_.File("nobody.sock"), "pools"}, /*with_socket=*/false);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no such socket"), std::string::npos) << r.err;
}

TEST_F(CtlTest, ReloadSendsTestThenSet) {
  CtlRun r = Ctl({"reload"});  // the test server has no file of its own
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not started from a configuration file"), std::string::npos) << r.err;

  const std::string bad = dir_.File("bad.json");
  std::string text = control::testing::TestConfig();
  std::ofstream(bad) << "# a comment\n"
                     << std::string(text).replace(text.find("\"valid-lifetime\": 3600"), 22,
                                                  "\"valid-lifetime\": \"x\"");
  r = Ctl({"reload", "--config", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Dhcp4.valid-lifetime"), std::string::npos) << r.err;
  EXPECT_EQ(state_->GetConfig()->valid_lifetime, 3600u);

  const std::string good = dir_.File("good.json");
  std::ofstream(good) << std::string(text).replace(text.find("\"valid-lifetime\": 3600"), 22,
                                                   "\"valid-lifetime\": 1800");
  r = Ctl({"reload", "--config", good});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Configuration successful.\n");
  EXPECT_EQ(state_->GetConfig()->valid_lifetime, 1800u);
  EXPECT_EQ(Ctl({"reload", "--config", dir_.File("missing.json")}).exit_code, 1);
}

TEST_F(CtlTest, StatusShutdownAndRawCommand) {
  CtlRun r = Ctl({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("workers        2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("durability     strict, none"), std::string::npos) << r.out;
  r = Ctl({"command", "stat-lease4-get", R"({"subnet-id": 30})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["arguments"]["result-set"]["rows"][0][0], 30);
  r = Ctl({"command", "lease6-get"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Json::parse(r.out)["result"], 2);
  int exit_value = -1;
  state_->SetShutdownCallback([&](int v) { exit_value = v; });
  r = Ctl({"shutdown", "--exit-value", "5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Shutting down.\n");
  EXPECT_EQ(exit_value, 5);
}

}  // namespace
}  // namespace dpdhcp::ctl
