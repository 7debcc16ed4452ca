#include "dpdhcp/engine/engine.h"
#include "option_cache.h"
#include "request_state.h"

#include <bitset>
#include <optional>

#include "dpdhcp/base/hash.h"
#include "dpdhcp/proto/option_defs.h"
#include "dpdhcp/proto/relay_agent_info.h"

namespace dpdhcp::engine {

using base::DropReason;
using base::Ipv4Address;
using lease::Lease;
using lease::LeaseState;
using proto::MessageType;
using stats::Counter;
using stats::SubnetCounter;

namespace {

Decision Drop(DropReason reason) { return DropDecision(reason); }

// An address the subnet may still hand out: the client's reservation, or an
// address of one of the subnet's pools. A config reload may have taken a
// held address out of every pool: such a binding is neither offered again
// nor renewed, it runs out (docs/control.md, "config-reload").
bool StillServed(const pool::AddressSpace& space, const config::Reservation* reservation,
                 size_t subnet_index, Ipv4Address a) {
  if (reservation != nullptr && reservation->address == a) return true;
  const auto pool = space.Find(a);
  return pool && pool->subnet_index == subnet_index;
}

}  // namespace

Engine::Engine(std::shared_ptr<const config::Config> config, pool::AddressSpace& addresses,
               lease::LeaseStore& leases, stats::WorkerCounters& counters)
    : config_(std::move(config)),
      addresses_(addresses),
      leases_(leases),
      counters_(counters),
      option_cache_(std::make_unique<OptionCache>()) {}

Engine::~Engine() = default;

Decision Engine::HandlePayload(base::ByteSpan payload, const RequestContext& ctx,
                               base::MutableByteSpan reply) {
  proto::DhcpMessage& msg = message_;
  counters_.Add(Counter::kPktReceived);
  const DropReason parse = msg.Parse(payload);
  if (parse == DropReason::kNone) return Handle(msg, ctx, reply);
  switch (parse) {
    case DropReason::kDhcpServerMessage:
      // Still counted by type, as Kea does: pkt4-offer/ack/nak-received.
      switch (msg.type_code()) {
        case 2: counters_.Add(Counter::kPktOfferReceived); break;
        case 5: counters_.Add(Counter::kPktAckReceived); break;
        case 6: counters_.Add(Counter::kPktNakReceived); break;
        default: break;
      }
      break;
    case DropReason::kDhcpUnknownMessageType:
      counters_.Add(Counter::kPktUnknownReceived);
      break;
    default:
      counters_.Add(Counter::kPktParseFailed);
      break;
  }
  counters_.Drop(parse);
  return Drop(parse);
}

Decision Engine::Handle(const proto::DhcpMessage& msg, const RequestContext& ctx,
                        base::MutableByteSpan reply) {
  switch (msg.type()) {
    case MessageType::kDiscover: counters_.Add(Counter::kPktDiscoverReceived); break;
    case MessageType::kRequest: counters_.Add(Counter::kPktRequestReceived); break;
    case MessageType::kDecline: counters_.Add(Counter::kPktDeclineReceived); break;
    case MessageType::kRelease: counters_.Add(Counter::kPktReleaseReceived); break;
    case MessageType::kInform: counters_.Add(Counter::kPktInformReceived); break;
    default:
      counters_.Add(Counter::kPktUnknownReceived);
      counters_.Drop(DropReason::kDhcpUnknownMessageType);
      return Drop(DropReason::kDhcpUnknownMessageType);
  }

  Request r{msg, ctx, reply, *config_};
  Decision d = [&]() -> Decision {
    // A request that did not come through a relay must come from the client
    // port (RFC 2131 §4.1); anything else is a spoofed or stray packet.
    if (msg.giaddr().IsZero() && ctx.src_port != proto::kClientPort) {
      return Drop(DropReason::kBadSourcePort);
    }
    if (ctx.interface_index < r.cfg.interfaces.size()) r.iface = &r.cfg.interfaces[ctx.interface_index];
    if (!msg.relay_agent_info().empty()) {
      // Parse already validated option 82; this only extracts sub-options.
      r.relayed_info = proto::ParseRelayAgentInfo(msg.relay_agent_info(), &r.rai) == DropReason::kNone;
    }
    r.subnet = SelectSubnet(r);
    if (r.subnet == nullptr || r.iface == nullptr) {
      counters_.Add(Counter::kAllocationFail);
      counters_.Add(Counter::kAllocationFailSubnet);
      return Drop(DropReason::kNoSubnet);
    }
    r.server_id = ServerIdFor(r);

    // RFC 2131 §4.2: the client is identified by option 61 when it sends one
    // (unless the subnet ignores it: Kea's match-client-id), else by chaddr.
    const base::ByteSpan client_id = msg.client_id();
    r.key = (!client_id.empty() && r.subnet->match_client_id)
                ? lease::ClientKey::FromClientId(client_id)
                : lease::ClientKey::FromHardware(msg.htype(), msg.chaddr());
    r.shard_index = leases_.ShardFor(msg.chaddr());
    r.shard = &leases_.shard(r.shard_index);
    r.current = r.shard->Find(r.key);
    r.reservation = FindReservation(r);

    switch (msg.type()) {
      case MessageType::kDiscover: return Discover(r);
      case MessageType::kRequest: return RequestMsg(r);
      case MessageType::kDecline: return Decline(r);
      case MessageType::kRelease: return Release(r);
      default: return Inform(r);
    }
  }();
  if (d.drop != DropReason::kNone) counters_.Drop(d.drop);
  return d;
}

// Subnet selection precedence (RFC 3527 §3, RFC 3011 §3, RFC 2131 §4.3.1).
const config::Subnet* Engine::SelectSubnet(const Request& r) const {
  if (r.relayed_info && r.rai.link_selection) {
    return r.cfg.FindSubnetContaining(*r.rai.link_selection);
  }
  if (const auto sel = r.msg.subnet_selection()) return r.cfg.FindSubnetContaining(*sel);
  if (!r.msg.giaddr().IsZero()) return r.cfg.FindSubnetForRelay(r.msg.giaddr());
  // A renewing client unicasts straight to the server, bypassing its relay:
  // its ciaddr names its subnet (§4.3.2 RENEWING).
  if (!r.msg.ciaddr().IsZero() && r.msg.type() != MessageType::kDiscover) {
    if (const config::Subnet* s = r.cfg.FindSubnetContaining(r.msg.ciaddr())) return s;
  }
  if (r.iface == nullptr) return nullptr;
  return r.cfg.FindSubnetForInterface(r.ctx.interface_index);
}

// RFC 5107: a relay's server-id override is what the client must see as our
// identifier; else an operator-set option 54; else the ingress address.
Ipv4Address Engine::ServerIdFor(const Request& r) const {
  if (r.relayed_info && r.rai.server_id_override) return *r.rai.server_id_override;
  for (const config::OptionSet* set : {&r.subnet->options, &r.cfg.options}) {
    if (const config::OptionData* o = set->Find(proto::option::kServerId); o && o->data.size() == 4) {
      return Ipv4Address(base::LoadBe32(o->data.data()));
    }
  }
  return r.iface->address;
}

bool Engine::IsOurServerId(const Request& r, Ipv4Address id) const {
  if (id == r.server_id) return true;
  for (const config::Interface& i : r.cfg.interfaces) {
    if (i.address == id) return true;
  }
  return false;
}

// Kea's host identifier order: hw-address, client-id, then circuit-id.
const config::Reservation* Engine::FindReservation(const Request& r) const {
  const config::Subnet& s = *r.subnet;
  if (s.reservations.empty()) return nullptr;
  if (const auto* res = s.FindReservation(config::ReservationKey::kHwAddress, r.msg.chaddr())) return res;
  if (!r.msg.client_id().empty()) {
    if (const auto* res = s.FindReservation(config::ReservationKey::kClientId, r.msg.client_id())) return res;
  }
  if (r.relayed_info && !r.rai.circuit_id.empty()) {
    if (const auto* res = s.FindReservation(config::ReservationKey::kCircuitId, r.rai.circuit_id)) return res;
  }
  return nullptr;
}

// May this client have address `a` at all? Not when it is reserved for
// someone else, or when the client's own reservation names another address.
bool Engine::MayHave(const Request& r, Ipv4Address a) const {
  if (r.reservation != nullptr && !r.reservation->address.IsZero()) return r.reservation->address == a;
  const config::Reservation* owner = r.subnet->FindReservationByAddress(a);
  return owner == nullptr;
}

// Claims `a` for the client: its reserved address (in a pool or not), or a
// free pool address of the selected subnet.
bool Engine::Claim(const Request& r, Ipv4Address a) {
  if (!r.subnet->prefix.Contains(a) || !MayHave(r, a)) return false;
  if (r.reservation != nullptr && r.reservation->address == a) {
    // Out-of-pool reservations are outside the AddressSpace: only their owner
    // is ever given them, so there is nothing to claim.
    if (!addresses_.Find(a)) return true;
    if (addresses_.ClaimReserved(a)) return true;
    counters_.Add(Counter::kReservationConflicts);
    return false;
  }
  const auto ref = addresses_.Find(a);
  return ref && ref->subnet_index == r.subnet->index && addresses_.TryClaim(a);
}

void Engine::Unclaim(Ipv4Address a) {
  if (!addresses_.Find(a)) return;
  addresses_.SetHolder(a, pool::kNoHolder);
  addresses_.Release(a);
}

// RFC 2131 §4.3.1 address choice for a DISCOVER, claiming it when it is new.
std::optional<Ipv4Address> Engine::ChooseForOffer(Request& r) {
  const base::UnixSeconds now = r.ctx.now;
  if (r.reservation != nullptr && !r.reservation->address.IsZero()) {
    const Ipv4Address a = r.reservation->address;
    if (r.Holds(a) || Claim(r, a)) return a;
  }
  if (r.current) {
    const Lease& cur = r.current->lease;
    // Current binding (or pending offer), even if expired but not yet
    // reclaimed: the record still holds the claim, nobody else can have it.
    if (r.Holds(cur.address) && r.subnet->prefix.Contains(cur.address) && MayHave(r, cur.address) &&
        StillServed(addresses_, r.reservation, r.subnet->index, cur.address)) {
      return cur.address;
    }
    // Previous binding: give it back when it is still free.
    if ((cur.state == LeaseState::kReleased || cur.state == LeaseState::kExpired) &&
        !cur.address.IsZero() && Claim(r, cur.address)) {
      return cur.address;
    }
  }
  if (const auto req = r.msg.requested_address(); req && Claim(r, *req)) return *req;
  const uint32_t hint = static_cast<uint32_t>(r.key.Hash()) + cursor_++;
  if (auto a = addresses_.ClaimAny(r.subnet->index, hint)) return a;
  // Exhausted: expired leases of our own shard may not be reclaimed yet. A
  // full sweep costs O(shard), so it runs at most once a second: a storm of
  // DISCOVERs against an empty pool must not turn into a sweep per packet.
  if (now != last_exhaustion_sweep_ &&
      (last_exhaustion_sweep_ = now, ReclaimExpired(r.shard_index, now, r.shard->capacity()) > 0)) {
    r.current = r.shard->Find(r.key);  // our own record may have been reclaimed
    if (auto a = addresses_.ClaimAny(r.subnet->index, hint)) return a;
  }
  return std::nullopt;
}

// Writes the client's record for `address` in `state` (insert or update),
// releasing a different address it held, and keeps the gauges right.
std::optional<Lease> Engine::Record(Request& r, Ipv4Address address, LeaseState state,
                                    base::UnixSeconds expire) {
  Lease l = r.current ? r.current->lease : Lease{};
  const bool was_bound = r.current && r.current->lease.state == LeaseState::kBound;
  const uint32_t old_subnet_id = l.subnet_id;
  if (r.current && lease::HoldsAddress(r.current->lease.state) && r.current->lease.address != address) {
    Unclaim(r.current->lease.address);
  }
  l.key = r.key;
  l.SetHardware(r.msg.htype(), r.msg.chaddr());
  l.address = address;
  l.subnet_id = r.subnet->id;
  l.state = state;
  l.expire = expire;
  if (state == LeaseState::kBound) l.cltt = r.ctx.now;

  uint32_t slot;
  if (r.current) {
    slot = r.current->slot;
    r.shard->Store(slot, l);
  } else {
    const auto inserted = r.shard->Insert(l);
    if (!inserted) {
      Unclaim(address);
      return std::nullopt;
    }
    slot = *inserted;
  }
  r.current = lease::LeaseShard::Found{slot, l};
  if (lease::HoldsAddress(state)) addresses_.SetHolder(address, lease::MakeLeaseRef(r.shard_index, slot));

  const bool is_bound = state == LeaseState::kBound;
  if (is_bound && !was_bound) {
    counters_.AddSubnet(r.subnet->index, SubnetCounter::kAssignedAddresses, 1);
    counters_.AddSubnet(r.subnet->index, SubnetCounter::kCumulativeAssignedAddresses, 1);
  } else if (!is_bound && was_bound) {
    SubnetGaugeDown(old_subnet_id, SubnetCounter::kAssignedAddresses);
  } else if (is_bound && was_bound && old_subnet_id != l.subnet_id) {
    SubnetGaugeDown(old_subnet_id, SubnetCounter::kAssignedAddresses);
    counters_.AddSubnet(r.subnet->index, SubnetCounter::kAssignedAddresses, 1);
  }
  return l;
}

void Engine::SubnetGaugeDown(uint32_t subnet_id, SubnetCounter c) {
  if (const config::Subnet* s = config_->FindSubnetById(subnet_id)) counters_.AddSubnet(s->index, c, -1);
}

Decision Engine::Discover(Request& r) {
  const auto address = ChooseForOffer(r);
  if (!address) {
    counters_.Add(Counter::kAllocationFail);
    counters_.Add(Counter::kAllocationFailNoPools);
    return Drop(DropReason::kNoAddressAvailable);
  }
  // A client that DISCOVERs while bound keeps its binding (and its expiry);
  // otherwise the address is held for offer-lifetime seconds.
  const bool bound = r.Holds(*address) && r.current->lease.state == LeaseState::kBound;
  std::optional<Lease> l;
  if (bound) {
    l = r.current->lease;
  } else {
    l = Record(r, *address, LeaseState::kOffered, base::ExpiryAfter(r.ctx.now, r.cfg.offer_lifetime));
  }
  if (!l) return Drop(DropReason::kLeaseTableFull);
  return Reply(r, ReplyKind::kOffer, *address);
}

// Binds `address` to the client (commit of §4.3.2), claiming it when the
// client does not hold it yet; NAK when it cannot have it.
Decision Engine::Commit(Request& r, Ipv4Address address) {
  const bool renewal = r.Holds(address) && r.current->lease.state == LeaseState::kBound;
  if (!r.Holds(address)) {
    if (!Claim(r, address)) return Nak(r);
  } else if (!MayHave(r, address)) {
    return Nak(r);
  } else if (!StillServed(addresses_, r.reservation, r.subnet->index, address)) {
    // §4.3.2: the client's notion of its address is no longer correct.
    return Nak(r);
  }
  const auto l = Record(r, address, LeaseState::kBound, base::ExpiryAfter(r.ctx.now, r.subnet->valid_lifetime));
  if (!l) return Drop(DropReason::kLeaseTableFull);
  Decision d = Reply(r, ReplyKind::kAck, address);
  if (d.reply == ReplyKind::kAck) {
    d.change = {renewal ? LeaseEvent::kRenewed : LeaseEvent::kGranted, *l};
  }
  return d;
}

Decision Engine::RequestMsg(Request& r) {
  const proto::DhcpMessage& m = r.msg;
  const auto requested = m.requested_address();
  const Ipv4Address ciaddr = m.ciaddr();

  if (const auto sid = m.server_id()) {
    // SELECTING (§4.3.2): the client answers one server's offer.
    if (!IsOurServerId(r, *sid)) {
      // It chose another server: withdraw our offer so the address is free.
      if (r.current && r.current->lease.state == LeaseState::kOffered) {
        Unclaim(r.current->lease.address);
        Lease l = r.current->lease;
        l.state = LeaseState::kExpired;
        r.shard->Store(r.current->slot, l);
      }
      return Drop(DropReason::kServerIdNotOurs);
    }
    const Ipv4Address a = requested ? *requested : ciaddr;
    if (a.IsZero()) return Drop(DropReason::kRequestMissingAddress);
    // Our offer was for another address, or the client asks for an address
    // we did not offer and cannot give: NAK.
    if (r.current && lease::HoldsAddress(r.current->lease.state) && r.current->lease.address != a &&
        r.current->lease.state == LeaseState::kOffered) {
      return Nak(r);
    }
    return Commit(r, a);
  }

  const bool init_reboot = requested && ciaddr.IsZero();
  const Ipv4Address a = init_reboot ? *requested : ciaddr;
  if (a.IsZero()) return Drop(DropReason::kRequestMissingAddress);
  // INIT-REBOOT, RENEWING, REBINDING: an address on the wrong network is
  // NAKed (§4.3.2: "client's notion of its IP address is not correct").
  if (!r.subnet->prefix.Contains(a)) return Nak(r);
  if (r.Holds(a)) return Commit(r, a);
  if (r.current && lease::HoldsAddress(r.current->lease.state) && r.current->lease.state != LeaseState::kDeclined) {
    return Nak(r);  // the client is bound to another address
  }
  if (!r.current && !r.subnet->authoritative) {
    // A RENEWING client unicasts to the server that granted its lease (us);
    // with no record left (an operator's lease4-del or lease4-wipe) the
    // address is no longer its own: NAK, so it restarts with a DISCOVER.
    if (!init_reboot && IsOurServerId(r, r.ctx.dst_ip)) return Nak(r);
    // §4.3.2 INIT-REBOOT (and a broadcast REBINDING): "If the DHCP server
    // has no record of this client, then it MUST remain silent" — for
    // peaceful coexistence with other servers.
    return Drop(DropReason::kInitRebootUnknownClient);
  }
  // We know the client (an expired or released binding), or we are
  // authoritative: grant the address when it is free, else NAK.
  return Commit(r, a);
}

Decision Engine::Decline(Request& r) {
  const auto sid = r.msg.server_id();
  if (sid && !IsOurServerId(r, *sid)) return Drop(DropReason::kServerIdNotOurs);
  const auto a = r.msg.requested_address();
  if (!a || !r.Holds(*a)) return Drop(DropReason::kDeclineUnknownLease);

  // §4.3.3: the address is in use by someone we do not know of. It stays
  // claimed, now by a quarantine record of its own (keyed by the address with
  // hardware type 0, which no client can send), for the probation period.
  const Lease old = r.current->lease;
  r.shard->Erase(r.current->slot);
  if (old.state == LeaseState::kBound) SubnetGaugeDown(old.subnet_id, SubnetCounter::kAssignedAddresses);

  Lease q{};
  uint8_t addr_bytes[4];
  base::StoreBe32(addr_bytes, a->value());
  q.key = lease::ClientKey::FromHardware(0, base::ByteSpan(addr_bytes, 4));
  q.SetHardware(old.htype, old.hw());
  q.address = *a;
  q.subnet_id = old.subnet_id;
  q.state = LeaseState::kDeclined;
  q.cltt = r.ctx.now;
  q.expire = base::ExpiryAfter(r.ctx.now, r.cfg.decline_probation_period);
  const auto slot = r.shard->Insert(q);  // cannot fail: we just freed a slot
  if (slot) {
    addresses_.SetHolder(*a, lease::MakeLeaseRef(r.shard_index, *slot));
  } else {
    Unclaim(*a);
  }
  counters_.AddSubnet(r.subnet->index, SubnetCounter::kDeclinedAddresses, 1);
  Decision d;  // no reply to a DECLINE
  d.prior = {LeaseEvent::kDeleted, old};
  d.change = {LeaseEvent::kDeclined, q};
  return d;
}

Decision Engine::Release(Request& r) {
  const auto sid = r.msg.server_id();
  if (sid && !IsOurServerId(r, *sid)) return Drop(DropReason::kServerIdNotOurs);
  const Ipv4Address a = r.msg.ciaddr();
  if (a.IsZero() || !r.Holds(a) || r.current->lease.state != LeaseState::kBound) {
    return Drop(DropReason::kReleaseUnknownLease);
  }
  // §4.3.4: the binding ends; the record stays as an affinity hint so a
  // returning client is offered the same address while it is still free.
  Lease l = r.current->lease;
  Unclaim(a);
  l.state = LeaseState::kReleased;
  l.expire = r.ctx.now;
  r.shard->Store(r.current->slot, l);
  SubnetGaugeDown(l.subnet_id, SubnetCounter::kAssignedAddresses);
  Decision d;
  d.change = {LeaseEvent::kReleased, l};
  return d;
}

Decision Engine::Inform(Request& r) {
  // §4.3.5: the answer goes to ciaddr; a client that left it 0 is answered at
  // the address it sent from, as Kea does; with neither there is nowhere to go.
  if (r.msg.giaddr().IsZero() && r.msg.ciaddr().IsZero() && r.ctx.src_ip.IsZero()) {
    return Drop(DropReason::kInformNoAddress);
  }
  return Reply(r, ReplyKind::kAck, Ipv4Address(), /*inform=*/true);
}

Decision Engine::Nak(Request& r) { return Reply(r, ReplyKind::kNak, Ipv4Address()); }

LeaseChange Engine::ReclaimOne(lease::LeaseShard& shard, uint32_t slot, const Lease& l) {
  Unclaim(l.address);
  LeaseChange change{LeaseEvent::kExpired, l};
  if (l.state == LeaseState::kDeclined) {
    // Probation over: the address returns to the pool (RFC 2131 §4.3.3).
    shard.Erase(slot);
    SubnetGaugeDown(l.subnet_id, SubnetCounter::kDeclinedAddresses);
    if (const config::Subnet* s = config_->FindSubnetById(l.subnet_id)) {
      counters_.AddSubnet(s->index, SubnetCounter::kReclaimedDeclinedAddresses, 1);
    }
    counters_.Add(Counter::kReclaimedDeclined);
    change.event = LeaseEvent::kDeleted;
    return change;
  }
  Lease expired = l;
  expired.state = LeaseState::kExpired;
  shard.Store(slot, expired);
  if (l.state == LeaseState::kBound) {
    SubnetGaugeDown(l.subnet_id, SubnetCounter::kAssignedAddresses);
    if (const config::Subnet* s = config_->FindSubnetById(l.subnet_id)) {
      counters_.AddSubnet(s->index, SubnetCounter::kReclaimedLeases, 1);
    }
    counters_.Add(Counter::kReclaimedLeases);
  }
  change.lease = expired;
  return change;
}

}  // namespace dpdhcp::engine
