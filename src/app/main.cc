// dpdhcpd: the kernel-bypass DHCPv4 server.
//
//   dpdhcpd --config PATH [--eal-profile FILE] [--workers N] [--lease-capacity N]
//           [--lease-dump PATH] [--stats-interval SECONDS] [--skip-corrupt-journal]
//           [--import-kea-leases PATH] [--control-socket-group GROUP]
//           [--idle-sleep-us N] [-- EAL arguments]
//
// Wiring only: flags and EAL arguments in, runtime::Dataplane built and run,
// counters and the lease dump out at shutdown. Every failure is a message on
// stderr and a non-zero exit; only this file turns a Status into an exit code.
#include <pthread.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/runtime/dataplane.h"
#include "dpdhcp/runtime/eal_args.h"
#include "control_plane.h"
#include "dataplane_state.h"
#include "journal_setup.h"
#include "lease_csv.h"
#include "stats_report.h"

ABSL_FLAG(std::string, config, "",
          "Kea-style JSON configuration file (a \"Dhcp4\" object). Required.");
ABSL_FLAG(std::string, eal_profile, "",
          "File of DPDK EAL arguments, whitespace separated, '#' starts a comment (e.g. "
          "dpdk-config/lab.eal). The arguments after -- are appended to it; a --file-prefix "
          "dpdhcpd-<pid> is added when neither gives one.");
ABSL_FLAG(uint32_t, workers, 0,
          "Worker lcores, each polling its RX queues and owning one lease shard. 0: one per EAL "
          "lcore (the main lcore included); at most the number of EAL lcores.");
ABSL_FLAG(uint32_t, lease_capacity, 0,
          "Lease records per worker shard, preallocated. 0: (sum of all pool sizes) * 1.25 / "
          "workers + 1024.");
ABSL_FLAG(std::string, lease_dump, "",
          "At shutdown, write the bound and declined leases to this file in Kea memfile CSV "
          "format (kea-leases4.csv). Empty: no dump.");
ABSL_FLAG(bool, skip_corrupt_journal, false,
          "Start even when the lease journal (Dhcp4.lease-database.name) has a corrupt record "
          "or snapshot block before its end: skip it, losing the leases it held. Without it "
          "dpdhcpd refuses to start and names the file and offset. A torn tail (a crash "
          "mid-write) is always truncated.");
ABSL_FLAG(std::string, import_kea_leases, "",
          "At start-up, import this Kea memfile lease file (kea-leases4.csv) into an empty "
          "lease journal directory and snapshot it, then serve (migration from Kea; "
          "--lease-dump migrates back).");
ABSL_FLAG(std::string, control_socket_group, "",
          "Group (name or number) owning the control socket (Dhcp4.control-socket), which is "
          "then mode 0660 so that the group's members may use dpdhcpctl. Empty: mode 0600, "
          "owner only.");
ABSL_FLAG(uint32_t, idle_sleep_us, 0,
          "0: workers busy-poll, each owning its CPU (production). N (1 to 10000): a worker "
          "idle for a few hundred loop iterations sleeps N microseconds per idle iteration, "
          "leaving its CPU to clients and the kernel on a shared machine (a lab, a CI runner); "
          "the first packet after a lull waits up to N us more.");
ABSL_FLAG(uint32_t, stats_interval, 0,
          "Print a one-line summary of packet rates every this many seconds (from a control "
          "thread, not a worker). 0: never.");

namespace dpdhcp::app {
namespace {

// Abseil exits with 1 on a bad flag; every other error does the same.
constexpr int kExitError = 1;
// --idle-sleep-us at most: a longer sleep is latency a client would see, with
// no CPU left to save (10 ms of sleep per wake-up is already ~0 % CPU).
constexpr uint32_t kMaxIdleSleepUs = 10000;

// Flags as the command line spells them (abseil names them with '_').
struct FlagDoc {
  const char* cli;
  const char* flag;
  const char* value;
};
constexpr FlagDoc kFlagDocs[] = {
    {"--config", "config", "PATH"},         {"--eal-profile", "eal_profile", "FILE"},
    {"--workers", "workers", "N"},          {"--lease-capacity", "lease_capacity", "N"},
    {"--lease-dump", "lease_dump", "PATH"}, {"--stats-interval", "stats_interval", "SECONDS"},
    {"--skip-corrupt-journal", "skip_corrupt_journal", ""},
    {"--import-kea-leases", "import_kea_leases", "PATH"},
    {"--control-socket-group", "control_socket_group", "GROUP"},
    {"--idle-sleep-us", "idle_sleep_us", "N"},
};

// Words of `text` on lines of at most `width` columns, each indented.
std::string Wrap(const std::string& text, size_t indent, size_t width) {
  std::string out, line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    pos = end + 1;
  }
  if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
  return out;
}

void PrintUsage() {
  const char* program = "dpdhcpd";
  std::printf(
      "Usage: %s --config PATH [--eal-profile FILE] [--workers N] [--lease-capacity N]\n"
      "       [--lease-dump PATH] [--stats-interval SECONDS] [--skip-corrupt-journal]\n"
      "       [--import-kea-leases PATH] [--control-socket-group GROUP] [--idle-sleep-us N]\n"
      "       [-- EAL arguments]\n\n"
      "Kernel-bypass DHCPv4 server on DPDK. Serves the interfaces of the config's\n"
      "interfaces-config (each names a DPDK port: a vdev such as\n"
      "\"net_af_packet0,iface=veth0,qpairs=2\" or a PCI address) until SIGINT or SIGTERM,\n"
      "then prints its counters. Prints \"dpdhcpd: serving\" once it answers.\n"
      "Leases are journaled in the directory Dhcp4.lease-database.name (default\n"
      "/var/lib/dpdhcp) and replayed at start-up; see docs/journal.md.\n\n"
      "Flags (also accepted with '_' for '-', and as --flag=value):\n",
      program);
  for (const FlagDoc& d : kFlagDocs) {
    const absl::CommandLineFlag* f = absl::FindCommandLineFlag(d.flag);
    if (f == nullptr) continue;
    std::printf("  %s%s%s  (default: %s)\n%s", d.cli, *d.value != '\0' ? " " : "", d.value,
                f->DefaultValue().empty() ? "none" : f->DefaultValue().c_str(),
                Wrap(f->Help(), 6, 80).c_str());
  }
  std::printf(
      "  --help\n      Print this text and exit.\n\n"
      "Exit status: 0 after a clean shutdown (SIGINT or SIGTERM), %d on any error (bad flags,\n"
      "configuration, EAL, port or resource), with the reason on stderr.\n",
      kExitError);
}

// "--eal-profile=x" -> "--eal_profile=x": abseil flag names are identifiers.
std::string NormalizeFlag(const std::string& arg) {
  if (arg.size() < 2 || arg[0] != '-') return arg;
  std::string out = arg;
  const size_t start = arg.find_first_not_of('-');
  const size_t end = std::min(arg.find('='), arg.size());
  for (size_t i = start == std::string::npos ? end : start; i < end; ++i) {
    if (out[i] == '-') out[i] = '_';
  }
  return out;
}

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler stores to it");

extern "C" void OnStopSignal(int) { g_stop.store(true, std::memory_order_relaxed); }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// rte_eal_cleanup on every way out once the EAL is up; then the runtime
// directory (/var/run/dpdk/<prefix>), which the EAL leaves behind, when the
// prefix was our own per-process one.
struct EalSession {
  std::string runtime_dir;  // empty: keep it
  ~EalSession() {
    rte_eal_cleanup();
    if (!runtime_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(runtime_dir, ignored);
    }
  }
};

struct Options {
  std::string program;
  std::string config;
  std::string eal_profile;
  std::vector<std::string> eal_extra;
  runtime::DataplaneOptions dataplane;
  std::string lease_dump;
  uint32_t stats_interval = 0;
  LeasePersistenceOptions persistence;
  std::string control_group;
};

struct StatsThreadArgs {
  const runtime::Dataplane* dataplane;
  uint32_t interval_s;
};

// The --stats-interval reporter: a DPDK control thread (off the worker
// lcores' CPUs when there are spare ones), sleeping between reports.
void* StatsThread(void* arg) {
  const auto* a = static_cast<const StatsThreadArgs*>(arg);
  using Clock = std::chrono::steady_clock;
  stats::CounterTotals before = stats::Sum(a->dataplane->counters());
  Clock::time_point last = Clock::now();
  while (!g_stop.load(std::memory_order_relaxed)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const Clock::time_point now = Clock::now();
    if (now - last < std::chrono::seconds(a->interval_s)) continue;
    const stats::CounterTotals after = stats::Sum(a->dataplane->counters());
    const double seconds = std::chrono::duration<double>(now - last).count();
    std::printf("dpdhcpd: %s, leases %llu\n", RateLine(before, after, seconds).c_str(),
                static_cast<unsigned long long>(a->dataplane->leases().size()));
    std::fflush(stdout);
    before = after;
    last = now;
  }
  return nullptr;
}

void PrintShutdownReport(const runtime::Dataplane& dp) {
  for (size_t i = 0; i < dp.ports().size(); ++i) {
    const runtime::PortCounters c = dp.ReadPortCounters(i);
    std::printf(
        "dpdhcpd: port %s: rx %llu, tx %llu, rx missed %llu, rx errors %llu, tx errors %llu, "
        "rx no mbuf %llu\n",
        dp.ports()[i].name.c_str(), static_cast<unsigned long long>(c.rx_packets),
        static_cast<unsigned long long>(c.tx_packets), static_cast<unsigned long long>(c.rx_missed),
        static_cast<unsigned long long>(c.rx_errors), static_cast<unsigned long long>(c.tx_errors),
        static_cast<unsigned long long>(c.rx_nombuf));
  }
  const std::vector<const stats::WorkerCounters*> blocks = dp.counters();
  for (size_t w = 0; w < blocks.size(); ++w) {
    for (const std::string& line :
         CounterLines(absl::StrCat(w), stats::Sum({blocks[w]}), nullptr)) {
      std::printf("%s\n", line.c_str());
    }
  }
  for (const std::string& line : CounterLines("total", stats::Sum(blocks), &dp.config())) {
    std::printf("%s\n", line.c_str());
  }
  std::fflush(stdout);
}

absl::Status Serve(const Options& o) {
  if (o.config.empty()) return absl::InvalidArgumentError("--config is required (see --help)");
  auto config = config::LoadConfigFile(o.config);
  if (!config.ok()) return config.status();

  std::vector<std::string> profile;
  if (!o.eal_profile.empty()) {
    auto read = runtime::ReadEalProfile(o.eal_profile);
    if (!read.ok()) return read.status();
    profile = *std::move(read);
  }
  std::vector<std::string> eal_args =
      runtime::AssembleEalArgs(o.program, profile, o.eal_extra, absl::StrCat("dpdhcpd-", getpid()));
  std::printf("dpdhcpd: EAL arguments: %s\n", absl::StrJoin(eal_args, " ").c_str());
  std::fflush(stdout);
  // The EAL pins this thread to the main lcore's CPU; the journal's threads
  // (replay, group commit, snapshots) need the CPUs the process had.
  LeasePersistenceOptions persistence_options = o.persistence;
  sched_getaffinity(0, sizeof persistence_options.process_cpus,
                    &persistence_options.process_cpus);
  // rte_eal_init may permute argv: hand it pointers into strings we own.
  std::vector<char*> argv;
  for (std::string& a : eal_args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(eal_args.size()), argv.data()) < 0) {
    return absl::UnavailableError(absl::StrCat(
        "EAL initialisation failed: ", rte_strerror(rte_errno), " (see the EAL messages above)"));
  }
  EalSession eal;  // from here on, rte_eal_cleanup on every return
  if (!runtime::HasEalOption(profile, "--file-prefix") &&
      !runtime::HasEalOption(o.eal_extra, "--file-prefix")) {
    eal.runtime_dir = rte_eal_get_runtime_dir();
  }

  auto dp_or = runtime::Dataplane::Create(*config, o.dataplane);
  if (!dp_or.ok()) return dp_or.status();
  std::unique_ptr<runtime::Dataplane> dp = *std::move(dp_or);
  for (const std::string& line : dp->DescribeLines()) std::printf("dpdhcpd: %s\n", line.c_str());
  std::fflush(stdout);
  // Leases restored and the journal attached before any worker runs.
  auto persistence_or = LeasePersistence::Start(**config, *dp, persistence_options);
  if (!persistence_or.ok()) return persistence_or.status();
  std::unique_ptr<LeasePersistence> persistence = *std::move(persistence_or);

  InstallSignalHandlers();
  pthread_t stats_thread{};
  bool stats_running = false;
  StatsThreadArgs stats_args{dp.get(), o.stats_interval};
  if (o.stats_interval > 0) {
    const int ret =
        rte_ctrl_thread_create(&stats_thread, "dpdhcpd-stats", nullptr, StatsThread, &stats_args);
    if (ret != 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot start the stats thread: ", rte_strerror(ret)));
    }
    stats_running = true;
  }

  // The control socket and the /dpdhcp telemetry paths, on their own
  // threads; the "shutdown" command stops the server as SIGTERM does.
  DataplaneState state(*dp, o.config, [](int) { g_stop.store(true); });
  state.SetDurabilitySource([p = persistence.get()] { return DurabilityOf(*p); });
  state.SetReloadObserver([](const std::string& note) {
    std::printf("dpdhcpd: configuration reloaded: %s\n", note.c_str());
    std::fflush(stdout);
  });
  ControlPlane control(state);
  if (absl::Status s = control.Start(dp->config().control_socket, o.control_group); !s.ok()) {
    return s;
  }
  if (absl::Status s = control.StartTelemetry(); !s.ok()) {
    std::printf("dpdhcpd: warning: %s\n", std::string(s.message()).c_str());
  }
  if (!dp->config().control_socket.empty()) {
    std::printf("dpdhcpd: control socket %s\n", dp->config().control_socket.c_str());
  }

  persistence->StartCompaction();
  std::printf("dpdhcpd: serving\n");
  std::fflush(stdout);
  absl::Status status = dp->Run(g_stop);
  g_stop.store(true);
  control.Stop();  // no command may wait on a stopped worker
  if (stats_running) pthread_join(stats_thread, nullptr);
  // The workers have stopped appending: sync, last snapshot, journal stopped.
  if (absl::Status s = persistence->Shutdown(); !s.ok() && status.ok()) status = s;

  std::printf("dpdhcpd: stopping\n");
  PrintShutdownReport(*dp);
  dp->Close();
  if (!o.lease_dump.empty()) {
    auto written = WriteKeaLease4File(o.lease_dump, dp->leases());
    if (!written.ok()) {
      if (status.ok()) status = written.status();
    } else {
      std::printf("dpdhcpd: wrote %zu leases to %s\n", *written, o.lease_dump.c_str());
    }
  }
  dp.reset();
  if (status.ok()) std::printf("dpdhcpd: stopped\n");
  std::fflush(stdout);
  return status;
}

int Main(int argc, char** argv) {
  Options o;
  o.program = argc > 0 ? argv[0] : "dpdhcpd";
  // Flags before "--", EAL arguments after it.
  std::vector<std::string> flag_args = {o.program};
  bool eal_part = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (eal_part) {
      o.eal_extra.push_back(arg);
    } else if (arg == "--") {
      eal_part = true;
    } else if (arg == "--help" || arg == "-h" || arg == "-help" || arg == "--helpfull") {
      PrintUsage();
      return 0;
    } else {
      flag_args.push_back(NormalizeFlag(arg));
    }
  }
  std::vector<char*> flag_argv;
  for (std::string& a : flag_args) flag_argv.push_back(a.data());
  flag_argv.push_back(nullptr);
  // Exits with a message on an unknown flag or a bad value.
  const std::vector<char*> rest =
      absl::ParseCommandLine(static_cast<int>(flag_args.size()), flag_argv.data());
  if (rest.size() > 1) {
    std::fprintf(stderr, "dpdhcpd: unexpected argument \"%s\" (EAL arguments go after --)\n",
                 rest[1]);
    return kExitError;
  }
  o.config = absl::GetFlag(FLAGS_config);
  o.eal_profile = absl::GetFlag(FLAGS_eal_profile);
  o.dataplane.workers = absl::GetFlag(FLAGS_workers);
  o.dataplane.lease_capacity = absl::GetFlag(FLAGS_lease_capacity);
  o.lease_dump = absl::GetFlag(FLAGS_lease_dump);
  o.stats_interval = absl::GetFlag(FLAGS_stats_interval);
  o.dataplane.idle_sleep_us = absl::GetFlag(FLAGS_idle_sleep_us);
  if (o.dataplane.idle_sleep_us > kMaxIdleSleepUs) {
    std::fprintf(stderr, "dpdhcpd: --idle-sleep-us %u is out of range (0 to %u microseconds)\n",
                 o.dataplane.idle_sleep_us, kMaxIdleSleepUs);
    return kExitError;
  }
  o.control_group = absl::GetFlag(FLAGS_control_socket_group);
  o.persistence.skip_corrupt = absl::GetFlag(FLAGS_skip_corrupt_journal);
  o.persistence.import_kea_csv = absl::GetFlag(FLAGS_import_kea_leases);
  if (o.config.empty()) {
    std::fprintf(stderr, "dpdhcpd: --config is required (see --help)\n");
    return kExitError;
  }

  const absl::Status status = Serve(o);
  if (!status.ok()) {
    std::fflush(stdout);
    std::fprintf(stderr, "dpdhcpd: error: %s\n", std::string(status.message()).c_str());
    return kExitError;
  }
  return 0;
}

}  // namespace
}  // namespace dpdhcp::app

int main(int argc, char** argv) { return dpdhcp::app::Main(argc, argv); }
