// Building the reply: BOOTP header, options in the order RFC 2131 and the
// client's parameter request list ask for, and the §4.1 addressing.
#include <bitset>

#include "dpdhcp/engine/engine.h"
#include "option_cache.h"
#include "request_state.h"
#include "dpdhcp/proto/option_defs.h"
#include "dpdhcp/proto/option_writer.h"

namespace dpdhcp::engine {

using base::Ipv4Address;
namespace opt = proto::option;

namespace {

// RFC 1542 §2.1: some relays and clients drop BOOTP messages shorter than the
// original 300-byte BOOTP size, so replies are padded up to it.
constexpr size_t kMinBootpSize = 300;

// Where configured options come from, most specific first (reservation >
// pool > subnet > global).
struct OptionChain {
  const config::OptionSet* sets[4] = {};
  size_t count = 0;

  void Push(const config::OptionSet* s) {
    if (s != nullptr) sets[count++] = s;
  }
  const config::OptionData* Find(uint8_t code) const {
    for (size_t i = 0; i < count; ++i) {
      if (const config::OptionData* o = sets[i]->Find(code)) return o;
    }
    return nullptr;
  }
};

// RFC 3442 §3: a client that receives option 121 ignores option 3, so the
// default route must be inside 121 itself. Returns true when one is there.
bool HasDefaultRoute(base::ByteSpan routes) {
  size_t i = 0;
  while (i < routes.size()) {
    const uint8_t width = routes[i];
    if (width == 0) return true;
    i += 1 + (width + 7) / 8 + 4;
  }
  return false;
}

class OptionSink {
 public:
  OptionSink(proto::OptionWriter& w, const OptionChain& chain) : w_(w), chain_(chain) {}
  // A sink that continues another: the codes it wrote count as written.
  OptionSink(proto::OptionWriter& w, const OptionSink& after)
      : w_(w), chain_(after.chain_), written_(after.written_) {}

  bool Put(uint8_t code, base::ByteSpan value) {
    written_.set(code);
    return Note(w_.Add(code, value));
  }
  bool PutU8(uint8_t code, uint8_t v) { written_.set(code); return Note(w_.AddU8(code, v)); }
  bool PutU32(uint8_t code, uint32_t v) { written_.set(code); return Note(w_.AddU32(code, v)); }
  bool PutAddress(uint8_t code, Ipv4Address a) {
    written_.set(code);
    return Note(w_.AddAddress(code, a));
  }
  bool Written(uint8_t code) const { return written_.test(code); }
  // Whether some option was left out for lack of room.
  bool overflowed() const { return overflowed_; }

  // A configured option, if there is one; an option that does not fit is left
  // out (the client asked, but the mandatory ones come first).
  void PutConfigured(uint8_t code) {
    if (written_.test(code)) return;
    const config::OptionData* o = chain_.Find(code);
    if (o == nullptr) return;
    if (code == opt::kClasslessStaticRoute) {
      PutClasslessRoutes(*o);
      return;
    }
    Put(code, base::ByteSpan(o->data.data(), o->data.size()));
  }

 private:
  void PutClasslessRoutes(const config::OptionData& o) {
    const base::ByteSpan routes(o.data.data(), o.data.size());
    const config::OptionData* routers = chain_.Find(opt::kRouters);
    if (HasDefaultRoute(routes) || routers == nullptr || routers->data.size() < 4 || routes.size() > 250) {
      Put(opt::kClasslessStaticRoute, routes);
      return;
    }
    uint8_t buf[255];
    std::copy(routes.begin(), routes.end(), buf);
    buf[routes.size()] = 0;  // width 0: 0.0.0.0/0 via the first router
    std::copy(routers->data.begin(), routers->data.begin() + 4, buf + routes.size() + 1);
    Put(opt::kClasslessStaticRoute, base::ByteSpan(buf, routes.size() + 5));
  }

  bool Note(bool ok) {
    overflowed_ |= !ok;
    return ok;
  }

  proto::OptionWriter& w_;
  const OptionChain& chain_;
  std::bitset<256> written_;
  bool overflowed_ = false;
};

// The client's parameter request list, in its order (RFC 2131 §4.3.1), then
// what the operator marked always-send.
void PutRequested(OptionSink& sink, base::ByteSpan request_list,
                  const config::Reservation* reservation, const OptionChain& chain) {
  for (const uint8_t code : request_list) {
    if (code == opt::kHostName && reservation != nullptr && !reservation->hostname.empty() &&
        chain.Find(code) == nullptr) {
      const std::string& h = reservation->hostname;
      sink.Put(opt::kHostName, base::ByteSpan(reinterpret_cast<const uint8_t*>(h.data()), h.size()));
      continue;
    }
    sink.PutConfigured(code);
  }
  for (size_t i = 0; i < chain.count; ++i) {
    for (const config::OptionData& o : chain.sets[i]->options) {
      if (o.always_send) sink.PutConfigured(o.code);
    }
  }
}

}  // namespace

Decision Engine::Reply(Request& r, ReplyKind kind, Ipv4Address yiaddr, bool inform) {
  const proto::DhcpMessage& m = r.msg;
  uint8_t* out = r.reply.data();
  const size_t limit = proto::MaxReplyPayload(m, r.reply.size());
  if (limit < kMinBootpSize) return DropDecision(base::DropReason::kReplyTooLarge);

  // RFC 2131 §4.3.1 table 3: ciaddr is 0 in OFFER and NAK; ACK carries the
  // request's ciaddr (renewals, INFORM).
  const Ipv4Address ciaddr = kind == ReplyKind::kAck ? m.ciaddr() : Ipv4Address();
  proto::WriteReplyHeader(out, m, ciaddr, yiaddr, Ipv4Address());
  if (kind == ReplyKind::kNak && !m.giaddr().IsZero()) {
    // §4.3.2: a NAK through a relay has the broadcast bit set, so the relay
    // broadcasts it to a client that may have a wrong address.
    base::StoreBe16(out + proto::kOffFlags, m.flags() | proto::kBroadcastFlag);
  }

  OptionChain chain;
  if (r.reservation != nullptr) chain.Push(&r.reservation->options);
  const Ipv4Address pool_address = inform ? m.ciaddr() : yiaddr;
  const config::Pool* pool = r.subnet->FindPool(pool_address);
  if (pool != nullptr) chain.Push(&pool->options);
  chain.Push(&r.subnet->options);
  chain.Push(&r.cfg.options);

  proto::OptionWriter w(out + proto::kDhcpOptionsOffset, limit - proto::kDhcpOptionsOffset);
  OptionSink sink(w, chain);
  const uint8_t type = kind == ReplyKind::kOffer ? 2 : kind == ReplyKind::kAck ? 5 : 6;
  bool ok = sink.PutU8(opt::kMessageType, type) && sink.PutAddress(opt::kServerId, r.server_id);
  if (kind != ReplyKind::kNak) {
    if (!inform) {
      // §4.3.1: lease time in OFFER and ACK; T1/T2 (§4.4.5) unless infinite.
      const config::Subnet& s = *r.subnet;
      ok = ok && sink.PutU32(opt::kLeaseTime, s.valid_lifetime);
      if (s.valid_lifetime != base::kInfiniteLifetime) {
        ok = ok && sink.PutU32(opt::kRenewalTime, s.renew_timer) &&
             sink.PutU32(opt::kRebindingTime, s.rebind_timer);
      }
    }
    if (chain.Find(opt::kSubnetMask) == nullptr) {
      ok = ok && sink.PutAddress(opt::kSubnetMask, Ipv4Address(r.subnet->prefix.mask()));
    }
    if (!ok) return DropDecision(base::DropReason::kReplyTooLarge);
    // Everything written so far is fixed by the key, so the block that
    // follows is too (option_cache.h). A block that does not fit whole is
    // written option by option, leaving out what does not fit.
    const OptionCache::Key key{r.subnet, pool, inform, m.parameter_request_list()};
    bool done = false;
    if (r.reservation == nullptr && OptionCache::Cacheable(key)) {
      OptionCache::Entry& e = option_cache_->Slot(r.cfg, key);
      bool hit = e.Matches(key);
      if (!hit) {
        uint8_t block[OptionCache::kMaxBytes + 1];  // + the byte a writer keeps for END
        proto::OptionWriter bw(block, sizeof block);
        OptionSink bs(bw, sink);
        PutRequested(bs, key.list, nullptr, chain);
        hit = !bs.overflowed() && OptionCache::Fill(e, key, base::ByteSpan(block, bw.size()));
      }
      done = hit && w.AddEncoded(e.block());
    }
    if (!done) PutRequested(sink, m.parameter_request_list(), r.reservation, chain);
  } else if (!ok) {
    return DropDecision(base::DropReason::kReplyTooLarge);
  }
  // Echoes: client-id (RFC 6842 §3), subnet selection (RFC 3011 §3), and the
  // relay agent information last, whole (RFC 3046 §2.2).
  if (const auto cid = m.option(opt::kClientId)) sink.Put(opt::kClientId, *cid);
  if (const auto sel = m.option(opt::kSubnetSelection)) sink.Put(opt::kSubnetSelection, *sel);
  if (const auto rai = m.option(opt::kRelayAgentInfo)) {
    if (!sink.Put(opt::kRelayAgentInfo, *rai)) return DropDecision(base::DropReason::kReplyTooLarge);
  }
  size_t length = proto::kDhcpOptionsOffset + w.Finish();
  if (length < kMinBootpSize) {
    std::fill(out + length, out + kMinBootpSize, uint8_t{0});
    length = kMinBootpSize;
  }

  Decision d;
  d.reply = kind;
  d.reply_length = length;
  d.to = AddressReply(r, kind, yiaddr, inform);
  counters_.Add(stats::Counter::kPktSent);
  counters_.Add(kind == ReplyKind::kOffer ? stats::Counter::kPktOfferSent
                : kind == ReplyKind::kAck ? stats::Counter::kPktAckSent
                                          : stats::Counter::kPktNakSent);
  return d;
}

// RFC 2131 §4.1, "If the 'giaddr' field ... is non-zero" and the paragraphs
// after it, in order.
ReplyAddress Engine::AddressReply(const Request& r, ReplyKind kind, Ipv4Address yiaddr,
                                  bool inform) const {
  const proto::DhcpMessage& m = r.msg;
  ReplyAddress to;
  to.src_ip = r.iface->address;
  to.src_port = proto::kServerPort;
  to.dst_port = proto::kClientPort;
  if (!m.giaddr().IsZero()) {
    // To the relay's server port — or, when the relay says it listens on
    // another one, to the port it sent from (RFC 8357 §5.1).
    to.dst_ip = m.giaddr();
    to.dst_port = r.relayed_info && r.rai.relay_port ? r.ctx.src_port : proto::kServerPort;
    to.dst_mac = r.ctx.src_mac;
    return to;
  }
  const bool broadcast_to_client = [&] {
    if (kind == ReplyKind::kNak) return true;  // "broadcasts any DHCPNAK messages"
    if (!m.ciaddr().IsZero()) return false;
    if (inform) return false;
    return m.broadcast();
  }();
  if (broadcast_to_client) {
    to.dst_ip = base::kBroadcastAddress;
    to.dst_mac = base::kBroadcastMac;
    return to;
  }
  if (!m.ciaddr().IsZero()) {
    to.dst_ip = m.ciaddr();
    to.dst_mac = r.ctx.src_mac;
    return to;
  }
  if (inform) {
    to.dst_ip = r.ctx.src_ip;
    to.dst_mac = r.ctx.src_mac;
    return to;
  }
  // Unicast to the client hardware address and yiaddr: we write the frame
  // ourselves, so no ARP entry is needed (§4.1).
  to.dst_ip = yiaddr;
  const base::ByteSpan ch = m.chaddr();
  to.dst_mac = (m.htype() == 1 && ch.size() == 6) ? base::MacAddress::FromBytes(ch.data()) : base::kBroadcastMac;
  return to;
}

}  // namespace dpdhcp::engine
