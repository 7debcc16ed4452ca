// The RFC 2131 decision engine: one parsed request in, one decision out.
//
// No I/O and no clock: the caller passes the time and the request's context,
// and gets back what to send (a DHCP payload written into its buffer and the
// exact §4.1 reply addressing), the lease change to record, and which counter
// a dropped request landed on. One Engine per worker; it writes only the lease
// shards its worker owns and claims addresses through the shared, lock-free
// AddressSpace, so engines on different workers never contend on a lock.
//
// Behaviour contract (RFC 2131 §4.3, numbered as the code that does it):
//  DISCOVER (§4.3.1) → OFFER. Address chosen in this order: the client's
//    reservation; its current binding; its previous binding (affinity, if the
//    address is still free); the requested address (option 50) if free in a
//    pool of the selected subnet; any free address. The offered address is
//    held for `offer-lifetime` seconds so that nobody else is offered it. No
//    address → no reply, `v4-allocation-fail` and drop-no-address-available.
//  REQUEST (§4.3.2), told apart by server-id / requested address / ciaddr:
//    SELECTING (server-id present): ours → commit, ACK; another server's →
//      our offer is withdrawn, no reply.
//    INIT-REBOOT (no server-id, option 50, ciaddr 0): ACK when it matches the
//      binding; NAK when the address is on the wrong network or not the
//      client's; no record → silent unless `authoritative`, then granted if
//      free else NAK.
//    RENEWING / REBINDING (ciaddr set): ACK extends a matching binding; a
//      binding for another address or an address held by someone else → NAK.
//  DECLINE (§4.3.3): the address is quarantined for the probation period
//    (`declined-addresses`), the client's binding is removed (Decision::prior
//    is its kDeleted record, Decision::change the quarantine record).
//  RELEASE (§4.3.4): the binding is freed; the record stays as an affinity
//    hint so the client gets the same address back if it is still free.
//  INFORM (§4.3.5): ACK with configuration options, no lease time, to ciaddr.
//  Server messages and unknown types are counted and dropped.
// Subnet selection: option 82 link-selection (RFC 3527), option 118
// (RFC 3011), giaddr, ciaddr of a unicast renewal, then the ingress interface.
// Replies echo option 82 whole (RFC 3046 §2.2), the client-id (RFC 6842) and
// option 118 (RFC 3011 §3), and honour server-id override (RFC 5107).
// Options resolve reservation > pool > subnet > global; option 121 always
// carries a default route when it is sent (RFC 3442: clients then ignore 3).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/base/time.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"
#include "dpdhcp/proto/dhcp_message.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::engine {

// Where a request came from, filled by the runtime from the frame.
struct RequestContext {
  uint32_t interface_index = 0;  // into Config::interfaces: the ingress port + VLAN tags
  base::Ipv4Address src_ip;      // IPv4 source of the request
  base::Ipv4Address dst_ip;      // IPv4 destination (broadcast or one of ours)
  uint16_t src_port = proto::kClientPort;
  base::MacAddress src_mac;      // L2 source: the client's, or the relay's
  base::UnixSeconds now = 0;
};

enum class ReplyKind : uint8_t { kNone, kOffer, kAck, kNak };

// RFC 2131 §4.1 reply addressing, decided here and written by the runtime.
struct ReplyAddress {
  base::Ipv4Address src_ip;   // the server address the reply comes from
  base::Ipv4Address dst_ip;
  uint16_t src_port = proto::kServerPort;
  uint16_t dst_port = proto::kClientPort;
  base::MacAddress dst_mac;   // chaddr for unicast, ff:.. for broadcast, the relay's for relayed
};

// What a decision did to a lease, for the journal.
enum class LeaseEvent : uint8_t { kNone, kGranted, kRenewed, kReleased, kDeclined, kExpired, kDeleted };

struct LeaseChange {
  LeaseEvent event = LeaseEvent::kNone;
  lease::Lease lease;
};

struct Decision {
  ReplyKind reply = ReplyKind::kNone;
  base::DropReason drop = base::DropReason::kNone;  // why there is no reply, when there is none
  size_t reply_length = 0;                          // DHCP payload bytes written to the reply buffer
  ReplyAddress to;
  // Journaled before `change` when set: the DECLINE path erases the client's
  // binding and creates a quarantine record under another key (RFC 2131
  // §4.3.3), so it emits kDeleted for the erased binding here and kDeclined
  // for the quarantine record in `change`. Replay then never brings the
  // erased binding back once the quarantine record is deleted in its turn.
  LeaseChange prior;
  LeaseChange change;
};

inline Decision DropDecision(base::DropReason reason) {
  Decision d;
  d.drop = reason;
  return d;
}

class OptionCache;  // option_cache.h (internal)

class Engine {
 public:
  // The engine writes the lease shard ShardFor(chaddr) of each request it is
  // given: the runtime steers every request to the worker owning that shard.
  Engine(std::shared_ptr<const config::Config> config, pool::AddressSpace& addresses,
         lease::LeaseStore& leases, stats::WorkerCounters& counters);
  ~Engine();

  // Parses `payload` (a UDP payload to port 67) and decides. Counts
  // pkt4-received, the message type, and any parse failure under its reason.
  Decision HandlePayload(base::ByteSpan payload, const RequestContext& ctx,
                         base::MutableByteSpan reply);

  // Decides on an already parsed request (DhcpMessage::Parse returned kNone).
  Decision Handle(const proto::DhcpMessage& request, const RequestContext& ctx,
                  base::MutableByteSpan reply);

  // Reclaims expired offers, bindings and declined addresses of one shard,
  // visiting at most `budget` records; calls on_change for each (journal).
  template <class Fn>
  size_t ReclaimExpired(uint32_t shard, base::UnixSeconds now, uint32_t budget, Fn&& on_change);
  size_t ReclaimExpired(uint32_t shard, base::UnixSeconds now, uint32_t budget) {
    return ReclaimExpired(shard, now, budget, [](const LeaseChange&) {});
  }

  const config::Config& config() const { return *config_; }

 private:
  struct Request;  // per-call working state, defined in the .cc
  friend struct EngineInternals;

  // Context (engine.cc).
  const config::Subnet* SelectSubnet(const Request& r) const;
  base::Ipv4Address ServerIdFor(const Request& r) const;
  bool IsOurServerId(const Request& r, base::Ipv4Address id) const;
  const config::Reservation* FindReservation(const Request& r) const;
  // Addresses and records (engine.cc).
  bool MayHave(const Request& r, base::Ipv4Address a) const;
  bool Claim(const Request& r, base::Ipv4Address a);
  void Unclaim(base::Ipv4Address a);
  std::optional<base::Ipv4Address> ChooseForOffer(Request& r);
  std::optional<lease::Lease> Record(Request& r, base::Ipv4Address a, lease::LeaseState state,
                                     base::UnixSeconds expire);
  void SubnetGaugeDown(uint32_t subnet_id, stats::SubnetCounter c);
  // One function per message (engine.cc).
  Decision Discover(Request& r);
  Decision RequestMsg(Request& r);
  Decision Commit(Request& r, base::Ipv4Address a);
  Decision Decline(Request& r);
  Decision Release(Request& r);
  Decision Inform(Request& r);
  Decision Nak(Request& r);
  // The reply's bytes and its §4.1 addressing (reply.cc).
  Decision Reply(Request& r, ReplyKind kind, base::Ipv4Address yiaddr, bool inform = false);
  ReplyAddress AddressReply(const Request& r, ReplyKind kind, base::Ipv4Address yiaddr,
                            bool inform) const;

  // Reclaims one expired record; returns the change made.
  LeaseChange ReclaimOne(lease::LeaseShard& shard, uint32_t slot, const lease::Lease& l);

  std::shared_ptr<const config::Config> config_;
  pool::AddressSpace& addresses_;
  lease::LeaseStore& leases_;
  stats::WorkerCounters& counters_;
  uint32_t cursor_ = 0;  // spreads this engine's allocation hints
  base::UnixSeconds last_exhaustion_sweep_ = 0;
  // Reused for every request: the parser keeps fixed-size tables (and an 8 KB
  // buffer for split options) that have no place on a per-packet stack frame.
  proto::DhcpMessage message_;
  // The configured-options blocks of recent replies (reply.cc).
  std::unique_ptr<OptionCache> option_cache_;
};

template <class Fn>
size_t Engine::ReclaimExpired(uint32_t shard_index, base::UnixSeconds now, uint32_t budget,
                              Fn&& on_change) {
  lease::LeaseShard& shard = leases_.shard(shard_index);
  return shard.CollectExpired(now, budget, [&](uint32_t slot, const lease::Lease& l) {
    on_change(ReclaimOne(shard, slot, l));
  });
}

}  // namespace dpdhcp::engine
