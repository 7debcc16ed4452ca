// The population and its bookkeeping: idle rings, the pending-send ring, the
// deadline list, transaction start and end. Requests: request.cc; replies:
// reply.cc.
#include "generator.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"
#include "client.h"

namespace dpdhcp::dhcpgen {

namespace {

struct ReasonInfo {
  const char* key;
  const char* text;
};
constexpr ReasonInfo kReasons[] = {
#define X(name, key, text) {key, text},
#include "invalid_reason.def"
#undef X
};
static_assert(sizeof(kReasons) / sizeof(kReasons[0]) == kInvalidReasons);

uint64_t RingSize(uint64_t n) { return std::bit_ceil(std::max<uint64_t>(n, 2)); }

}  // namespace

const char* InvalidReasonKey(InvalidReason r) { return kReasons[static_cast<size_t>(r)].key; }
const char* InvalidReasonText(InvalidReason r) { return kReasons[static_cast<size_t>(r)].text; }

const char* TxKindName(TxKind k) {
  switch (k) {
    case TxKind::kDora: return "dora";
    case TxKind::kRenew: return "renew";
    case TxKind::kRebind: return "rebind";
    case TxKind::kRelease: return "release";
    case TxKind::kDecline: return "decline";
    case TxKind::kCount: break;
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<Generator>> Generator::Create(const GeneratorConfig& config,
                                                             uint64_t ticks_per_second) {
  if (config.clients == 0 || config.clients > kMaxClients) {
    return absl::InvalidArgumentError(
        absl::StrCat("--clients must be 1..", kMaxClients, " (the xid carries the client index)"));
  }
  if (config.window == 0 || config.window > config.clients) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--window must be 1..clients (", config.clients, "): one transaction per client at a time"));
  }
  if (config.rate < 0) return absl::InvalidArgumentError("--rate must be >= 0");
  if (!(config.timeout_s > 0)) return absl::InvalidArgumentError("--timeout must be > 0");
  if (config.retransmits > 100) return absl::InvalidArgumentError("--retransmits must be <= 100");
  if (ticks_per_second == 0) return absl::InvalidArgumentError("the clock has no frequency");
  uint64_t weights = 0;
  for (uint32_t w : config.mix) weights += w;
  if (weights == 0) return absl::InvalidArgumentError("--mix: every weight is 0");
  if (config.vlans.count > proto::kMaxVlanTags) {
    return absl::InvalidArgumentError("at most two VLAN tags (QinQ)");
  }
  if (!config.giaddr.IsZero() && config.server_ip.IsZero()) {
    return absl::InvalidArgumentError("relay mode (--relay) needs --server-ip");
  }
  // MACs mac_base + i must not wrap past ff:ff:ff:ff:ff:ff.
  uint64_t base48 = 0;
  for (uint8_t b : config.mac_base.bytes()) base48 = (base48 << 8) | b;
  if (base48 + config.clients - 1 > 0xffffffffffffULL) {
    return absl::InvalidArgumentError("--mac-base + --clients runs past ff:ff:ff:ff:ff:ff");
  }
  auto table = AddressTable::Create(config.pools);
  if (!table.ok()) return table.status();
  return std::unique_ptr<Generator>(new Generator(config, ticks_per_second, *std::move(table)));
}

Generator::Generator(const GeneratorConfig& config, uint64_t hz, AddressTable table)
    : config_(config),
      hz_(hz),
      ns_per_tick_(1e9 / static_cast<double>(hz)),
      timeout_ticks_(std::max<uint64_t>(1, static_cast<uint64_t>(config.timeout_s *
                                                                 static_cast<double>(hz)))),
      addresses_(std::move(table)),
      relay_mac_(config.relay_mac),
      server_mac_(config.server_mac == base::MacAddress() ? base::kBroadcastMac
                                                          : config.server_mac),
      server_mac_learnt_(config.server_mac != base::MacAddress()),
      clients_(std::make_unique<Client[]>(config.clients)),
      ring_mask_(static_cast<uint32_t>(RingSize(config.clients) - 1)),
      pending_mask_(static_cast<uint32_t>(RingSize(config.window) - 1)),
      wait_head_(kNone),
      wait_tail_(kNone),
      latency_(std::make_unique<Histogram>()),
      interval_latency_(std::make_unique<Histogram>()),
      message_(std::make_unique<proto::DhcpMessage>()) {
  idle_unbound_ = std::make_unique<uint32_t[]>(ring_mask_ + 1);
  idle_bound_ = std::make_unique<uint32_t[]>(ring_mask_ + 1);
  pending_ = std::make_unique<uint32_t[]>(pending_mask_ + 1);
  for (uint32_t i = 0; i < config.clients; ++i) idle_unbound_[unbound_tail_++ & ring_mask_] = i;
  for (uint32_t w : config.mix) wrr_total_ += w;
}

Generator::~Generator() = default;

void Generator::SetPortMac(const base::MacAddress& mac) {
  if (config_.relay_mac == base::MacAddress()) relay_mac_ = mac;
}

base::MacAddress Generator::ClientMac(uint32_t i) const {
  std::array<uint8_t, 6> b = config_.mac_base.bytes();
  uint64_t v = 0;
  for (uint8_t x : b) v = (v << 8) | x;
  v += i;
  for (int k = 5; k >= 0; --k, v >>= 8) b[k] = static_cast<uint8_t>(v);
  return base::MacAddress(b);
}

uint32_t Generator::ClientXid(uint32_t i) const { return clients_[i].xid; }
base::Ipv4Address Generator::ClientAddress(uint32_t i) const {
  return base::Ipv4Address(clients_[i].address);
}

bool Generator::Done() const {
  const bool no_more = stopping_ || (config_.max_transactions != 0 &&
                                     started_total_ >= config_.max_transactions);
  return no_more && outstanding_ == 0 && pending_head_ == pending_tail_;
}

// Smooth weighted round robin (as nginx balances upstreams): the kinds come
// out interleaved in proportion to their weights, deterministically.
TxKind Generator::NextKind() {
  size_t best = 0;
  for (size_t k = 0; k < kTxKinds; ++k) {
    wrr_current_[k] += config_.mix[k];
    if (wrr_current_[k] > wrr_current_[best]) best = k;
  }
  wrr_current_[best] -= wrr_total_;
  return static_cast<TxKind>(best);
}

bool Generator::LeaseExpired(const Client& cl, uint64_t now) const {
  return cl.lease_end != 0 && now >= cl.lease_end;
}

void Generator::Unbind(uint32_t c) {
  Client& cl = clients_[c];
  if (!cl.holds) return;
  addresses_.Clear(base::Ipv4Address(cl.address), c);
  cl.holds = false;
  --bound_;
}

bool Generator::StartTransaction(uint64_t now, uint32_t* out) {
  if (stopping_) return false;
  if (config_.max_transactions != 0 && started_total_ >= config_.max_transactions) return false;
  if (outstanding_ >= config_.window) return false;
  const bool have_unbound = unbound_head_ != unbound_tail_;
  const bool have_bound = bound_head_ != bound_tail_;
  if (!have_unbound && !have_bound) return false;
  if (config_.rate > 0) {
    if (!started_clock_) {
      started_clock_ = true;
      last_refill_ = now;
      tokens_ = 1;
    } else if (now > last_refill_) {
      // Up to 10 ms of tokens: a scheduler slice lost to another process is
      // caught up, so the offered rate holds on average; longer stalls are not.
      const double burst = std::max(32.0, config_.rate / 100);
      tokens_ = std::min(burst, tokens_ + static_cast<double>(now - last_refill_) *
                                              config_.rate / static_cast<double>(hz_));
      last_refill_ = now;
    }
    if (tokens_ < 1) return false;
    tokens_ -= 1;
  }

  TxKind kind = NextKind();
  uint32_t c;
  if (kind == TxKind::kDora) {
    // Unbound clients first; then a bound one starts over from INIT (as a
    // rebooted client that forgot its lease may, RFC 2131 §4.4.1).
    c = have_unbound ? idle_unbound_[unbound_head_++ & ring_mask_]
                     : idle_bound_[bound_head_++ & ring_mask_];
  } else if (have_bound) {
    c = idle_bound_[bound_head_++ & ring_mask_];
    if (LeaseExpired(clients_[c], now)) kind = TxKind::kDora;  // nothing left to renew
  } else {
    c = idle_unbound_[unbound_head_++ & ring_mask_];
    kind = TxKind::kDora;
  }

  Client& cl = clients_[c];
  ++started_total_;
  ++stats_.started[static_cast<size_t>(kind)];
  if (cl.seq == 255) cl.wrapped = true;
  cl.seq = cl.seq == 255 ? 1 : static_cast<uint8_t>(cl.seq + 1);  // 0: never started
  cl.xid = (c << 8) | cl.seq;
  cl.kind = kind;
  cl.tries = 0;
  switch (kind) {
    case TxKind::kDora:
      Unbind(c);
      cl.lease_end = 0;
      cl.state = ClientState::kSelecting;
      break;
    case TxKind::kRenew:
      cl.state = ClientState::kRenewing;
      break;
    case TxKind::kRebind:
      cl.state = ClientState::kRebinding;
      break;
    case TxKind::kRelease:
    case TxKind::kDecline:
      // The client gives the address up as it sends (RFC 2131 §4.4.6,
      // §4.4.1): from now on the server may hand it to someone else.
      Unbind(c);
      cl.state = kind == TxKind::kRelease ? ClientState::kReleasing : ClientState::kDeclining;
      break;
    case TxKind::kCount:
      break;
  }
  if (cl.state != ClientState::kReleasing && cl.state != ClientState::kDeclining) ++outstanding_;
  *out = c;
  return true;
}

void Generator::Arm(uint32_t c, uint64_t now) {
  Client& cl = clients_[c];
  cl.deadline = now + timeout_ticks_;
  cl.prev = wait_tail_;
  cl.next = kNone;
  if (wait_tail_ != kNone) {
    clients_[wait_tail_].next = c;
  } else {
    wait_head_ = c;
  }
  wait_tail_ = c;
  cl.waiting = true;
}

void Generator::Disarm(uint32_t c) {
  Client& cl = clients_[c];
  if (!cl.waiting) return;
  if (cl.prev != kNone) {
    clients_[cl.prev].next = cl.next;
  } else {
    wait_head_ = cl.next;
  }
  if (cl.next != kNone) {
    clients_[cl.next].prev = cl.prev;
  } else {
    wait_tail_ = cl.prev;
  }
  cl.waiting = false;
}

void Generator::QueueSend(uint32_t c) {
  // At most one entry per outstanding transaction, outstanding <= window <=
  // ring size: the ring cannot overflow.
  pending_[pending_tail_++ & pending_mask_] = c;
}

void Generator::Finish(uint32_t c, bool bound_after) {
  Client& cl = clients_[c];
  if (cl.state != ClientState::kReleasing && cl.state != ClientState::kDeclining) --outstanding_;
  if (bound_after) {
    cl.state = ClientState::kIdleBound;
    idle_bound_[bound_tail_++ & ring_mask_] = c;
  } else {
    Unbind(c);
    cl.state = ClientState::kIdleUnbound;
    idle_unbound_[unbound_tail_++ & ring_mask_] = c;
  }
}

size_t Generator::NextFrame(uint64_t now, uint8_t* buf, size_t cap) {
  if (cap < kMinFrameBuffer) return 0;
  uint32_t c;
  if (pending_head_ != pending_tail_) {
    c = pending_[pending_head_++ & pending_mask_];
  } else if (!StartTransaction(now, &c)) {
    return 0;
  }
  Client& cl = clients_[c];
  const size_t len = BuildRequest(c, buf, cap);
  ++stats_.frames_sent;
  if (cl.state == ClientState::kReleasing || cl.state == ClientState::kDeclining) {
    // No reply comes (RFC 2131 §4.3.3, §4.3.4): done once sent.
    ++stats_.completed[static_cast<size_t>(cl.kind)];
    Finish(c, /*bound_after=*/false);
    return len;
  }
  if (cl.tries == 0) cl.exchange_start = now;  // latency counts from the first send
  if (cl.tries > 0) ++stats_.retransmits;
  ++cl.tries;
  Arm(c, now);
  return len;
}

void Generator::Expire(uint64_t now) {
  while (wait_head_ != kNone && clients_[wait_head_].deadline <= now) {
    const uint32_t c = wait_head_;
    Client& cl = clients_[c];
    Disarm(c);
    if (cl.tries <= config_.retransmits) {
      QueueSend(c);  // same xid (RFC 2131 §4.1: a retransmission is the same request)
      continue;
    }
    ++stats_.timeouts;
    // An unanswered DORA leaves the client in INIT; an unanswered renewal or
    // rebinding leaves it with its lease until that runs out (§4.4.5).
    const bool keeps = cl.state != ClientState::kSelecting &&
                       cl.state != ClientState::kRequesting && cl.holds;
    Finish(c, keeps);
  }
}

}  // namespace dpdhcp::dhcpgen
