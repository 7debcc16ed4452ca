// dhcpgen's DPDK front-end: EAL, one port with one RX and one TX queue, and
// the poll loop on the main lcore. Everything DHCP lives in the DPDK-free
// core (generator.h); this file moves frames and keeps time with the TSC.
//
//   dhcpgen --port DEVARGS --pool FIRST-LAST [flags] [-- EAL arguments]
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "../../src/runtime/unmap_guard.h"
#include "dpdhcp/runtime/eal_args.h"
#include "generator.h"
#include "options.h"
#include "report.h"

namespace dpdhcp::dhcpgen {
namespace {

constexpr int kExitError = 1;
constexpr int kExitInvalid = 3;
constexpr uint16_t kDescriptors = 1024;
constexpr size_t kMaxBurst = 512;

std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop.store(true, std::memory_order_relaxed); }

struct EalSession {
  std::string runtime_dir;  // removed at exit
  ~EalSession() {
    rte_eal_cleanup();
    if (!runtime_dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(runtime_dir, ignored);
    }
  }
};

struct Port {
  uint16_t id = 0;
  bool started = false;
  ~Port() {
    if (started) {
      rte_eth_dev_stop(id);
      rte_eth_dev_close(id);
    }
  }
};

absl::Status PortError(const std::string& devargs, const std::string& what, int ret) {
  return absl::UnavailableError(absl::StrCat("port \"", devargs, "\": ", what, ": ",
                                             rte_strerror(ret < 0 ? -ret : ret)));
}

absl::Status OpenPort(const CliOptions& o, rte_mempool* pool, Port* port) {
  const std::string name(runtime::DeviceNameOf(o.port));
  uint16_t id = 0;
  if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0) {
    const int ret = rte_dev_probe(o.port.c_str());
    if (ret < 0) return PortError(o.port, "cannot probe the device", ret);
    if (rte_eth_dev_get_port_by_name(name.c_str(), &id) != 0) {
      return absl::NotFoundError(absl::StrCat("port \"", o.port, "\": no port named ", name));
    }
  }
  port->id = id;
  rte_eth_conf conf{};
  int ret = rte_eth_dev_configure(id, 1, 1, &conf);
  if (ret != 0) return PortError(o.port, "cannot configure", ret);
  uint16_t rxd = kDescriptors, txd = kDescriptors;
  ret = rte_eth_dev_adjust_nb_rx_tx_desc(id, &rxd, &txd);
  if (ret != 0) return PortError(o.port, "cannot adjust descriptors", ret);
  const int socket = rte_eth_dev_socket_id(id);
  const unsigned sock = socket >= 0 ? static_cast<unsigned>(socket) : rte_socket_id();
  ret = rte_eth_rx_queue_setup(id, 0, rxd, sock, nullptr, pool);
  if (ret != 0) return PortError(o.port, "cannot set up the RX queue", ret);
  ret = rte_eth_tx_queue_setup(id, 0, txd, sock, nullptr);
  if (ret != 0) return PortError(o.port, "cannot set up the TX queue", ret);
  // Replies are unicast to client MACs that are not the port's.
  ret = rte_eth_promiscuous_enable(id);
  if (ret != 0 && ret != -ENOTSUP) return PortError(o.port, "cannot enable promiscuous mode", ret);
  ret = rte_eth_dev_start(id);
  if (ret != 0) return PortError(o.port, "cannot start", ret);
  port->started = true;
  // memif's link comes up when the peer connects.
  const uint64_t deadline = rte_get_tsc_cycles() +
                            static_cast<uint64_t>(o.link_timeout_s * static_cast<double>(rte_get_tsc_hz()));
  rte_eth_link link{};
  while (true) {
    rte_eth_link_get_nowait(id, &link);
    if (link.link_status == RTE_ETH_LINK_UP) break;
    if (rte_get_tsc_cycles() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "port \"", o.port, "\": link still down after ", o.link_timeout_s,
          " s (memif: is the server side running with the same socket?)"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::OkStatus();
}

struct LoopResult {
  double duration_s = 0;
};

// The poll loop: RX burst -> HandleFrame; Expire; NextFrame into fresh mbufs
// -> TX burst (unsent frames are retried first in the next round). TSC read
// once per round; nothing allocated but mbufs from the pool. Quiescent for
// the unmap guard between rounds, as dpdhcpd's workers: a memif peer that
// goes away (dpdhcpd stopping first) has its rings unmapped only between
// rounds, never under a burst (src/runtime/unmap_guard.h).
LoopResult Run(const CliOptions& o, Generator& gen, uint16_t port, rte_mempool* pool,
               rte_rcu_qsbr* unmap_guard) {
  const uint64_t hz = rte_get_tsc_hz();
  const size_t burst = o.burst;
  rte_mbuf* rx[kMaxBurst];
  rte_mbuf* tx[kMaxBurst];
  rte_mbuf* spare[kMaxBurst];
  size_t n_tx = 0, n_spare = 0;
  const uint64_t start = rte_rdtsc();
  const uint64_t stop_at =
      o.duration_s > 0 ? start + static_cast<uint64_t>(o.duration_s * static_cast<double>(hz))
                       : UINT64_MAX;
  // After the last start, every exchange resolves within its timeouts (and a
  // DORA has two exchanges); past that, something is stuck: give up.
  const uint64_t drain_ticks = static_cast<uint64_t>(
      (2 * o.gen.timeout_s * (o.gen.retransmits + 1) + 1) * static_cast<double>(hz));
  uint64_t give_up = UINT64_MAX;
  uint64_t next_report = start + hz, last_report = start;
  Stats before = gen.stats();
  char line[256];
  uint64_t now = start;
  runtime::internal::UnmapGuardReader guard(unmap_guard, 0);
  while (true) {
    guard.Quiescent();
    now = rte_rdtsc();
    const uint16_t nb = rte_eth_rx_burst(port, 0, rx, static_cast<uint16_t>(burst));
    for (uint16_t i = 0; i < nb; ++i) {
      gen.HandleFrame(base::ByteSpan(rte_pktmbuf_mtod(rx[i], const uint8_t*),
                                     rte_pktmbuf_data_len(rx[i])),
                      now);
    }
    if (nb > 0) rte_pktmbuf_free_bulk(rx, nb);
    gen.Expire(now);
    if (give_up == UINT64_MAX && (now >= stop_at || g_stop.load(std::memory_order_relaxed))) {
      gen.StopStarting();
      give_up = now + drain_ticks;
    }

    if (n_spare < burst) {
      if (rte_pktmbuf_alloc_bulk(pool, spare + n_spare, static_cast<unsigned>(burst - n_spare)) == 0) {
        n_spare = burst;
      }
    }
    while (n_tx < burst && n_spare > 0) {
      rte_mbuf* m = spare[n_spare - 1];
      const size_t len = gen.NextFrame(now, rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_tailroom(m));
      if (len == 0) break;
      m->data_len = static_cast<uint16_t>(len);
      m->pkt_len = static_cast<uint32_t>(len);
      tx[n_tx++] = m;
      --n_spare;
    }
    if (n_tx > 0) {
      const uint16_t sent = rte_eth_tx_burst(port, 0, tx, static_cast<uint16_t>(n_tx));
      for (size_t i = sent; i < n_tx; ++i) tx[i - sent] = tx[i];
      n_tx -= sent;
    }

    if (now >= next_report) {
      const double seconds = static_cast<double>(now - last_report) / static_cast<double>(hz);
      if (o.per_second) {
        const Stats& cur = gen.stats();
        FormatSecondLine(line, sizeof line, static_cast<double>(now - start) / static_cast<double>(hz),
                         before, cur, gen.interval_latency(), seconds);
        std::puts(line);
        std::fflush(stdout);
      }
      before = gen.stats();
      gen.ResetInterval();
      last_report = now;
      next_report = now + hz;
    }
    if ((gen.Done() && n_tx == 0) || now >= give_up) break;
  }
  if (n_tx > 0) rte_pktmbuf_free_bulk(tx, static_cast<unsigned>(n_tx));
  if (n_spare > 0) rte_pktmbuf_free_bulk(spare, static_cast<unsigned>(n_spare));
  LoopResult r;
  r.duration_s = static_cast<double>(now - start) / static_cast<double>(hz);
  return r;
}

absl::StatusOr<int> Generate(const CliOptions& o, const std::string& program) {
  std::vector<std::string> profile;
  if (!o.eal_profile.empty()) {
    auto read = runtime::ReadEalProfile(o.eal_profile);
    if (!read.ok()) return read.status();
    profile = *std::move(read);
  }
  std::vector<std::string> eal_args = runtime::AssembleEalArgs(
      program, profile, o.eal_extra, absl::StrCat("dhcpgen-", getpid()));
  std::printf("dhcpgen: EAL arguments: %s\n", absl::StrJoin(eal_args, " ").c_str());
  std::fflush(stdout);
  std::vector<char*> argv;
  for (std::string& a : eal_args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(eal_args.size()), argv.data()) < 0) {
    return absl::UnavailableError(
        absl::StrCat("EAL initialisation failed: ", rte_strerror(rte_errno)));
  }
  // dhcpgen is always a primary process that shares its memory with no
  // secondary: its runtime folder (/var/run/dpdk/<prefix>) goes with it,
  // whether the prefix was given or not.
  EalSession eal;
  eal.runtime_dir = rte_eal_get_runtime_dir();

  // The generator first: its tables (clients, pools) are the big allocation,
  // done before any frame moves.
  auto gen_or = Generator::Create(o.gen, rte_get_tsc_hz());
  if (!gen_or.ok()) return gen_or.status();
  std::unique_ptr<Generator> gen = *std::move(gen_or);

  rte_mempool* pool = rte_pktmbuf_pool_create("dhcpgen_mbufs", o.mbufs, 256, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  if (pool == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot create a pool of ", o.mbufs, " mbufs: ", rte_strerror(rte_errno),
        " (give the EAL more memory, -m, or lower --mbufs)"));
  }
  Port port;
  if (absl::Status s = OpenPort(o, pool, &port); !s.ok()) return s;
  rte_ether_addr mac{};
  rte_eth_macaddr_get(port.id, &mac);
  gen->SetPortMac(base::MacAddress::FromBytes(mac.addr_bytes));
  std::printf("dhcpgen: port %s up (%s), lcore %u, %u clients, %s\n", o.port.c_str(),
              base::MacAddress::FromBytes(mac.addr_bytes).ToString().c_str(), rte_lcore_id(),
              o.gen.clients,
              o.gen.rate > 0 ? absl::StrCat("rate ", o.gen.rate, "/s").c_str() : "flat out");
  std::fflush(stdout);

  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  auto guard = runtime::internal::UnmapGuard::Create(1);
  if (!guard.ok()) return guard.status();
  struct GuardCloser {
    runtime::internal::UnmapGuard* guard;
    ~GuardCloser() { runtime::internal::UnmapGuard::Destroy(guard); }
  } closer{*guard};
  const LoopResult loop = Run(o, *gen, port.id, pool, (*guard)->qsbr());

  RunInfo info;
  info.duration_s = loop.duration_s;
  info.offered_rate = o.gen.rate;
  info.window = o.gen.window;
  rte_eth_stats ps{};
  rte_eth_stats_get(port.id, &ps);
  std::printf("%s", FinalText(*gen, info).c_str());
  std::printf("dhcpgen: port rx %llu tx %llu, rx missed %llu, rx no mbuf %llu, tx errors %llu\n",
              static_cast<unsigned long long>(ps.ipackets),
              static_cast<unsigned long long>(ps.opackets),
              static_cast<unsigned long long>(ps.imissed),
              static_cast<unsigned long long>(ps.rx_nombuf),
              static_cast<unsigned long long>(ps.oerrors));
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << FinalJson(*gen, info).dump(2) << "\n";
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", o.json_path));
    std::printf("dhcpgen: wrote %s\n", o.json_path.c_str());
  }
  std::fflush(stdout);
  return gen->stats().invalid_total() > 0 ? kExitInvalid : 0;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  const std::string program = argc > 0 ? argv[0] : "dhcpgen";
  auto opts = ParseCommandLine(args);
  if (!opts.ok()) {
    std::fprintf(stderr, "dhcpgen: %s\n", std::string(opts.status().message()).c_str());
    return kExitError;
  }
  if (opts->help) {
    std::fputs(UsageText().c_str(), stdout);
    return 0;
  }
  auto code = Generate(*opts, program);
  if (!code.ok()) {
    std::fflush(stdout);
    std::fprintf(stderr, "dhcpgen: error: %s\n", std::string(code.status().message()).c_str());
    return kExitError;
  }
  return *code;
}

}  // namespace
}  // namespace dpdhcp::dhcpgen

int main(int argc, char** argv) { return dpdhcp::dhcpgen::Main(argc, argv); }
