// The real dataplane, end to end in one process: a net_ring port whose RX
// ring the test fills with hand-built frames and whose TX rings (one per
// worker) it reads. Runs with --no-huge and no NIC.
//
// The main thread is the EAL main lcore and runs worker 0 inside
// Dataplane::Run; a client thread plays the DHCP clients (DORA for 24 of
// them, on an untagged and on a VLAN 100 interface), an ARP requester, a
// pinger and a source of junk, then stops the dataplane. Parameterised by
// the worker count: with two workers the single RX queue is polled by worker
// 0 and about half of the requests cross the steering ring to worker 1.
#include "dpdhcp/runtime/dataplane.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "../../../src/runtime/unmap_guard.h"
#include "../journal/test_util.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/journal/journal.h"
#include "dpdhcp/journal/replay.h"
#include "dpdhcp/proto/frame.h"
#include "dpdhcp/stats/counters.h"
#include "test_frames.h"

namespace dpdhcp::runtime {
namespace {

using base::Ipv4Address;
using base::MacAddress;
using stats::Counter;

std::string g_eal_error;  // non-empty: the EAL did not start, tests skip
cpu_set_t g_all_cpus;     // the process's CPUs before the EAL pinned the main thread

constexpr unsigned kClients = 24;  // per interface
constexpr auto kHangGuard = std::chrono::seconds(60);
const Ipv4Address kServer(198, 18, 0, 1);
const Ipv4Address kServerVlan(198, 18, 1, 1);
constexpr proto::VlanTags kVlan100{1, proto::kEtherTypeVlan, 100, 0};

std::string ConfigJson(const std::string& port) {
  return absl::StrFormat(R"({"Dhcp4": {
    "interfaces-config": {"interfaces": [
      {"name": "t0", "port": "%s", "address": "198.18.0.1/24"},
      {"name": "t0v100", "port": "%s", "address": "198.18.1.1/24", "vlan": 100}]},
    "valid-lifetime": 600,
    "subnet4": [
      {"id": 1, "subnet": "198.18.0.0/24", "interface": "t0",
       "pools": [{"pool": "198.18.0.100 - 198.18.0.199"}]},
      {"id": 2, "subnet": "198.18.1.0/24", "interface": "t0v100",
       "pools": [{"pool": "198.18.1.100 - 198.18.1.199"}]}]}})",
                         port, port);
}

// What the test reads back from a reply frame.
struct Reply {
  proto::VlanTags vlans;
  MacAddress src_mac, dst_mac;
  uint16_t ethertype = 0;
  bool udp_ok = false;  // parsed as Ethernet/IPv4/UDP with valid checksums
  uint8_t dhcp_type = 0;
  uint32_t xid = 0;
  Ipv4Address yiaddr, server_id;
  std::vector<uint8_t> frame;
};

Reply Decode(const rte_mbuf* m) {
  Reply r;
  const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
  r.frame.assign(p, p + rte_pktmbuf_data_len(m));
  proto::EthernetFrame eth;
  if (proto::ParseEthernet(r.frame, &eth) != base::DropReason::kNone) return r;
  r.vlans = eth.vlans;
  r.src_mac = eth.src;
  r.dst_mac = eth.dst;
  r.ethertype = eth.ethertype;
  proto::ParsedUdpFrame u;
  if (proto::ParseUdpFrame(r.frame, &u) != base::DropReason::kNone) return r;
  r.udp_ok = true;
  const base::ByteSpan d = u.payload;
  if (d.size() < 240) return r;
  r.xid = base::LoadBe32(&d[4]);
  r.yiaddr = Ipv4Address(base::LoadBe32(&d[16]));
  for (size_t i = 240; i + 1 < d.size() && d[i] != 255;) {
    if (d[i] == 0) {
      ++i;
      continue;
    }
    const uint8_t code = d[i], len = d[i + 1];
    if (i + 2 + len > d.size()) break;
    if (code == 53 && len == 1) r.dhcp_type = d[i + 2];
    if (code == 54 && len == 4) r.server_id = Ipv4Address(base::LoadBe32(&d[i + 2]));
    i += 2 + len;
  }
  return r;
}

// The client side of the ring port.
class Wire {
 public:
  Wire(std::string name, uint32_t tx_queues) : name_(std::move(name)) {
    static std::atomic<int> serial{0};
    const int n = serial.fetch_add(1);
    pool_ = rte_pktmbuf_pool_create(absl::StrFormat("dpt_pool%d", n).c_str(), 2047, 0, 0,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    to_server_ = rte_ring_create(absl::StrFormat("dpt_in%d", n).c_str(), 1024, SOCKET_ID_ANY,
                                 RING_F_SP_ENQ | RING_F_SC_DEQ);
    for (uint32_t q = 0; q < tx_queues; ++q) {
      from_server_.push_back(rte_ring_create(absl::StrFormat("dpt_out%d_%u", n, q).c_str(), 1024,
                                             SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ));
    }
    ok_ = pool_ != nullptr && to_server_ != nullptr;
    for (rte_ring* r : from_server_) ok_ = ok_ && r != nullptr;
    if (ok_) {
      const int port =
          rte_eth_from_rings(name_.c_str(), &to_server_, 1, from_server_.data(),
                             static_cast<unsigned>(from_server_.size()), SOCKET_ID_ANY);
      // The port is named "net_ring_<name>": that is what the config names.
      char port_name[RTE_ETH_NAME_MAX_LEN] = {};
      ok_ = port >= 0 && rte_eth_dev_get_name_by_port(static_cast<uint16_t>(port), port_name) == 0;
      name_ = port_name;
    }
  }
  ~Wire() {
    for (rte_ring* r : from_server_) {
      void* obj;
      while (rte_ring_dequeue(r, &obj) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
      rte_ring_free(r);
    }
    if (to_server_ != nullptr) {
      void* obj;
      while (rte_ring_dequeue(to_server_, &obj) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
      rte_ring_free(to_server_);
    }
    rte_mempool_free(pool_);
  }

  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }

  bool Send(const std::vector<uint8_t>& frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) return false;
    auto* p =
        reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())));
    std::memcpy(p, frame.data(), frame.size());
    if (rte_ring_enqueue(to_server_, m) != 0) {
      rte_pktmbuf_free(m);
      return false;
    }
    return true;
  }

  // Replies until `want` came or the hang guard (or `guard`) ran out.
  std::vector<Reply> Receive(size_t want, std::chrono::milliseconds guard = kHangGuard) {
    std::vector<Reply> out;
    const auto deadline = std::chrono::steady_clock::now() + guard;
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
      bool any = false;
      for (rte_ring* r : from_server_) {
        void* obj;
        while (rte_ring_dequeue(r, &obj) == 0) {
          auto* m = static_cast<rte_mbuf*>(obj);
          out.push_back(Decode(m));
          rte_pktmbuf_free(m);
          any = true;
        }
      }
      if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return out;
  }

 private:
  std::string name_;
  rte_mempool* pool_ = nullptr;
  rte_ring* to_server_ = nullptr;
  std::vector<rte_ring*> from_server_;
  bool ok_ = false;
};

MacAddress ClientMac(unsigned interface, unsigned i) {
  return MacAddress(
      {0x02, 0x00, 0x5e, static_cast<uint8_t>(interface), 0x00, static_cast<uint8_t>(i)});
}

struct ClientResults {
  std::vector<Reply> first;   // replies to DISCOVERs, ARP, ping
  std::vector<Reply> second;  // replies to REQUESTs
};

// The client thread: DISCOVER x 2 * kClients + ARP + ping + junk, then
// REQUEST for each offer; stops the dataplane when done.
void PlayClients(Wire& wire, std::atomic<bool>& stop, ClientResults* out) {
  pthread_setaffinity_np(pthread_self(), sizeof g_all_cpus, &g_all_cpus);
  const proto::VlanTags tags[2] = {proto::VlanTags{}, kVlan100};
  for (unsigned itf = 0; itf < 2; ++itf) {
    for (unsigned i = 0; i < kClients; ++i) {
      wire.Send(testing::DiscoverFrame(ClientMac(itf, i), 0x1000 * (itf + 1) + i, tags[itf]));
    }
  }
  wire.Send(testing::ArpFrame(proto::kArpRequest, ClientMac(0, 200), Ipv4Address(198, 18, 0, 50),
                              kServer));
  wire.Send(
      testing::IcmpFrame(ClientMac(0, 201), MacAddress(), Ipv4Address(198, 18, 0, 50), kServer));
  // Junk, each dropped under a reason: VLAN 999 (no interface), ARP for
  // another host, a DISCOVER cut short inside the IPv4 header.
  wire.Send(testing::DiscoverFrame(ClientMac(0, 202), 1,
                                   proto::VlanTags{1, proto::kEtherTypeVlan, 999, 0}));
  wire.Send(testing::ArpFrame(proto::kArpRequest, ClientMac(0, 203), Ipv4Address(198, 18, 0, 50),
                              Ipv4Address(198, 18, 0, 77)));
  std::vector<uint8_t> cut = testing::DiscoverFrame(ClientMac(0, 204), 1);
  cut.resize(30);
  wire.Send(cut);
  out->first = wire.Receive(2 * kClients + 2);

  for (const Reply& r : out->first) {
    if (r.dhcp_type != 2) continue;  // OFFER
    const unsigned itf = r.vlans.count == 0 ? 0 : 1;
    const unsigned i = r.xid & 0xff;
    const MacAddress mac = ClientMac(itf, i);
    wire.Send(testing::ClientFrame(
        mac, testing::DhcpPayload(mac, r.xid, 3 /* REQUEST */, r.yiaddr, r.server_id), tags[itf]));
  }
  out->second = wire.Receive(2 * kClients);
  stop.store(true);
}

class DataplaneTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    if (!g_eal_error.empty()) GTEST_SKIP() << g_eal_error;
    if (GetParam() > rte_lcore_count()) GTEST_SKIP() << "needs " << GetParam() << " EAL lcores";
  }
};

// Small descriptor and steering rings: the ring port and --no-huge memory.
DataplaneOptions SmallRingOptions(uint32_t workers) {
  DataplaneOptions options;
  options.workers = workers;
  options.rx_descriptors = 256;
  options.tx_descriptors = 256;
  options.steering_ring_size = 256;
  return options;
}

TEST_P(DataplaneTest, DoraArpPingAndDropsOverARingPort) {
  const uint32_t workers = GetParam();
  static int serial = 0;
  Wire wire(absl::StrFormat("dpt%d", serial++), workers);
  ASSERT_TRUE(wire.ok()) << "cannot create the ring port: " << rte_strerror(rte_errno);

  auto config = config::ParseConfig(ConfigJson(wire.name()));
  ASSERT_TRUE(config.ok()) << config.status();
  const DataplaneOptions options = SmallRingOptions(workers);
  auto dp = Dataplane::Create(*config, options);
  ASSERT_TRUE(dp.ok()) << dp.status();
  ASSERT_EQ((*dp)->ports().size(), 1u);
  EXPECT_EQ((*dp)->ports()[0].rx_queues, 1u);  // the ring port has one RX ring
  EXPECT_EQ((*dp)->ports()[0].tx_queues, workers);
  const MacAddress server_mac = (*dp)->ports()[0].mac;

  std::atomic<bool> stop{false};
  ClientResults results;
  std::thread clients(PlayClients, std::ref(wire), std::ref(stop), &results);
  const absl::Status run = (*dp)->Run(stop);
  clients.join();
  ASSERT_TRUE(run.ok()) << run;

  // First round: an OFFER per client from its interface's subnet, with the
  // request's tags, plus the ARP and echo replies.
  std::map<uint32_t, Ipv4Address> offered;
  size_t arp = 0, icmp = 0;
  for (const Reply& r : results.first) {
    EXPECT_EQ(r.src_mac, server_mac);
    if (r.ethertype == proto::kEtherTypeArp) {
      ++arp;
      proto::ArpPacket a;
      ASSERT_EQ(proto::ParseArp(base::ByteSpan(r.frame).subspan(14), &a), base::DropReason::kNone);
      EXPECT_EQ(a.op, proto::kArpReply);
      EXPECT_EQ(a.sender_ip, kServer);
      EXPECT_EQ(a.target_mac, ClientMac(0, 200));
      continue;
    }
    if (!r.udp_ok) {  // the echo reply
      ++icmp;
      EXPECT_EQ(r.dst_mac, ClientMac(0, 201));
      continue;
    }
    ASSERT_EQ(r.dhcp_type, 2) << "expected DHCPOFFER";
    const bool vlan = r.vlans.count == 1;
    if (vlan) {
      EXPECT_EQ(r.vlans.outer_vid(), 100);
    }
    EXPECT_EQ(r.server_id, vlan ? kServerVlan : kServer);
    EXPECT_TRUE(base::Ipv4Prefix(vlan ? kServerVlan : kServer, 24).Contains(r.yiaddr));
    EXPECT_TRUE(offered.emplace(r.xid, r.yiaddr).second) << "two offers for xid " << r.xid;
  }
  EXPECT_EQ(offered.size(), 2 * kClients);
  EXPECT_EQ(arp, 1u);
  EXPECT_EQ(icmp, 1u);

  // Second round: an ACK for each, for the offered address.
  size_t acks = 0;
  for (const Reply& r : results.second) {
    ASSERT_EQ(r.dhcp_type, 5) << "expected DHCPACK";
    ASSERT_TRUE(offered.count(r.xid));
    EXPECT_EQ(r.yiaddr, offered[r.xid]);
    ++acks;
  }
  EXPECT_EQ(acks, 2 * kClients);

  const stats::CounterTotals t = stats::Sum((*dp)->counters());
  EXPECT_EQ(t.Get(Counter::kPktDiscoverReceived), 2 * kClients);
  EXPECT_EQ(t.Get(Counter::kPktOfferSent), 2 * kClients);
  EXPECT_EQ(t.Get(Counter::kPktAckSent), 2 * kClients);
  EXPECT_EQ(t.Get(Counter::kArpReplySent), 1u);
  EXPECT_EQ(t.Get(Counter::kIcmpEchoReplySent), 1u);
  EXPECT_EQ(t.GetDrop(base::DropReason::kNoInterface), 1u);
  EXPECT_EQ(t.GetDrop(base::DropReason::kArpNotForUs), 1u);
  EXPECT_EQ(t.GetDrop(base::DropReason::kTruncatedIpv4), 1u);
  EXPECT_EQ(t.GetDrop(base::DropReason::kTxFull), 0u);
  EXPECT_EQ(t.GetDrop(base::DropReason::kSteeringRingFull), 0u);
  EXPECT_EQ(t.Get(Counter::kFramesSent), 4 * kClients + 2);
  if (workers > 1) {
    EXPECT_GT(t.Get(Counter::kFramesSteered), 0u);
    // Worker 1 has no RX queue: everything it handled came over the ring.
    EXPECT_EQ((*dp)->counters()[1]->Get(Counter::kFramesReceived), 0u);
    EXPECT_GT((*dp)->counters()[1]->Get(Counter::kPktAckSent), 0u);
  } else {
    EXPECT_EQ(t.Get(Counter::kFramesSteered), 0u);
  }

  // Each binding sits in the shard of the worker that owns its client.
  size_t bound = 0;
  const lease::LeaseStore& leases = (*dp)->leases();
  for (uint32_t s = 0; s < leases.num_shards(); ++s) {
    leases.shard(s).ForEach([&](uint32_t, const lease::Lease& l) {
      if (l.state != lease::LeaseState::kBound) return;
      ++bound;
      EXPECT_EQ(leases.ShardFor(l.hw()), s);
    });
  }
  EXPECT_EQ(bound, 2 * kClients);
  (*dp)->Close();
}

TEST_P(DataplaneTest, MissingPortIsAClearError) {
  // (A net_ring name would be probed into a fresh loopback ring device.)
  auto config = config::ParseConfig(ConfigJson("net_nosuchdriver0,iface=x"));
  ASSERT_TRUE(config.ok()) << config.status();
  DataplaneOptions options;
  options.workers = GetParam();
  const auto dp = Dataplane::Create(*config, options);
  ASSERT_FALSE(dp.ok());
  EXPECT_NE(dp.status().message().find("net_nosuchdriver0,iface=x"), std::string::npos)
      << dp.status();
  EXPECT_NE(dp.status().message().find("cannot probe"), std::string::npos) << dp.status();
}

TEST_P(DataplaneTest, TooFewTxQueuesNamesTheFix) {
  if (GetParam() < 2) GTEST_SKIP() << "one worker needs one TX queue";
  static int serial = 0;
  Wire wire(absl::StrFormat("dpq%d", serial++), 1);
  ASSERT_TRUE(wire.ok());
  auto config = config::ParseConfig(ConfigJson(wire.name()));
  ASSERT_TRUE(config.ok()) << config.status();
  DataplaneOptions options;
  options.workers = GetParam();
  const auto dp = Dataplane::Create(*config, options);
  ASSERT_FALSE(dp.ok());
  EXPECT_NE(dp.status().message().find("TX queue"), std::string::npos) << dp.status();
  EXPECT_NE(dp.status().message().find("--workers"), std::string::npos) << dp.status();
}

TEST(DataplaneErrorsTest, MoreWorkersThanLcores) {
  if (!g_eal_error.empty()) GTEST_SKIP() << g_eal_error;
  auto config = config::ParseConfig(ConfigJson("net_nosuchdriver1"));
  ASSERT_TRUE(config.ok()) << config.status();
  DataplaneOptions options;
  options.workers = rte_lcore_count() + 1;
  const auto dp = Dataplane::Create(*config, options);
  ASSERT_FALSE(dp.ok());
  EXPECT_NE(dp.status().message().find("lcores"), std::string::npos) << dp.status();
}

// durability: strict through the real workers (issue 4): every ACK leaves
// after its record is durable; while the journal cannot write, no ACK leaves
// and the withheld ones are counted as drop-journal-unavailable; service
// resumes by itself; the journal replays to every acknowledged binding.
TEST_P(DataplaneTest, StrictJournalWithholdsAcksWhileTheDiskFails) {
  const uint32_t workers = GetParam();
  static int serial = 0;
  Wire wire(absl::StrFormat("dpj%d", serial++), workers);
  ASSERT_TRUE(wire.ok()) << "cannot create the ring port: " << rte_strerror(rte_errno);
  auto config = config::ParseConfig(ConfigJson(wire.name()));
  ASSERT_TRUE(config.ok()) << config.status();
  const DataplaneOptions options = SmallRingOptions(workers);
  auto dp = Dataplane::Create(*config, options);
  ASSERT_TRUE(dp.ok()) << dp.status();

  journal::testing::TempDir dir;
  journal::testing::FaultyFileOps faulty;
  journal::JournalOptions jo;
  jo.num_streams = workers;
  jo.file_ops = &faulty;
  jo.retry_interval = std::chrono::milliseconds(20);
  auto j = journal::Journal::Open(dir.path(), jo);
  ASSERT_TRUE(j.ok()) << j.status();
  ASSERT_TRUE((*dp)->AttachJournal(j->get(), config::Durability::kStrict).ok());

  std::atomic<bool> stop{false};
  std::vector<Reply> acks_a, acks_failing, acks_after;
  std::thread clients([&] {
    pthread_setaffinity_np(pthread_self(), sizeof g_all_cpus, &g_all_cpus);
    // Set A and set B: kClients each, all offered first.
    for (unsigned i = 0; i < 2 * kClients; ++i) {
      wire.Send(testing::DiscoverFrame(ClientMac(0, i), 0x3000 + i));
    }
    std::map<unsigned, Reply> offers;
    for (const Reply& r : wire.Receive(2 * kClients)) offers[r.xid - 0x3000] = r;
    auto request = [&](unsigned i) {
      const Reply& o = offers[i];
      wire.Send(testing::ClientFrame(
          ClientMac(0, i), testing::DhcpPayload(ClientMac(0, i), o.xid, 3, o.yiaddr, o.server_id)));
    };
    for (unsigned i = 0; i < kClients; ++i) request(i);
    acks_a = wire.Receive(kClients);
    // The disk fails: B's REQUESTs get no ACK. Those decided before the
    // journal saw the failure are parked; the retries after it are withheld.
    faulty.write_errno.store(ENOSPC);
    for (unsigned i = kClients; i < 2 * kClients; ++i) request(i);
    journal::testing::Eventually([&] { return !(*j)->healthy(); });
    for (unsigned i = kClients; i < 2 * kClients; ++i) request(i);
    acks_failing = wire.Receive(2 * kClients, std::chrono::milliseconds(500));
    // It works again: the records kept in the rings are written, parked
    // ACKs leave, and B's retries are answered.
    faulty.write_errno.store(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (unsigned i = kClients; i < 2 * kClients; ++i) request(i);
    acks_after = wire.Receive(kClients);
    stop.store(true);
  });
  const absl::Status run = (*dp)->Run(stop);
  clients.join();
  ASSERT_TRUE(run.ok()) << run;

  EXPECT_EQ(acks_a.size(), kClients);
  for (const Reply& r : acks_a) EXPECT_EQ(r.dhcp_type, 5);
  EXPECT_TRUE(acks_failing.empty()) << acks_failing.size() << " ACKs left while writes failed";
  EXPECT_GE(acks_after.size(), kClients);
  std::map<uint32_t, Ipv4Address> acked;  // xid -> address, every ACK seen
  for (const auto* set : {&acks_a, &acks_after}) {
    for (const Reply& r : *set) {
      EXPECT_EQ(r.dhcp_type, 5);
      acked[r.xid] = r.yiaddr;
    }
  }
  EXPECT_EQ(acked.size(), 2 * kClients);
  const stats::CounterTotals t = stats::Sum((*dp)->counters());
  EXPECT_GT(t.GetDrop(base::DropReason::kJournalUnavailable), 0u);
  EXPECT_GT(faulty.failed_writes.load(), 0u);

  ASSERT_TRUE((*j)->Sync(std::chrono::seconds(10)));
  (*j)->Stop();
  lease::LeaseStore replayed(workers, 1024);
  auto r = journal::Replay(dir.path(), replayed, nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  std::map<uint32_t, Ipv4Address> bound;  // low MAC byte -> address
  for (uint32_t s = 0; s < replayed.num_shards(); ++s) {
    replayed.shard(s).ForEach([&](uint32_t, const lease::Lease& l) {
      if (l.state == lease::LeaseState::kBound) bound[l.hw()[5]] = l.address;
    });
  }
  for (const auto& [xid, address] : acked) {
    const unsigned i = xid - 0x3000;
    ASSERT_TRUE(bound.count(i)) << "client " << i << " was ACKed but is not in the journal";
    EXPECT_EQ(bound[i], address);
  }
  (*dp)->Close();
}

INSTANTIATE_TEST_SUITE_P(Workers, DataplaneTest, ::testing::Values(1u, 2u),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return absl::StrFormat("%uWorkers", info.param);
                         });

// munmap() in this process (the memif PMD's, when a peer disconnects) waits
// while a worker is between two quiescent reports, i.e. inside a loop
// iteration, and goes ahead once it reports or goes offline.
TEST(UnmapGuardTest, MunmapWaitsForAWorkerInsideAnIteration) {
  if (!g_eal_error.empty()) GTEST_SKIP() << g_eal_error;
  auto guard = internal::UnmapGuard::Create(2);
  ASSERT_TRUE(guard.ok()) << guard.status();
  rte_rcu_qsbr* v = (*guard)->qsbr();
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));

  // Offline readers hold nothing back.
  void* a = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(a, MAP_FAILED);
  EXPECT_EQ(munmap(a, page), 0);

  // Reader 0 online and in the middle of an iteration: the unmap waits.
  rte_rcu_qsbr_thread_online(v, 0);
  void* b = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(b, MAP_FAILED);
  std::atomic<bool> unmapped{false};
  std::atomic<int> result{-2};
  std::thread unmapper([&] {
    result = munmap(b, page);
    unmapped = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(unmapped.load()) << "munmap() did not wait for the worker inside its iteration";
  *static_cast<volatile char*>(b) = 1;  // still mapped: the "worker" may touch it
  rte_rcu_qsbr_quiescent(v, 0);
  unmapper.join();
  EXPECT_TRUE(unmapped.load());
  EXPECT_EQ(result.load(), 0);

  // A worker's own munmap() reports it quiescent instead of waiting for itself.
  internal::SetUnmapGuardThread(v, 0);
  void* c = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(c, MAP_FAILED);
  EXPECT_EQ(munmap(c, page), 0);
  internal::SetUnmapGuardThread(nullptr, RTE_QSBR_THRID_INVALID);
  rte_rcu_qsbr_thread_offline(v, 0);

  // Errors still come back as munmap()'s.
  errno = 0;
  EXPECT_EQ(munmap(reinterpret_cast<void*>(1), page), -1);
  EXPECT_EQ(errno, EINVAL);
  internal::UnmapGuard::Destroy(*guard);
}

// Two lcores on two different CPUs when the process has two (busy-polling
// lcores sharing a CPU take turns by scheduler slices), else both on one.
std::string LcoreMap() {
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c) {
    if (CPU_ISSET(c, &g_all_cpus)) cpus.push_back(c);
  }
  if (cpus.empty()) cpus.push_back(0);
  return absl::StrFormat("0@%d,1@%d", cpus[0], cpus.size() > 1 ? cpus[1] : cpus[0]);
}

}  // namespace
}  // namespace dpdhcp::runtime

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  using dpdhcp::runtime::g_all_cpus;
  using dpdhcp::runtime::g_eal_error;
  CPU_ZERO(&g_all_cpus);
  sched_getaffinity(0, sizeof g_all_cpus, &g_all_cpus);
  std::vector<std::string> args = {"dataplane_test",
                                   "--no-huge",
                                   "-m",
                                   "128",
                                   "--no-pci",
                                   "--no-shconf",
                                   "--lcores",
                                   dpdhcp::runtime::LcoreMap(),
                                   "--log-level",
                                   "*:warning",
                                   "--file-prefix",
                                   absl::StrFormat("dpdhcp-rt-test-%d", getpid())};
  std::vector<char*> eal_argv;
  for (std::string& a : args) eal_argv.push_back(a.data());
  eal_argv.push_back(nullptr);
  const bool eal_up = rte_eal_init(static_cast<int>(args.size()), eal_argv.data()) >= 0;
  if (!eal_up) {
    g_eal_error = std::string("EAL initialisation failed (") + rte_strerror(rte_errno) +
                  "): the dataplane tests need DPDK with --no-huge support";
  }
  const int result = RUN_ALL_TESTS();
  if (eal_up) {
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir, ignored);  // the EAL leaves it behind
  }
  return result;
}
