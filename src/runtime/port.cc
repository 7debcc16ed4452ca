#include "port.h"

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dpdhcp::runtime::internal {
namespace {

std::string Describe(const PortState& p) {
  return absl::StrFormat("port \"%s\" (interface %s)", p.devargs, p.interfaces);
}

absl::Status Failed(const PortState& p, const std::string& what, int ret) {
  return absl::UnavailableError(
      absl::StrCat(Describe(p), ": ", what, ": ", rte_strerror(ret < 0 ? -ret : ret)));
}

// What to check when a device cannot be probed, by kind of device.
const char* ProbeHint(std::string_view name) {
  if (name.starts_with("net_af_packet")) {
    return " (does the kernel interface named by iface= exist in this network namespace, and "
           "does the process have CAP_NET_RAW?)";
  }
  if (name.starts_with("net_memif")) return " (is the socket= path writable?)";
  if (name.starts_with("net_tap")) return " (does the process have CAP_NET_ADMIN?)";
  if (name.starts_with("net_")) return " (check the driver name and its arguments)";
  return " (a PCI device must be bound to vfio-pci or uio, and the EAL profile must not say "
         "--no-pci)";
}

std::string TxQueueFix(const PortState& p, uint32_t workers, uint16_t max_tx_queues) {
  if (p.driver == "net_af_packet") {
    return absl::StrFormat("add qpairs=%u to the af_packet devargs", workers);
  }
  return absl::StrFormat("run at most %u workers (--workers) or give the device more queues",
                         max_tx_queues);
}

}  // namespace

absl::Status ProbeAndConfigurePort(PortState& p, uint32_t workers, uint16_t rx_descriptors,
                                   uint16_t tx_descriptors) {
  uint16_t id = 0;
  if (rte_eth_dev_get_port_by_name(p.name.c_str(), &id) != 0) {
    const int ret = rte_dev_probe(p.devargs.c_str());
    if (ret < 0) {
      return absl::UnavailableError(absl::StrCat(
          Describe(p), ": cannot probe the device: ", rte_strerror(-ret), ProbeHint(p.name)));
    }
    if (rte_eth_dev_get_port_by_name(p.name.c_str(), &id) != 0) {
      return absl::NotFoundError(
          absl::StrCat(Describe(p), ": probing created no port named \"", p.name, "\""));
    }
  }
  p.port_id = id;

  rte_eth_dev_info info{};
  int ret = rte_eth_dev_info_get(id, &info);
  if (ret != 0) return Failed(p, "cannot read device info", ret);
  p.driver = info.driver_name != nullptr ? info.driver_name : "?";
  if (info.max_rx_queues == 0) {
    return absl::FailedPreconditionError(absl::StrCat(Describe(p), ": the device has no RX queue"));
  }
  if (info.max_tx_queues < workers) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: the device has %u TX queue(s) but each of the %u workers needs "
        "its own: %s",
        Describe(p), info.max_tx_queues, workers, TxQueueFix(p, workers, info.max_tx_queues)));
  }
  // af_packet fans a port's traffic out over all of its qpairs sockets
  // whatever we configure: every one of them must be polled. Elsewhere RSS
  // spreads over the queues configured, one per worker at most.
  p.rx_queues = p.driver == "net_af_packet"
                    ? info.max_rx_queues
                    : static_cast<uint16_t>(std::min<uint32_t>(workers, info.max_rx_queues));
  p.tx_queues = static_cast<uint16_t>(workers);

  rte_eth_conf conf{};
  // Ask for the outer tag in the mbuf rather than re-inserted as 0x8100 into
  // the data (af_packet's behaviour otherwise): the classifier combines it
  // with the data's tags either way, but only then knows it was stripped.
  if ((info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0) {
    conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
  }
  const uint64_t rss = info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
  if (p.rx_queues > 1 && rss != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = rss;
  }
  ret = rte_eth_dev_configure(id, p.rx_queues, p.tx_queues, &conf);
  if (ret != 0) return Failed(p, "cannot configure the device", ret);
  p.configured = true;

  p.rx_descriptors = rx_descriptors;
  p.tx_descriptors = tx_descriptors;
  ret = rte_eth_dev_adjust_nb_rx_tx_desc(id, &p.rx_descriptors, &p.tx_descriptors);
  if (ret != 0) return Failed(p, "cannot adjust the descriptor counts", ret);

  // Virtual devices have no NUMA node: they live where the main lcore is.
  const int socket = rte_eth_dev_socket_id(id);
  p.socket = socket >= 0 ? socket : static_cast<int>(rte_socket_id());
  return absl::OkStatus();
}

absl::Status StartPort(PortState& p, rte_mempool* pool) {
  for (uint16_t q = 0; q < p.rx_queues; ++q) {
    const int ret = rte_eth_rx_queue_setup(p.port_id, q, p.rx_descriptors,
                                           static_cast<unsigned>(p.socket), nullptr, pool);
    if (ret != 0) return Failed(p, absl::StrFormat("cannot set up RX queue %u", q), ret);
  }
  for (uint16_t q = 0; q < p.tx_queues; ++q) {
    const int ret = rte_eth_tx_queue_setup(p.port_id, q, p.tx_descriptors,
                                           static_cast<unsigned>(p.socket), nullptr);
    if (ret != 0) return Failed(p, absl::StrFormat("cannot set up TX queue %u", q), ret);
  }
  // Clients broadcast and relays unicast to our MAC; an interface with a
  // configured MAC other than the port's needs frames to that MAC as well.
  int ret = 0;
  if (rte_eth_promiscuous_get(p.port_id) != 1) {
    ret = rte_eth_promiscuous_enable(p.port_id);
    if (ret != 0 && ret != -ENOTSUP) return Failed(p, "cannot enable promiscuous mode", ret);
    p.promiscuous_set = ret == 0;
  }
  ret = rte_eth_dev_start(p.port_id);
  if (ret != 0) return Failed(p, "cannot start the device", ret);
  p.started = true;
  rte_ether_addr addr{};
  ret = rte_eth_macaddr_get(p.port_id, &addr);
  if (ret != 0) return Failed(p, "cannot read the MAC address", ret);
  p.mac = base::MacAddress::FromBytes(addr.addr_bytes);
  return absl::OkStatus();
}

void StopAndClosePort(PortState& p) {
  if (p.closed || !p.configured) return;
  // A kernel interface under af_packet keeps IFF_PROMISC otherwise.
  if (p.promiscuous_set) rte_eth_promiscuous_disable(p.port_id);
  if (p.started) rte_eth_dev_stop(p.port_id);
  rte_eth_dev_close(p.port_id);
  p.started = false;
  p.closed = true;
}

}  // namespace dpdhcp::runtime::internal
