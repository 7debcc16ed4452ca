// dpdhcpctl: the operator's view of a running dpdhcpd, over its control
// socket. Every subcommand is one or a few Kea-style commands (docs/control.md)
// turned into a table; --json prints the answers' arguments for scripts.
//
// Exit codes scripts can trust: 0 ok, 1 the command failed (result != 0 other
// than "empty"), 2 usage error, 3 not found (result 3), 4 cannot connect.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "ctl.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/control/client.h"
#include "dpdhcp/control/json_framer.h"

namespace dpdhcp::ctl {
namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitNotFound = 3, kExitNoConnect = 4;

// A usage error is an InvalidArgument status; Main prints it and exits 2.
using RunResult = absl::StatusOr<int>;
absl::Status Usage(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

#define DPDHCPCTL_CONCAT_INNER(a, b) a##b
#define DPDHCPCTL_CONCAT(a, b) DPDHCPCTL_CONCAT_INNER(a, b)
#define DPDHCPCTL_ASSIGN_OR_RETURN(lhs, expr) \
  DPDHCPCTL_ASSIGN_OR_RETURN_IMPL(DPDHCPCTL_CONCAT(ctl_or_, __LINE__), lhs, expr)
#define DPDHCPCTL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = *std::move(tmp)

struct Option {
  const char* name;  // without "--"
  const char* value;  // nullptr: a flag
  const char* help;
};

struct Parsed {
  std::map<std::string, std::string> options;
  std::vector<std::string> args;
  bool Has(const std::string& name) const { return options.contains(name); }
  std::string Get(const std::string& name, std::string fallback = "") const {
    const auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
};

struct Globals {
  std::string socket = std::string(control::kDefaultSocketPath);
  bool json = false;
  std::chrono::milliseconds timeout{10000};
};

struct Subcommand {
  const char* name;   // "pools", "lease get", ...
  const char* usage;  // after the name
  const char* summary;
  std::vector<Option> options;
  size_t min_args, max_args;
  std::function<RunResult(const Globals&, const Parsed&)> run;
};

const Option kGlobalOptions[] = {
    {"socket", "PATH", "control socket (default /run/dpdhcp/control.sock)"},
    {"json", nullptr, "print the answers' JSON arguments instead of tables"},
    {"timeout", "SECONDS", "how long to wait for an answer (default 10)"},
    {"help", nullptr, "show help"},
};


void PrintJson(const Json& j) { std::cout << control::DumpJson(j, 2) << "\n"; }

// One command over the socket. On failure prints why and sets *exit_code.
std::optional<control::Answer> Call(const Globals& g, std::string_view command, const Json& args,
                                    int* exit_code) {
  auto answer = control::SendCommand(g.socket, command, args, g.timeout);
  if (!answer.ok()) {
    std::cerr << "dpdhcpctl: " << answer.status().message() << "\n";
    *exit_code = absl::IsUnavailable(answer.status()) ? kExitNoConnect : kExitFailed;
    return std::nullopt;
  }
  return *std::move(answer);
}

int ExitFor(const control::Answer& a) {
  switch (a.result) {
    case control::Result::kSuccess:
      return kExitOk;
    case control::Result::kEmpty:
      return kExitNotFound;
    default:
      return kExitFailed;
  }
}

// Calls and requires result 0 (or 3 when allow_empty); prints the text of
// any other answer.
std::optional<control::Answer> CallOk(const Globals& g, std::string_view command, const Json& args,
                                      int* exit_code, bool allow_empty = false) {
  auto a = Call(g, command, args, exit_code);
  if (!a) return a;
  if (a->ok() || (allow_empty && a->result == control::Result::kEmpty)) return a;
  std::cerr << "dpdhcpctl: " << command << ": " << a->text << "\n";
  *exit_code = ExitFor(*a);
  return std::nullopt;
}

// An answer that does not read as the command's answer should: says why,
// exit 1.
int Malformed(const absl::Status& status) {
  std::cerr << "dpdhcpctl: " << status.message() << "\n";
  return kExitFailed;
}

// CallOk, then `parse` (a Parse* of ctl.h) over the answer's arguments: the
// value, or nullopt with *exit_code set and the reason printed.
template <class Parse>
auto Fetch(const Globals& g, std::string_view command, const Json& args, bool allow_empty,
           Parse parse, int* exit_code)
    -> std::optional<typename std::invoke_result_t<Parse, const Json&>::value_type> {
  const auto a = CallOk(g, command, args, exit_code, allow_empty);
  if (!a) return std::nullopt;
  auto value = parse(a->arguments);
  if (!value.ok()) {
    *exit_code = Malformed(value.status());
    return std::nullopt;
  }
  return *std::move(value);
}

// The table subcommands: one command (CallOk); --json prints the answer's
// arguments, else `render` turns them into the text printed (its error: a
// malformed answer, exit 1).
RunResult Show(const Globals& g, std::string_view command, const Json& args, bool allow_empty,
               const std::function<absl::StatusOr<std::string>(const Json&)>& render) {
  int rc = kExitOk;
  const auto a = CallOk(g, command, args, &rc, allow_empty);
  if (!a) return rc;
  if (g.json) {
    PrintJson(a->arguments);
    return ExitFor(*a);
  }
  const absl::StatusOr<std::string> text = render(a->arguments);
  if (!text.ok()) return Malformed(text.status());
  std::cout << *text;
  return ExitFor(*a);
}

// Prints an answer whose interest is its text (lease del, reload, shutdown).
int PrintAnswer(const Globals& g, const control::Answer& a) {
  if (g.json) {
    PrintJson(a.ToJson());
  } else {
    (a.ok() ? std::cout : std::cerr) << a.text << "\n";
  }
  return ExitFor(a);
}

// One command, its answer printed by PrintAnswer.
int CallAndPrint(const Globals& g, std::string_view command, const Json& args) {
  int rc = kExitOk;
  const auto a = Call(g, command, args, &rc);
  return a ? PrintAnswer(g, *a) : rc;
}

absl::StatusOr<uint64_t> ParseUint(const Parsed& p, const std::string& name, uint64_t fallback,
                                   uint64_t min, uint64_t max) {
  if (!p.Has(name)) return fallback;
  uint64_t v;
  if (!absl::SimpleAtoi(p.Get(name), &v) || v < min || v > max) {
    return Usage(absl::StrFormat("--%s must be an integer from %d to %d", name, min, max));
  }
  return v;
}

absl::StatusOr<double> ParseDouble(const Parsed& p, const std::string& name, double fallback,
                                   double min, double max) {
  if (!p.Has(name)) return fallback;
  double v;
  if (!absl::SimpleAtod(p.Get(name), &v) || !(v >= min && v <= max)) {
    return Usage(absl::StrFormat("--%s must be a number from %g to %g", name, min, max));
  }
  return v;
}

// ---- Subcommands ----

RunResult RunPools(const Globals& g, const Parsed& p) {
  PoolsOptions o;
  const std::string sort = p.Get("sort", "id");
  if (sort == "id") {
    o.sort = PoolSort::kId;
  } else if (sort == "util") {
    o.sort = PoolSort::kUtil;
  } else if (sort == "free") {
    o.sort = PoolSort::kFree;
  } else {
    return Usage("--sort must be util, id or free");
  }
  DPDHCPCTL_ASSIGN_OR_RETURN(o.warn_percent, ParseDouble(p, "warn", 90, 0, 100));
  DPDHCPCTL_ASSIGN_OR_RETURN(const uint64_t subnet, ParseUint(p, "subnet", 0, 1, 0xffffffffu));
  Json args = nullptr;
  if (p.Has("subnet")) args = Json{{"subnet-id", subnet}};
  return Show(g, "stat-pool4-get", args, /*allow_empty=*/true,
              [&](const Json& a) -> absl::StatusOr<std::string> {
                auto rows = ParsePoolRows(a);
                if (!rows.ok()) return rows.status();
                return RenderPools(*rows, o);
              });
}

RunResult RunStats(const Globals& g, const Parsed& p) {
  return Show(g, "stat-worker4-get", nullptr, /*allow_empty=*/false,
              [&](const Json& a) -> absl::StatusOr<std::string> {
                auto counters = ParseWorkerCounters(a);
                if (!counters.ok()) return counters.status();
                return RenderStats(*counters, p.Has("all"));
              });
}

// <ip|mac|client-id>: a dotted quad, a 6-byte MAC, else hex bytes of a
// client identifier (--client-id forces that reading of a MAC-like value).
RunResult RunLeaseGet(const Globals& g, const Parsed& p) {
  const std::string& what = p.args[0];
  const bool force_client_id = p.Has("client-id");
  const bool by_ip = !force_client_id && base::Ipv4Address::Parse(what).has_value();
  const bool by_mac = !by_ip && !force_client_id && base::MacAddress::Parse(what).has_value();
  if (!by_ip && !base::ParseHexBytes(what)) {
    return Usage(absl::StrFormat("\"%s\" is neither an IPv4 address, a MAC nor hex bytes", what));
  }
  DPDHCPCTL_ASSIGN_OR_RETURN(const uint64_t subnet, ParseUint(p, "subnet", 0, 1, 0xffffffffu));
  std::string command;
  Json args;
  if (by_ip) {
    command = "lease4-get";
    args = {{"ip-address", what}};
  } else if (p.Has("subnet")) {
    command = "lease4-get";
    args = {{"identifier-type", by_mac ? "hw-address" : "client-id"},
            {"identifier", what},
            {"subnet-id", subnet}};
  } else {
    command = by_mac ? "lease4-get-by-hw-address" : "lease4-get-by-client-id";
    args = {{by_mac ? "hw-address" : "client-id", what}};
  }
  int rc = kExitOk;
  const auto a = Call(g, command, args, &rc);
  if (!a) return rc;
  if (a->result == control::Result::kEmpty) {
    std::cerr << "dpdhcpctl: no lease for " << what << "\n";
    return kExitNotFound;
  }
  if (!a->ok()) {
    std::cerr << "dpdhcpctl: " << command << ": " << a->text << "\n";
    return ExitFor(*a);
  }
  if (g.json) {
    PrintJson(a->arguments);
    return kExitOk;
  }
  if (a->arguments.contains("leases")) {
    bool first = true;
    for (const Json& l : a->arguments["leases"]) {
      if (!first) std::cout << "\n";
      first = false;
      std::cout << RenderLeaseDetail(l);
    }
  } else {
    std::cout << RenderLeaseDetail(a->arguments);
  }
  return kExitOk;
}

RunResult RunLeaseList(const Globals& g, const Parsed& p) {
  DPDHCPCTL_ASSIGN_OR_RETURN(const uint64_t page_size, ParseUint(p, "page-size", 500, 1, 100000));
  DPDHCPCTL_ASSIGN_OR_RETURN(const uint64_t subnet, ParseUint(p, "subnet", 0, 1, 0xffffffffu));
  std::string from = "start";
  if (p.Has("from")) {
    from = p.Get("from");
    if (!base::Ipv4Address::Parse(from)) return Usage("--from must be an IPv4 address");
  }
  Json all = Json::array();
  size_t count = 0;
  for (;;) {
    Json args = {{"from", from}, {"limit", page_size}};
    if (p.Has("subnet")) args["subnets"] = Json::array({subnet});
    int rc = kExitOk;
    const auto a = CallOk(g, "lease4-get-page", args, &rc, /*allow_empty=*/true);
    if (!a) return rc;
    const Json leases = a->arguments.value("leases", Json::array());
    if (g.json) {
      for (const Json& l : leases) all.push_back(l);
    } else {
      std::cout << RenderLeaseTable(leases, count == 0);
    }
    count += leases.size();
    if (leases.size() < page_size || leases.empty()) break;
    from = leases.back().value("ip-address", std::string());
  }
  if (g.json) {
    PrintJson(Json{{"leases", all}, {"count", count}});
  } else if (count == 0) {
    std::cout << "(no leases)\n";
  }
  return count == 0 ? kExitNotFound : kExitOk;
}

RunResult RunLeaseDel(const Globals& g, const Parsed& p) {
  if (!base::Ipv4Address::Parse(p.args[0])) return Usage("lease del takes an IPv4 address");
  return CallAndPrint(g, "lease4-del", Json{{"ip-address", p.args[0]}});
}

// Samples the workers' counters.
std::optional<WorkerCounters> SampleCounters(const Globals& g, int* rc) {
  return Fetch(g, "stat-worker4-get", nullptr, /*allow_empty=*/false, ParseWorkerCounters, rc);
}

// Pool usage (stat-pool4-get; none configured is not an error).
std::optional<std::vector<PoolRow>> FetchPools(const Globals& g, int* rc) {
  return Fetch(g, "stat-pool4-get", nullptr, /*allow_empty=*/true, ParsePoolRows, rc);
}

RunResult RunWatch(const Globals& g, const Parsed& p) {
  DPDHCPCTL_ASSIGN_OR_RETURN(const double interval, ParseDouble(p, "interval", 1, 0.05, 3600));
  DPDHCPCTL_ASSIGN_OR_RETURN(const uint64_t count, ParseUint(p, "count", 0, 0, 1u << 30));
  const bool tty = isatty(STDOUT_FILENO) == 1;
  using Clock = std::chrono::steady_clock;
  int rc = kExitOk;
  auto before = SampleCounters(g, &rc);
  if (!before) return rc;
  Clock::time_point t0 = Clock::now();
  for (uint64_t screen = 0; count == 0 || screen < count; ++screen) {
    std::this_thread::sleep_for(std::chrono::duration<double>(interval));
    auto after = SampleCounters(g, &rc);
    if (!after) return rc;
    const Clock::time_point t1 = Clock::now();
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    const auto pools = FetchPools(g, &rc);
    if (!pools) return rc;
    const std::string title =
        absl::StrFormat("dpdhcpctl watch  %s  every %g s  %s UTC", g.socket, interval,
                        FormatUtc(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count()));
    // Clear and home only on a terminal: a pipe or a file gets plain screens
    // separated by a blank line.
    if (tty) std::cout << "\x1b[H\x1b[2J";
    else if (screen > 0) std::cout << "\n";
    std::cout << RenderWatchScreen(*before, *after, seconds, *pools, title) << std::flush;
    before = std::move(after);
    t0 = t1;
  }
  return kExitOk;
}

RunResult RunMetrics(const Globals& g, const Parsed&) {
  int rc = kExitOk;
  auto counters = SampleCounters(g, &rc);
  if (!counters) return rc;
  // No subnet configured: an empty answer without a result-set.
  const auto subnets = Fetch(g, "stat-lease4-get", nullptr, /*allow_empty=*/true,
                             [](const Json& a) -> absl::StatusOr<ResultSet> {
                               if (a.is_null()) return ResultSet{};
                               return ParseResultSet(a);
                             },
                             &rc);
  if (!subnets) return rc;
  const auto pools = FetchPools(g, &rc);
  if (!pools) return rc;
  const auto status = CallOk(g, "status-get", nullptr, &rc);
  if (!status) return rc;
  std::cout << RenderMetrics(*counters, *subnets, *pools, status->arguments);
  return kExitOk;
}

// Without --config: config-reload (the server reads its own file again).
// With --config PATH: the file is read here and sent, config-test first, then
// config-set only if the test passed, so a bad file never reaches the server
// half-applied and the server need not be able to read the operator's path.
RunResult RunReload(const Globals& g, const Parsed& p) {
  if (!p.Has("config")) return CallAndPrint(g, "config-reload", nullptr);
  const std::string path = p.Get("config");
  std::ifstream in(path);
  if (!in) {
    std::cerr << "dpdhcpctl: " << path << ": cannot read\n";
    return kExitFailed;
  }
  std::stringstream text;
  text << in.rdbuf();
  const Json config = Json::parse(control::StripJsonComments(text.str()), nullptr,
                                  /*allow_exceptions=*/false);
  if (config.is_discarded() || !config.is_object()) {
    std::cerr << "dpdhcpctl: " << path << ": not a JSON map\n";
    return kExitFailed;
  }
  int rc = kExitOk;
  const auto test = Call(g, "config-test", config, &rc);
  if (!test) return rc;
  if (!test->ok()) return PrintAnswer(g, *test);
  return CallAndPrint(g, "config-set", config);
}

RunResult RunShutdown(const Globals& g, const Parsed& p) {
  DPDHCPCTL_ASSIGN_OR_RETURN(const uint64_t exit_value, ParseUint(p, "exit-value", 0, 0, 255));
  Json args = nullptr;
  if (p.Has("exit-value")) args = Json{{"exit-value", exit_value}};
  return CallAndPrint(g, "shutdown", args);
}

RunResult RunStatus(const Globals& g, const Parsed&) {
  return Show(g, "status-get", nullptr, /*allow_empty=*/false,
              [](const Json& a) -> absl::StatusOr<std::string> { return RenderStatus(a); });
}

RunResult RunCommand(const Globals& g, const Parsed& p) {
  Json args = nullptr;
  if (p.args.size() > 1) {
    args = Json::parse(p.args[1], nullptr, /*allow_exceptions=*/false);
    if (args.is_discarded() || !args.is_object()) return Usage("ARGUMENTS must be a JSON map");
  }
  int rc = kExitOk;
  const auto a = Call(g, p.args[0], args, &rc);
  if (!a) return rc;
  PrintJson(a->ToJson());
  return ExitFor(*a);
}

const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> kAll = {
      {"pools", "[--sort util|id|free] [--warn PERCENT] [--subnet ID]",
       "Per subnet and pool: total, assigned, declined, free addresses and utilisation.",
       {{"sort", "KEY", "order: id (default), util (fullest first) or free (fewest free first)"},
        {"warn", "PERCENT", "mark rows at or above this utilisation with '!' (default 90, 0: never)"},
        {"subnet", "ID", "only this subnet"}},
       0, 0, RunPools},
      {"stats", "[--all]", "Packet counters and drop reasons, per worker and summed.",
       {{"all", nullptr, "also show counters that are zero"}}, 0, 0, RunStats},
      {"lease get", "<ip|mac|client-id> [--subnet ID] [--client-id]",
       "Shows the lease of an address, or the leases of a MAC or client identifier.",
       {{"subnet", "ID", "for a MAC or client-id: only the lease in this subnet"},
        {"client-id", nullptr, "read a MAC-like argument as a client identifier"}},
       1, 1, RunLeaseGet},
      {"lease list", "[--subnet ID] [--page-size N] [--from IP]",
       "Lists leases in address order, fetched in pages.",
       {{"subnet", "ID", "only this subnet"},
        {"page-size", "N", "leases per request (default 500)"},
        {"from", "IP", "start after this address"}},
       0, 0, RunLeaseList},
      {"lease del", "<ip>", "Deletes the lease of an address and frees the address.", {}, 1, 1,
       RunLeaseDel},
      {"watch", "[--interval SECONDS] [--count N]",
       "Refreshing per-second rates per worker and pool utilisation.",
       {{"interval", "SECONDS", "time between screens (default 1)"},
        {"count", "N", "stop after N screens (default: run until interrupted)"}},
       0, 0, RunWatch},
      {"metrics", "", "Every statistic and pool gauge in Prometheus text format.", {}, 0, 0, RunMetrics},
      {"reload", "[--config PATH]",
       "Reloads the configuration: the server's own file (config-reload), or PATH sent as "
       "config-test then config-set.",
       {{"config", "PATH", "send this file instead of reloading the server's own"}},
       0, 0, RunReload},
      {"shutdown", "[--exit-value N]", "Stops the server.",
       {{"exit-value", "N", "the server's exit status (default 0)"}}, 0, 0, RunShutdown},
      {"status", "", "Uptime, workers, ports, queues and journal state.", {}, 0, 0, RunStatus},
      {"command", "NAME [ARGUMENTS-JSON]", "Sends any control command and prints the answer.", {}, 1,
       2, RunCommand},
  };
  return kAll;
}

void PrintTopHelp(std::ostream& out) {
  out << "usage: dpdhcpctl [--socket PATH] [--json] [--timeout SECONDS] <command> [options]\n\n"
         "commands:\n";
  for (const Subcommand& s : Subcommands()) out << absl::StrFormat("  %-11s %s\n", s.name, s.summary);
  out << "\nglobal options:\n";
  for (const Option& o : kGlobalOptions) {
    out << absl::StrFormat("  --%-17s %s\n", std::string(o.name) + (o.value ? std::string(" ") + o.value : ""),
                           o.help);
  }
  out << "\n'dpdhcpctl <command> --help' describes a command. Exit status: 0 ok, 1 command\n"
         "failed, 2 usage error, 3 not found, 4 cannot connect.\n";
}

void PrintHelp(const Subcommand& s, std::ostream& out) {
  out << "usage: dpdhcpctl " << s.name << (*s.usage ? " " : "") << s.usage << "\n\n" << s.summary << "\n";
  if (!s.options.empty()) out << "\noptions:\n";
  for (const Option& o : s.options) {
    out << absl::StrFormat("  --%-17s %s\n", std::string(o.name) + (o.value ? std::string(" ") + o.value : ""),
                           o.help);
  }
  out << "\nglobal options: --socket PATH, --json, --timeout SECONDS (see dpdhcpctl --help)\n";
}

const Option* FindOption(const std::vector<Option>& options, std::string_view name) {
  for (const Option& o : options) {
    if (name == o.name) return &o;
  }
  return nullptr;
}

// An option word: "--name=value" (inline_value) or "--name".
struct OptionWord {
  std::string name, value;
  bool inline_value = false;
};
OptionWord SplitOption(std::string_view word) {
  OptionWord w{std::string(word.substr(2)), "", false};
  if (const size_t eq = w.name.find('='); eq != std::string::npos) {
    w.value = w.name.substr(eq + 1);
    w.name.resize(eq);
    w.inline_value = true;
  }
  return w;
}

// Parses the command line and runs the subcommand; a usage error is a status.
RunResult Dispatch(int argc, char** argv) {
  Globals g;
  std::vector<std::string> rest;
  std::string command;
  bool help = false;
  const std::vector<Option> globals(std::begin(kGlobalOptions), std::end(kGlobalOptions));
  // Global options may stand anywhere; the first word names the command
  // ("lease" takes a second word).
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h") a = "--help";
    if (a.starts_with("--")) {
      auto [name, value, inline_value] = SplitOption(a);
      if (const Option* o = FindOption(globals, name)) {
        if (o->value != nullptr && !inline_value) {
          if (i + 1 >= argc) return Usage("--" + name + " needs a value");
          value = argv[++i];
        }
        if (name == "help") {
          help = true;
        } else if (name == "json") {
          g.json = true;
        } else if (name == "socket") {
          g.socket = value;
        } else if (name == "timeout") {
          double seconds;
          if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0 && seconds <= 86400)) {
            return Usage("--timeout must be a number of seconds above 0");
          }
          g.timeout = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
        }
        continue;
      }
      if (command.empty()) return Usage("unknown option " + a);
      rest.push_back(argv[i]);
      continue;
    }
    if (command.empty()) {
      command = a;
    } else if (command == "lease" && (a == "get" || a == "list" || a == "del")) {
      command += " " + a;
    } else {
      rest.push_back(a);
    }
  }
  if (command.empty()) {
    PrintTopHelp(help ? std::cout : std::cerr);
    return help ? kExitOk : kExitUsage;
  }
  const Subcommand* sub = nullptr;
  for (const Subcommand& s : Subcommands()) {
    if (command == s.name) sub = &s;
  }
  if (sub == nullptr) {
    if (command == "lease") return Usage("lease needs get, list or del");
    return Usage("unknown command \"" + command + "\"");
  }
  if (help) {
    PrintHelp(*sub, std::cout);
    return kExitOk;
  }
  Parsed parsed;
  bool options_done = false;
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (!options_done && a == "--") {
      options_done = true;
      continue;
    }
    if (options_done || !a.starts_with("--")) {
      parsed.args.push_back(a);
      continue;
    }
    auto [name, value, inline_value] = SplitOption(a);
    const Option* o = FindOption(sub->options, name);
    if (o == nullptr) return Usage(absl::StrFormat("%s: unknown option --%s", sub->name, name));
    if (o->value != nullptr && !inline_value) {
      if (i + 1 >= rest.size()) return Usage(absl::StrFormat("--%s needs a value", name));
      value = rest[++i];
    } else if (o->value == nullptr && inline_value) {
      return Usage(absl::StrFormat("--%s takes no value", name));
    }
    parsed.options[name] = value;
  }
  if (parsed.args.size() < sub->min_args || parsed.args.size() > sub->max_args) {
    return Usage(absl::StrFormat("usage: dpdhcpctl %s %s", sub->name, sub->usage));
  }
  return sub->run(g, parsed);
}

int Main(int argc, char** argv) {
  const RunResult r = Dispatch(argc, argv);
  if (!r.ok()) {
    std::cerr << "dpdhcpctl: " << r.status().message() << "\n(dpdhcpctl --help lists the commands)\n";
    return kExitUsage;
  }
  return *r;
}

}  // namespace
}  // namespace dpdhcp::ctl

int main(int argc, char** argv) { return dpdhcp::ctl::Main(argc, argv); }
