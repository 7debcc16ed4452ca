#include "dpdhcp/runtime/dataplane.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <algorithm>
#include <bit>
#include <ctime>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "dpdhcp/pool/address_space.h"
#include "dpdhcp/runtime/eal_args.h"
#include "dpdhcp/runtime/frame_classifier.h"
#include "dpdhcp/runtime/interface_table.h"
#include "dpdhcp/runtime/sizing.h"
#include "port.h"
#include "unmap_guard.h"
#include "worker.h"
#include "worker_commands.h"

namespace dpdhcp::runtime {

using internal::PortState;

struct Dataplane::Impl {
  std::shared_ptr<const config::Config> config;
  DataplaneOptions options;
  uint32_t instance = 0;         // makes DPDK object names unique within the process
  std::vector<unsigned> lcores;  // worker w runs on lcores[w]; lcores[0] is the main lcore
  std::shared_ptr<pool::AddressSpace> addresses;  // shared with the control view
  std::unique_ptr<lease::LeaseStore> leases;
  uint32_t lease_capacity = 0;
  std::vector<PortState> ports;
  std::vector<size_t> port_of_interface;  // config interface -> ports index
  InterfaceTable table;
  std::vector<InterfaceAddress> interface_addresses;
  std::unique_ptr<FrameClassifier> classifier;
  internal::SharedState shared;
  std::map<int, std::pair<rte_mempool*, uint32_t>> pools;  // socket -> (pool, mbufs)
  std::vector<rte_ring*> rings;
  std::vector<std::unique_ptr<stats::WorkerCounters>> counters;
  std::vector<std::unique_ptr<internal::Worker>> workers;
  // Holds munmap() back while a worker is inside a burst (unmap_guard.h).
  internal::UnmapGuard* unmap_guard = nullptr;
  std::unique_ptr<LeaseControl> control;  // the workers' command rings
  std::vector<internal::LaunchArgs> launch_args;
  std::vector<PortSummary> port_summaries;
  std::vector<WorkerSummary> worker_summaries;
  bool closed = false;

  ~Impl() { Close(); }

  absl::Status CollectPorts();
  absl::Status CreatePools();
  absl::Status BuildInterfaces();
  absl::Status CreateWorkers();
  void DrainRings();
  void Close();
};

namespace {

std::atomic<uint32_t> next_instance{0};
// Per-subnet counter rows every worker block has, so that a reload can add
// subnets (40 bytes a row per worker).
constexpr size_t kReloadSubnetCapacity = 1024;

std::string TagsText(const config::Interface& itf) {
  if (itf.outer_vlan && itf.vlan)
    return absl::StrFormat("outer vlan %u, vlan %u", *itf.outer_vlan, *itf.vlan);
  if (itf.vlan) return absl::StrFormat("vlan %u", *itf.vlan);
  return "untagged";
}

}  // namespace

// Groups the configured interfaces by DPDK device: interfaces that differ
// only by VLAN tags share one port, configured once.
absl::Status Dataplane::Impl::CollectPorts() {
  std::map<std::string, size_t, std::less<>> by_name;
  for (size_t i = 0; i < config->interfaces.size(); ++i) {
    const config::Interface& itf = config->interfaces[i];
    const std::string name(DeviceNameOf(itf.port));
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("interface ", itf.name, ": empty port"));
    }
    auto [it, inserted] = by_name.try_emplace(name, ports.size());
    if (inserted) {
      PortState p;
      p.devargs = itf.port;
      p.name = name;
      p.interfaces = itf.name;
      ports.push_back(std::move(p));
    } else {
      PortState& p = ports[it->second];
      if (HasDeviceOptions(itf.port) && HasDeviceOptions(p.devargs) && itf.port != p.devargs) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "interfaces %s and %s name device %s with different arguments (\"%s\", \"%s\"): give "
            "the arguments once, or the same on both",
            p.interfaces, itf.name, name, p.devargs, itf.port));
      }
      if (HasDeviceOptions(itf.port)) p.devargs = itf.port;
      absl::StrAppend(&p.interfaces, ",", itf.name);
    }
    port_of_interface.push_back(it->second);
  }
  return absl::OkStatus();
}

absl::Status Dataplane::Impl::CreatePools() {
  const uint32_t workers = static_cast<uint32_t>(lcores.size());
  std::map<int, MbufDemand> demand;
  for (const PortState& p : ports) {
    MbufDemand& d = demand[p.socket];
    d.rx_descriptors += uint32_t{p.rx_queues} * p.rx_descriptors;
    d.tx_descriptors += uint32_t{p.tx_queues} * p.tx_descriptors;
    // A burst being processed and a full TX buffer per worker.
    d.in_flight += workers * (internal::kRxBurst + internal::kTxBufferSize);
    d.workers = workers;
  }
  // Steering rings hold mbufs of any port; count them on the first port's socket.
  demand[ports.front().socket].in_flight +=
      workers * (workers - 1) * (options.steering_ring_size - 1);
  // Parked ACKs hold no mbuf (ack_parking.h): they take one from the pool
  // only when they leave, which the TX burst returns at once.

  for (const auto& [socket, d] : demand) {
    const uint32_t n = MbufPoolSize(d);
    const std::string name = absl::StrFormat("dpdhcp%u_mbuf_s%d", instance, socket);
    rte_mempool* pool = rte_pktmbuf_pool_create(name.c_str(), n, kMbufCacheSize, 0,
                                                RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (pool == nullptr) {
      const double mib =
          static_cast<double>(n) * (RTE_MBUF_DEFAULT_BUF_SIZE + sizeof(rte_mbuf) + 64) / (1 << 20);
      return absl::ResourceExhaustedError(absl::StrFormat(
          "cannot create the mbuf pool of socket %d (%u mbufs, about %.0f MiB): %s; give the EAL "
          "more memory (-m in the EAL profile) or run fewer workers",
          socket, n, mib, rte_strerror(rte_errno)));
    }
    pools[socket] = {pool, n};
  }
  return absl::OkStatus();
}

absl::Status Dataplane::Impl::BuildInterfaces() {
  std::vector<InterfaceKey> keys;
  for (size_t i = 0; i < config->interfaces.size(); ++i) {
    const config::Interface& itf = config->interfaces[i];
    const PortState& p = ports[port_of_interface[i]];
    keys.push_back(KeyForInterface(p.port_id, itf));
    interface_addresses.push_back(InterfaceAddress{itf.address, itf.mac.value_or(p.mac)});
  }
  auto table_or = InterfaceTable::Build(keys);
  if (!table_or.ok()) return table_or.status();
  table = *std::move(table_or);
  classifier = std::make_unique<FrameClassifier>(table, interface_addresses);
  return absl::OkStatus();
}

absl::Status Dataplane::Impl::CreateWorkers() {
  const uint32_t n = static_cast<uint32_t>(lcores.size());
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const uint64_t tsc = rte_rdtsc();
  shared.classifier = classifier.get();
  shared.leases = leases.get();
  shared.clock =
      TscClock(tsc, rte_get_tsc_hz(), uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec));

  for (uint32_t w = 0; w < n; ++w) {
    // Room for the subnets a config reload may add (LeaseControl::Reconfigure).
    counters.push_back(std::make_unique<stats::WorkerCounters>(
        std::max(config->subnets.size(), kReloadSubnetCapacity)));
    auto engine = std::make_unique<engine::Engine>(config, *addresses, *leases, *counters.back());
    workers.push_back(std::make_unique<internal::Worker>(w, lcores[w], shared, std::move(engine),
                                                         *counters.back()));
  }
  // Ring w -> o lives on the owner's socket: the owner reads it in every loop.
  std::vector<std::vector<rte_ring*>> outbound(n, std::vector<rte_ring*>(n, nullptr));
  for (uint32_t o = 0; o < n; ++o) {
    for (uint32_t w = 0; w < n; ++w) {
      if (w == o) continue;
      const std::string name = absl::StrFormat("dpdhcp%u_s%u_%u", instance, w, o);
      rte_ring* ring = rte_ring_create(name.c_str(), options.steering_ring_size,
                                       static_cast<int>(rte_lcore_to_socket_id(lcores[o])),
                                       RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (ring == nullptr) {
        return absl::ResourceExhaustedError(
            absl::StrFormat("cannot create steering ring %u->%u (%u entries): %s", w, o,
                            options.steering_ring_size, rte_strerror(rte_errno)));
      }
      rings.push_back(ring);
      outbound[w][o] = ring;
      workers[o]->AddInboundRing(ring);
    }
  }
  auto guard = internal::UnmapGuard::Create(n);
  if (!guard.ok()) return guard.status();
  unmap_guard = *guard;
  for (uint32_t w = 0; w < n; ++w) {
    workers[w]->SetUnmapGuard(unmap_guard->qsbr());
    workers[w]->SetOutboundRings(outbound[w]);
    workers[w]->SetIdleSleep(options.idle_sleep_us);
    // Parked ACKs leave in mbufs of the worker's own socket where it has a pool.
    const auto pool = pools.find(static_cast<int>(rte_lcore_to_socket_id(lcores[w])));
    workers[w]->SetParkingPool((pool != pools.end() ? pool : pools.begin())->second.first);
  }

  std::vector<int> sockets;
  std::vector<stats::WorkerCounters*> blocks;
  for (uint32_t w = 0; w < n; ++w) {
    sockets.push_back(static_cast<int>(rte_lcore_to_socket_id(lcores[w])));
    blocks.push_back(counters[w].get());
  }
  auto channel = internal::CreateLeaseControl(absl::StrFormat("dpdhcp%u", instance), sockets,
                                              config, addresses, leases.get(), blocks);
  if (!channel.ok()) return channel.status();
  for (uint32_t w = 0; w < n; ++w) workers[w]->SetCommandRing((*channel)->workers[w].ring);
  // A reload swaps the config the shutdown report and config() see.
  (*channel)->on_swap = [this](std::shared_ptr<const config::Config> c) { config = std::move(c); };
  control = std::make_unique<LeaseControl>(*std::move(channel));

  worker_summaries.resize(n);
  for (uint32_t w = 0; w < n; ++w) {
    worker_summaries[w].index = w;
    worker_summaries[w].lcore = lcores[w];
    worker_summaries[w].shard = w;
  }
  for (const PortState& p : ports) {
    for (uint16_t q = 0; q < p.rx_queues; ++q) {
      workers[q % n]->AddRxQueue(p.port_id, q);
      worker_summaries[q % n].rx_queues.emplace_back(p.port_id, q);
    }
    for (uint32_t w = 0; w < n; ++w) workers[w]->AddTxQueue(p.port_id, static_cast<uint16_t>(w));
  }
  return absl::OkStatus();
}

void Dataplane::Impl::DrainRings() {
  void* obj = nullptr;
  for (rte_ring* ring : rings) {
    while (rte_ring_sc_dequeue(ring, &obj) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
  }
}

void Dataplane::Impl::Close() {
  if (closed) return;
  closed = true;
  for (PortState& p : ports) internal::StopAndClosePort(p);
  DrainRings();
  for (rte_ring* ring : rings) rte_ring_free(ring);
  rings.clear();
  for (auto& [socket, pool] : pools) rte_mempool_free(pool.first);
  pools.clear();
  // Every worker has stopped (offline): nothing is left to wait for.
  internal::UnmapGuard::Destroy(unmap_guard);
  unmap_guard = nullptr;
}

absl::StatusOr<std::unique_ptr<Dataplane>> Dataplane::Create(
    std::shared_ptr<const config::Config> config, const DataplaneOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->options = options;
  impl->instance = next_instance.fetch_add(1);
  const config::Config& cfg = *impl->config;

  if (rte_lcore_id() != rte_get_main_lcore()) {
    return absl::FailedPreconditionError("the dataplane must be created on the EAL main lcore");
  }
  if (options.steering_ring_size < 2 || !std::has_single_bit(options.steering_ring_size)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("steering ring size %u is not a power of two", options.steering_ring_size));
  }
  std::vector<unsigned> lcores = {rte_get_main_lcore()};
  unsigned lcore = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) { lcores.push_back(lcore); }
  const uint32_t available = static_cast<uint32_t>(lcores.size());
  const uint32_t workers = options.workers != 0 ? options.workers : available;
  if (workers > available) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--workers %u needs as many EAL lcores, the EAL has %u (list more with -l or --lcores in "
        "the EAL profile)",
        workers, available));
  }
  if (workers > lease::kMaxShards) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%u workers: at most %u are supported", workers, lease::kMaxShards));
  }
  lcores.resize(workers);
  impl->lcores = lcores;
  if (cfg.interfaces.empty()) {
    return absl::InvalidArgumentError(
        "Dhcp4.interfaces-config.interfaces is empty: there is no port to serve");
  }

  auto space = pool::AddressSpace::Build(cfg);
  if (!space.ok()) return space.status();
  impl->addresses = *std::move(space);
  impl->lease_capacity =
      options.lease_capacity != 0 ? options.lease_capacity : DefaultLeaseCapacity(cfg, workers);
  impl->leases = std::make_unique<lease::LeaseStore>(workers, impl->lease_capacity);

  if (absl::Status s = impl->CollectPorts(); !s.ok()) return s;
  for (PortState& p : impl->ports) {
    if (absl::Status s = internal::ProbeAndConfigurePort(p, workers, options.rx_descriptors,
                                                         options.tx_descriptors);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = impl->CreatePools(); !s.ok()) return s;
  for (PortState& p : impl->ports) {
    if (absl::Status s = internal::StartPort(p, impl->pools.at(p.socket).first); !s.ok()) return s;
  }
  if (absl::Status s = impl->BuildInterfaces(); !s.ok()) return s;
  if (absl::Status s = impl->CreateWorkers(); !s.ok()) return s;

  for (const PortState& p : impl->ports) {
    PortSummary s;
    s.name = p.name;
    s.devargs = p.devargs;
    s.driver = p.driver;
    s.port_id = p.port_id;
    s.mac = p.mac;
    s.rx_queues = p.rx_queues;
    s.tx_queues = p.tx_queues;
    s.socket = p.socket;
    impl->port_summaries.push_back(std::move(s));
  }
  return std::unique_ptr<Dataplane>(new Dataplane(std::move(impl)));
}

Dataplane::Dataplane(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Dataplane::~Dataplane() = default;

absl::Status Dataplane::Run(std::atomic<bool>& stop) {
  Impl& d = *impl_;
  if (d.closed) return absl::FailedPreconditionError("the dataplane is closed");
  if (rte_lcore_id() != d.lcores[0]) {
    return absl::FailedPreconditionError("Run must be called on the EAL main lcore");
  }
  d.launch_args.assign(d.workers.size(), internal::LaunchArgs{nullptr, &stop});
  absl::Status status;
  size_t launched = 1;
  for (size_t w = 0; w < d.workers.size(); ++w) d.launch_args[w].worker = d.workers[w].get();
  for (; launched < d.workers.size(); ++launched) {
    const int ret =
        rte_eal_remote_launch(internal::WorkerMain, &d.launch_args[launched], d.lcores[launched]);
    if (ret != 0) {
      status =
          absl::UnavailableError(absl::StrFormat("cannot launch worker %u on lcore %u: %s",
                                                 launched, d.lcores[launched], rte_strerror(-ret)));
      stop.store(true);
      break;
    }
  }
  if (status.ok()) d.workers[0]->Run(stop);
  for (size_t w = 1; w < launched; ++w) rte_eal_wait_lcore(d.lcores[w]);
  // Requests a worker steered to one that had already stopped.
  d.DrainRings();
  return status;
}

void Dataplane::Close() { impl_->Close(); }

std::vector<std::string> Dataplane::DescribeLines() const {
  const Impl& d = *impl_;
  std::vector<std::string> lines;
  for (const PortSummary& p : d.port_summaries) {
    lines.push_back(absl::StrFormat(
        "port %s: id %u, driver %s, mac %s, socket %d, rx queues %u, tx queues %u", p.name,
        p.port_id, p.driver, p.mac.ToString(), p.socket, p.rx_queues, p.tx_queues));
  }
  for (const auto& [socket, pool] : d.pools) {
    lines.push_back(absl::StrFormat("mbuf pool socket %d: %u mbufs", socket, pool.second));
  }
  for (size_t i = 0; i < d.config->interfaces.size(); ++i) {
    const config::Interface& itf = d.config->interfaces[i];
    lines.push_back(absl::StrFormat("interface %s: port %s, %s, address %s/%u, mac %s", itf.name,
                                    d.ports[d.port_of_interface[i]].name, TagsText(itf),
                                    itf.address.ToString(), itf.prefix.length(),
                                    d.interface_addresses[i].mac.ToString()));
  }
  for (const WorkerSummary& w : d.worker_summaries) {
    std::vector<std::string> queues;
    for (const auto& [port, queue] : w.rx_queues) {
      std::string name = absl::StrCat(port);
      for (const PortSummary& p : d.port_summaries) {
        if (p.port_id == port) name = p.name;
      }
      queues.push_back(absl::StrFormat("%s:%u", name, queue));
    }
    lines.push_back(absl::StrFormat(
        "worker %u: lcore %u, rx queues [%s], lease shard %u (capacity %u)", w.index, w.lcore,
        queues.empty() ? "none: steering rings only" : absl::StrJoin(queues, " "), w.shard,
        d.lease_capacity));
  }
  return lines;
}

const std::vector<PortSummary>& Dataplane::ports() const { return impl_->port_summaries; }
const std::vector<WorkerSummary>& Dataplane::workers() const { return impl_->worker_summaries; }

std::vector<const stats::WorkerCounters*> Dataplane::counters() const {
  std::vector<const stats::WorkerCounters*> out;
  for (const auto& c : impl_->counters) out.push_back(c.get());
  return out;
}

const lease::LeaseStore& Dataplane::leases() const { return *impl_->leases; }
lease::LeaseStore& Dataplane::mutable_leases() { return *impl_->leases; }
pool::AddressSpace& Dataplane::addresses() { return *impl_->addresses; }

absl::Status Dataplane::AttachJournal(journal::Journal* journal, config::Durability durability) {
  Impl& d = *impl_;
  if (journal != nullptr && journal->num_streams() < d.workers.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the journal has %u streams for %zu workers", journal->num_streams(), d.workers.size()));
  }
  for (auto& w : d.workers) w->SetJournal(journal, durability);
  return absl::OkStatus();
}
const config::Config& Dataplane::config() const { return *impl_->config; }
LeaseControl& Dataplane::control() { return *impl_->control; }

PortLink Dataplane::ReadPortLink(size_t port_index) const {
  PortLink l;
  const PortState& p = impl_->ports.at(port_index);
  if (p.closed || !p.started) return l;
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(p.port_id, &link) != 0) return l;
  l.up = link.link_status == RTE_ETH_LINK_UP;
  l.speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
  return l;
}

PortCounters Dataplane::ReadPortCounters(size_t port_index) const {
  PortCounters c;
  const PortState& p = impl_->ports.at(port_index);
  if (p.closed || !p.started) return c;
  rte_eth_stats st{};
  if (rte_eth_stats_get(p.port_id, &st) != 0) return c;
  c.rx_packets = st.ipackets;
  c.tx_packets = st.opackets;
  c.rx_missed = st.imissed;
  c.rx_errors = st.ierrors;
  c.tx_errors = st.oerrors;
  c.rx_nombuf = st.rx_nombuf;
  return c;
}

}  // namespace dpdhcp::runtime
