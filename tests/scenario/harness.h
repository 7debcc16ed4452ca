// Scenario harness: the real engine, address space and lease store, driven by
// simulated clients with a manual clock (in the manner of Kea's Dhcp4Client
// and Seastar's manual_clock). The server side is N engines, one per lease
// shard, and each request goes to the engine owning ShardFor(chaddr), as the
// runtime's steering does.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/engine/engine.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::scenario {

using base::Ipv4Address;
using base::MacAddress;
using proto::MessageType;

// A reply decoded independently of the server's own codec (so that a codec
// bug cannot hide itself): fixed fields plus options as code -> value.
struct DecodedReply {
  uint8_t op = 0;
  uint32_t xid = 0;
  uint16_t flags = 0;
  Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
  std::vector<uint8_t> chaddr;
  std::map<uint8_t, std::vector<uint8_t>> options;
  std::vector<uint8_t> option_order;  // codes in wire order

  uint8_t type() const;
  bool Has(uint8_t code) const { return options.count(code) > 0; }
  std::optional<uint32_t> U32(uint8_t code) const;
  std::optional<Ipv4Address> Address(uint8_t code) const;
};
std::optional<DecodedReply> DecodeReply(const uint8_t* data, size_t size);

// What a simulated client puts in one message.
struct Message {
  MessageType type = MessageType::kDiscover;
  uint32_t xid = 0;
  Ipv4Address ciaddr, giaddr;
  std::optional<Ipv4Address> requested, server_id, subnet_selection;
  bool broadcast = false;
  std::vector<uint8_t> prl = {1, 3, 6, 15, 51, 54};
  std::vector<uint8_t> client_id;   // option 61 when non-empty
  std::vector<uint8_t> relay_info;  // option 82 value when non-empty
  uint8_t hops = 0;
};

struct Exchange {
  engine::Decision decision;
  std::optional<DecodedReply> reply;  // set when the server answered
  engine::ReplyKind kind() const { return decision.reply; }
};

class Server {
 public:
  // Parses `config_json` (must be valid) and builds `num_shards` shards, one
  // engine each.
  Server(const std::string& config_json, uint32_t num_shards, uint32_t capacity_per_shard = 4096);

  // Delivers a request to the owning engine. `via_relay`: the frame came from
  // the relay's MAC at giaddr:67.
  Exchange Send(const MacAddress& chaddr, const Message& m, uint32_t interface_index = 0,
                uint16_t src_port = 0);
  // Reclaims every shard's expired records.
  size_t ReclaimAll();

  void Advance(uint32_t seconds) { now_ += seconds; }
  base::UnixSeconds now() const { return now_; }

  const config::Config& config() const { return *config_; }
  pool::AddressSpace& addresses() { return *addresses_; }
  lease::LeaseStore& leases() { return *leases_; }
  stats::CounterTotals Totals() const;
  int64_t SubnetGauge(uint32_t subnet_id, stats::SubnetCounter c) const;
  // Every bound lease (state kBound and not expired) as address -> key hash.
  std::map<uint32_t, std::vector<std::string>> BoundAddresses() const;
  uint32_t num_shards() const { return static_cast<uint32_t>(engines_.size()); }
  std::vector<engine::LeaseChange>& changes() { return changes_; }

 private:
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<pool::AddressSpace> addresses_;
  std::unique_ptr<lease::LeaseStore> leases_;
  std::vector<std::unique_ptr<stats::WorkerCounters>> counters_;
  std::vector<std::unique_ptr<engine::Engine>> engines_;
  std::vector<engine::LeaseChange> changes_;
  base::UnixSeconds now_ = 1'800'000'000;
};

// Builds the UDP payload of a client message.
std::vector<uint8_t> BuildMessage(const MacAddress& chaddr, const Message& m);

// A DHCP client as RFC 2131 §4.4 describes it, one state machine per MAC.
class Client {
 public:
  Client(Server& server, MacAddress mac) : server_(server), mac_(mac) {}

  Client& WithClientId(std::vector<uint8_t> id) { client_id_ = std::move(id); return *this; }
  Client& ViaRelay(Ipv4Address giaddr, std::vector<uint8_t> relay_info = {}) {
    giaddr_ = giaddr;
    relay_info_ = std::move(relay_info);
    return *this;
  }
  Client& OnInterface(uint32_t i) { interface_ = i; return *this; }

  Exchange Discover(std::optional<Ipv4Address> requested = std::nullopt);
  Exchange RequestSelecting(Ipv4Address address, Ipv4Address server_id);
  Exchange RequestInitReboot(Ipv4Address address);
  Exchange Renew();   // RENEWING: unicast, ciaddr
  Exchange Rebind();  // REBINDING: broadcast, ciaddr
  Exchange Release();
  Exchange Decline();
  Exchange Inform(Ipv4Address ciaddr);
  // DISCOVER + REQUEST; returns the ACK exchange (or the failing one).
  Exchange Dora(std::optional<Ipv4Address> requested = std::nullopt);

  Ipv4Address address() const { return address_; }
  Ipv4Address server_id() const { return server_id_; }
  const MacAddress& mac() const { return mac_; }
  Message Base(MessageType t);
  Exchange Send(const Message& m);

 private:
  void Absorb(const Exchange& e);

  Server& server_;
  MacAddress mac_;
  std::vector<uint8_t> client_id_;
  Ipv4Address giaddr_;
  std::vector<uint8_t> relay_info_;
  uint32_t interface_ = 0;
  uint32_t next_xid_ = 1;
  Ipv4Address address_, server_id_;
};

MacAddress TestMac(uint32_t n);  // 02:00:xx:xx:xx:xx

}  // namespace dpdhcp::scenario
