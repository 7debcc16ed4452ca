// dhcpgen's core, free of DPDK: a population of emulated DHCP clients, their
// RFC 2131 state machines, the requests they send (built with the proto
// module's writers) and the validation of every reply (parsed with
// proto::DhcpMessage). The DPDK main only moves frames: NextFrame fills a TX
// buffer, HandleFrame takes an RX frame, Expire runs the timeouts. Time is an
// abstract tick counter (the TSC in main, a manual clock in the tests).
//
// Transactions (one per client at a time):
//   DORA     DISCOVER -> OFFER, REQUEST (selecting: 50 + 54) -> ACK
//   renew    REQUEST (ciaddr, unicast to the server id)      -> ACK   (RFC 2131 §4.4.5 RENEWING)
//   rebind   REQUEST (ciaddr, broadcast)                     -> ACK   (§4.4.5 REBINDING)
//   release  RELEASE (ciaddr, 54), no reply                           (§4.4.6)
//   decline  DECLINE (50, 54), no reply                               (§4.4.1)
// In relay mode every request is relayed as a relay agent would send it
// (giaddr, hops 1, option 82, from giaddr:67 unicast to the server) and
// replies are expected at giaddr:67 (§4.1).
//
// Fast path: after Create nothing allocates; every table is sized from the
// configuration (clients, window, pools).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "address_table.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/proto/dhcp_message.h"
#include "dpdhcp/proto/ethernet.h"
#include "histogram.h"

namespace dpdhcp::dhcpgen {

enum class InvalidReason : uint8_t {
#define X(name, key, text) name,
#include "invalid_reason.def"
#undef X
  kCount
};
inline constexpr size_t kInvalidReasons = static_cast<size_t>(InvalidReason::kCount);
const char* InvalidReasonKey(InvalidReason r);
const char* InvalidReasonText(InvalidReason r);

enum class TxKind : uint8_t { kDora, kRenew, kRebind, kRelease, kDecline, kCount };
inline constexpr size_t kTxKinds = static_cast<size_t>(TxKind::kCount);
const char* TxKindName(TxKind k);  // "dora", "renew", ...

struct GeneratorConfig {
  uint32_t clients = 1000;  // at most kMaxClients
  // Client i's MAC is mac_base + i (as a 48-bit number).
  base::MacAddress mac_base{{0x02, 0x00, 0x00, 0x00, 0x00, 0x00}};
  bool client_id = false;  // send option 61: type 0, "dg", client index (4 bytes)
  proto::VlanTags vlans;   // tags on every request, expected on every reply
  bool broadcast_flag = false;  // set the BROADCAST bit in DISCOVER/REQUEST
  // Relay mode (giaddr non-zero): requests come from giaddr:67 with the
  // relay's MAC, unicast to server_ip; option 82 carries circuit-id = client
  // index (4 bytes) and remote-id = the client's MAC unless !option82.
  base::Ipv4Address giaddr;
  base::MacAddress relay_mac;  // zero: the port's MAC (SetPortMac)
  bool option82 = true;
  base::Ipv4Address server_ip;  // relay mode: where requests go (required)
  // Destination MAC of unicast requests; zero: learnt from the first valid
  // reply's source MAC (broadcast until then).
  base::MacAddress server_mac;
  // Weights of the transaction kinds (index TxKind). A kind that needs a
  // bound client falls back to DORA while none is idle and bound.
  std::array<uint32_t, kTxKinds> mix{1, 0, 0, 0, 0};
  double rate = 0;             // transactions started per second; 0: flat out
  uint32_t window = 1024;      // outstanding transactions at most
  double timeout_s = 1.0;      // per exchange
  uint32_t retransmits = 0;    // per exchange, before the timeout counts
  std::vector<AddressRange> pools;
  bool expect_options = false;  // also require options 1 and 3 in OFFER/ACK
  uint64_t max_transactions = 0;  // stop starting new ones after this many; 0: no limit
};

inline constexpr uint32_t kMaxClients = 1u << 24;  // the xid carries the index (24 bits)

struct Stats {
  uint64_t frames_sent = 0;
  uint64_t frames_received = 0;
  uint64_t retransmits = 0;
  uint64_t started[kTxKinds] = {};
  uint64_t completed[kTxKinds] = {};
  uint64_t exchanges = 0;  // request/reply pairs answered validly (latency samples)
  uint64_t timeouts = 0;   // exchanges unanswered after every retransmission
  uint64_t naks = 0;
  uint64_t late_replies = 0;  // right xid, but the exchange was already answered or timed out
  uint64_t other_frames = 0;  // not DHCP from a server (ARP, other UDP): ignored
  uint64_t invalid[kInvalidReasons] = {};

  uint64_t transactions() const {
    uint64_t n = 0;
    for (uint64_t c : completed) n += c;
    return n;
  }
  uint64_t invalid_total() const {
    uint64_t n = 0;
    for (uint64_t c : invalid) n += c;
    return n;
  }
  uint64_t duplicates() const {
    return invalid[static_cast<size_t>(InvalidReason::kDuplicateAddress)];
  }
};

class Generator {
 public:
  // Checks the configuration and preallocates everything. `ticks_per_second`
  // converts ticks to latency (ns) and seconds.
  static absl::StatusOr<std::unique_ptr<Generator>> Create(const GeneratorConfig& config,
                                                           uint64_t ticks_per_second);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // The port's MAC: the relay's source MAC when relay_mac is zero.
  void SetPortMac(const base::MacAddress& mac);

  // Writes the next frame due at `now` into buf (capacity >= kMinFrameBuffer):
  // first the pending sends (a REQUEST after an OFFER, retransmissions), then
  // a new transaction if the window and the rate allow it. Returns the frame
  // length, 0 when nothing is due.
  static constexpr size_t kMinFrameBuffer = 1024;
  size_t NextFrame(uint64_t now, uint8_t* buf, size_t cap);

  // Validates one received frame and advances its client (see generator.cc
  // for the order of the checks; every refused reply lands on one
  // InvalidReason and is otherwise ignored, as a client ignores it).
  void HandleFrame(base::ByteSpan frame, uint64_t now);

  // Retransmits or counts every exchange whose timeout passed at `now`.
  void Expire(uint64_t now);

  // Stop starting transactions (the run is ending); pending sends still go.
  void StopStarting() { stopping_ = true; }
  // No transaction outstanding and none to start any more.
  bool Done() const;
  uint32_t outstanding() const { return outstanding_; }

  const Stats& stats() const { return stats_; }
  // Latency of every valid exchange, in ns: the whole run, and since the last
  // ResetInterval (the per-second report).
  const Histogram& latency() const { return *latency_; }
  const Histogram& interval_latency() const { return *interval_latency_; }
  void ResetInterval() { interval_latency_->Reset(); }
  // Clients holding an address now (their last ACK, not released or lost).
  uint32_t bound_clients() const { return bound_; }
  const GeneratorConfig& config() const { return config_; }

  // For tests and reports: client i's MAC, its xid, its address.
  base::MacAddress ClientMac(uint32_t i) const;
  uint32_t ClientXid(uint32_t i) const;
  base::Ipv4Address ClientAddress(uint32_t i) const;

  struct Client;  // defined in generator.cc

 private:
  Generator(const GeneratorConfig& config, uint64_t hz, AddressTable table);

  // Client bookkeeping (generator.cc).
  bool StartTransaction(uint64_t now, uint32_t* client);
  void Arm(uint32_t c, uint64_t now);
  void Disarm(uint32_t c);
  void QueueSend(uint32_t c);
  void Finish(uint32_t c, bool bound_after);
  void Unbind(uint32_t c);
  bool LeaseExpired(const Client& cl, uint64_t now) const;
  TxKind NextKind();
  // Requests (request.cc).
  size_t BuildRequest(uint32_t c, uint8_t* buf, size_t cap);
  // Replies (reply.cc).
  void Invalid(InvalidReason r) { ++stats_.invalid[static_cast<size_t>(r)]; }
  // Step 8 of the reply checks (reply.cc): kCount when the options are
  // right, else the reason; fills option 54 and (OFFER/ACK) option 51.
  InvalidReason CheckOptions(uint32_t c, const proto::DhcpMessage& m, uint32_t* server_id,
                             uint32_t* lease_s) const;

  GeneratorConfig config_;
  uint64_t hz_;
  double ns_per_tick_;
  uint64_t timeout_ticks_;
  AddressTable addresses_;
  base::MacAddress relay_mac_;
  base::MacAddress server_mac_;
  bool server_mac_learnt_;

  std::unique_ptr<Client[]> clients_;
  // Idle clients, FIFO rings of indices (capacity a power of two >= clients).
  std::unique_ptr<uint32_t[]> idle_unbound_, idle_bound_;
  uint32_t ring_mask_;
  uint64_t unbound_head_ = 0, unbound_tail_ = 0, bound_head_ = 0, bound_tail_ = 0;
  // Clients with a frame to send (REQUEST after OFFER, retransmission).
  std::unique_ptr<uint32_t[]> pending_;
  uint32_t pending_mask_;
  uint64_t pending_head_ = 0, pending_tail_ = 0;
  // Clients awaiting a reply, in deadline order (constant timeout: append
  // order is deadline order). Intrusive doubly-linked list through Client.
  uint32_t wait_head_, wait_tail_;

  std::array<int64_t, kTxKinds> wrr_current_{};  // smooth weighted round robin
  int64_t wrr_total_ = 0;
  double tokens_ = 0;
  uint64_t last_refill_ = 0;
  bool started_clock_ = false;
  bool stopping_ = false;
  uint64_t started_total_ = 0;
  uint32_t outstanding_ = 0;
  uint32_t bound_ = 0;

  Stats stats_;
  std::unique_ptr<Histogram> latency_, interval_latency_;
  std::unique_ptr<proto::DhcpMessage> message_;  // reused for every reply (large)
};

}  // namespace dpdhcp::dhcpgen
