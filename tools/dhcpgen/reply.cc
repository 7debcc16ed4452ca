// Reply validation: every frame the port receives is either ignored (not a
// server's DHCP message), refused under one InvalidReason, counted as late,
// or accepted and advances its client. The checks, in order:
//   1. Ethernet/IPv4/UDP parse (proto::ParseUdpFrame: lengths, checksums)
//                                                           else bad-frame
//      (not IPv4/UDP, or not from port 67: ignored as other traffic)
//   2. the VLAN tags the requests carry                     else wrong-vlan
//   3. proto::DhcpMessage::Parse: a BOOTREPLY whose options scan and whose
//      option 53 is OFFER, ACK or NAK                       else malformed
//   4. xid = (client << 8 | seq) of that client's current transaction
//                                                           else unknown-xid
//      (late instead: the current xid after the exchange was answered or
//      timed out, or the xid of one of the client's earlier transactions)
//   5. chaddr = the client's MAC                            else wrong-chaddr
//   6. RFC 2131 §4.1 addressing: relayed replies to giaddr:67, others to
//      port 68 at the broadcast address, yiaddr or ciaddr  else wrong-destination
//   7. the type answers the request: OFFER to DISCOVER, ACK or NAK to
//      REQUEST                                              else unexpected-type
//   8. options (Table 3): 54 in all three; 51 in OFFER and ACK; 1 and 3
//      with --expect-options; 82 echoed whole (RFC 3046 §2.2); 61 echoed
//      unchanged when present (RFC 6842)
//   9. OFFER/ACK: yiaddr non-zero and inside a --pool; an ACK to a
//      selecting REQUEST gives the offered address from the selected server,
//      an ACK to a renewal the address held           else no-address,
//                                                          outside-pool,
//                                                          wrong-address,
//                                                          wrong-server-id
//  10. the address is not bound to another client       else duplicate-address
#include <cstring>

#include "client.h"
#include "dpdhcp/proto/frame.h"
#include "dpdhcp/proto/option_defs.h"
#include "generator.h"

namespace dpdhcp::dhcpgen {

namespace {

// The option values a reply is checked for, read with proto::OptionIterator
// over the options field and, when option 52 says so, file and sname (RFC
// 2132 §9.3). DhcpMessage::Parse refuses a BOOTREPLY as a server message, so
// its option accessors are not part of its contract for replies; it has
// already checked that the fields scan.
struct ReplyOptions {
  base::ByteSpan server_id, lease_time, subnet_mask, routers, client_id, relay_info;
  bool overrun = false;

  void Scan(base::ByteSpan field) {
    proto::OptionIterator it(field);
    while (it.Next()) {
      base::ByteSpan* slot = nullptr;
      switch (it.code()) {
        case proto::option::kServerId: slot = &server_id; break;
        case proto::option::kLeaseTime: slot = &lease_time; break;
        case proto::option::kSubnetMask: slot = &subnet_mask; break;
        case proto::option::kRouters: slot = &routers; break;
        case proto::option::kClientId: slot = &client_id; break;
        case proto::option::kRelayAgentInfo: slot = &relay_info; break;
        default: break;
      }
      if (slot != nullptr && slot->empty()) *slot = it.value();  // first instance counts
    }
    if (it.error() != base::DropReason::kNone) overrun = true;
  }
};

bool SameTags(const proto::VlanTags& got, const proto::VlanTags& want) {
  if (got.count != want.count) return false;
  if (got.count >= 1 && got.outer_vid() != want.outer_vid()) return false;
  if (got.count == 2 && got.inner_vid() != want.inner_vid()) return false;
  return true;
}

bool SameBytes(base::ByteSpan a, base::ByteSpan b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace

void Generator::HandleFrame(base::ByteSpan frame, uint64_t now) {
  ++stats_.frames_received;
  proto::ParsedUdpFrame f;
  const base::DropReason l4 = proto::ParseUdpFrame(frame, &f);
  if (l4 == base::DropReason::kUnsupportedEthertype ||
      l4 == base::DropReason::kUnsupportedIpProtocol) {
    ++stats_.other_frames;  // ARP, ICMP, IPv6: not ours to judge
    return;
  }
  // 1.
  if (l4 != base::DropReason::kNone) return Invalid(InvalidReason::kBadFrame);
  if (f.udp.src_port != proto::kServerPort ||
      (f.udp.dst_port != proto::kClientPort && f.udp.dst_port != proto::kServerPort)) {
    ++stats_.other_frames;
    return;
  }
  // 2.
  if (!SameTags(f.eth.vlans, config_.vlans)) return Invalid(InvalidReason::kWrongVlan);
  // 3.
  proto::DhcpMessage& m = *message_;
  const base::DropReason parsed = m.Parse(f.payload);
  if (parsed != base::DropReason::kDhcpServerMessage) {
    if (f.payload.size() > proto::kOffOp && f.payload[proto::kOffOp] == proto::kBootRequest &&
        parsed == base::DropReason::kNone) {
      ++stats_.other_frames;  // a request (another client or relay on the segment)
      return;
    }
    return Invalid(InvalidReason::kMalformed);
  }
  const uint8_t type = m.type_code();
  if (m.op() != proto::kBootReply ||
      (type != static_cast<uint8_t>(proto::MessageType::kOffer) &&
       type != static_cast<uint8_t>(proto::MessageType::kAck) &&
       type != static_cast<uint8_t>(proto::MessageType::kNak))) {
    return Invalid(InvalidReason::kMalformed);
  }
  // 4.
  const uint32_t xid = m.xid();
  const uint32_t c = xid >> 8;
  if (c >= config_.clients || clients_[c].seq == 0) return Invalid(InvalidReason::kUnknownXid);
  Client& cl = clients_[c];
  if (cl.xid != xid) {
    // The xid of one of this client's earlier transactions (one that timed
    // out, answered after the client moved on) is late, not invalid; a
    // sequence number the client never used is.
    const uint8_t seq = static_cast<uint8_t>(xid & 0xff);
    if (seq != 0 && (cl.wrapped || seq < cl.seq)) {
      ++stats_.late_replies;
      return;
    }
    return Invalid(InvalidReason::kUnknownXid);
  }
  if (!cl.waiting) {
    ++stats_.late_replies;  // answered already, or queued for retransmission, or given up on
    return;
  }
  // 5.
  const base::MacAddress mac = ClientMac(c);
  if (m.hlen() != 6 || std::memcmp(m.chaddr().data(), mac.data(), 6) != 0) {
    return Invalid(InvalidReason::kWrongChaddr);
  }
  // 6.
  const bool relay = !config_.giaddr.IsZero();
  const base::Ipv4Address yiaddr = m.yiaddr();
  if (relay) {
    if (f.ip.dst != config_.giaddr || f.udp.dst_port != proto::kServerPort) {
      return Invalid(InvalidReason::kWrongDestination);
    }
  } else {
    const bool to_ciaddr = (cl.state == ClientState::kRenewing ||
                            cl.state == ClientState::kRebinding) &&
                           f.ip.dst.value() == cl.address;
    if (f.udp.dst_port != proto::kClientPort ||
        !(f.ip.dst.IsBroadcast() || f.ip.dst == yiaddr || to_ciaddr)) {
      return Invalid(InvalidReason::kWrongDestination);
    }
  }
  // 7.
  const bool offer = type == static_cast<uint8_t>(proto::MessageType::kOffer);
  const bool nak = type == static_cast<uint8_t>(proto::MessageType::kNak);
  if ((cl.state == ClientState::kSelecting) != offer) {
    return Invalid(InvalidReason::kUnexpectedType);
  }
  // 8.
  uint32_t server_id = 0, lease_s = 0;
  const InvalidReason bad = CheckOptions(c, m, &server_id, &lease_s);
  if (bad != InvalidReason::kCount) return Invalid(bad);

  const uint64_t latency_ticks = now - cl.exchange_start;
  if (nak) {
    // RFC 2131 §4.4.1 / §4.4.5: a NAK sends the client back to INIT.
    Disarm(c);
    ++stats_.naks;
    ++stats_.exchanges;
    const auto ns = static_cast<uint64_t>(static_cast<double>(latency_ticks) * ns_per_tick_);
    latency_->Record(ns);
    interval_latency_->Record(ns);
    Finish(c, /*bound_after=*/false);
    return;
  }
  // 9.
  if (yiaddr.IsZero()) return Invalid(InvalidReason::kNoAddress);
  if (!addresses_.Contains(yiaddr)) return Invalid(InvalidReason::kOutsidePool);
  if (!offer) {
    if (yiaddr.value() != cl.address) return Invalid(InvalidReason::kWrongAddress);
    if (cl.state == ClientState::kRequesting && server_id != cl.server_id) {
      return Invalid(InvalidReason::kWrongServerId);
    }
  }
  // 10.
  const uint32_t owner = addresses_.Owner(yiaddr);
  if (owner != AddressTable::kNoClient && owner != c) {
    if (!LeaseExpired(clients_[owner], now)) return Invalid(InvalidReason::kDuplicateAddress);
    Unbind(owner);  // its lease ran out: the server may reuse the address
  }

  // Accepted.
  Disarm(c);
  if (!server_mac_learnt_) {
    server_mac_ = f.eth.src;
    server_mac_learnt_ = true;
  }
  ++stats_.exchanges;
  const auto ns = static_cast<uint64_t>(static_cast<double>(latency_ticks) * ns_per_tick_);
  latency_->Record(ns);
  interval_latency_->Record(ns);
  cl.server_id = server_id;
  if (offer) {
    cl.address = yiaddr.value();
    cl.state = ClientState::kRequesting;
    cl.tries = 0;
    QueueSend(c);
    return;
  }
  if (!cl.holds) {
    cl.holds = true;
    ++bound_;
  }
  addresses_.Set(yiaddr, c);
  // Option 51 0xffffffff is an infinite lease (RFC 2132 §9.2).
  cl.lease_end = lease_s == 0xffffffffu ? 0 : now + uint64_t{lease_s} * hz_;
  ++stats_.completed[static_cast<size_t>(cl.kind)];
  Finish(c, /*bound_after=*/true);
}

InvalidReason Generator::CheckOptions(uint32_t c, const proto::DhcpMessage& m,
                                      uint32_t* server_id, uint32_t* lease_s) const {
  ReplyOptions o;
  const base::ByteSpan raw = m.raw();
  o.Scan(raw.subspan(proto::kDhcpOptionsOffset));
  if (m.overload() & proto::kOverloadFile) {
    o.Scan(raw.subspan(proto::kOffFile, proto::kFileSize));
  }
  if (m.overload() & proto::kOverloadSname) {
    o.Scan(raw.subspan(proto::kOffSname, proto::kSnameSize));
  }
  if (o.overrun) return InvalidReason::kMalformed;
  if (o.server_id.size() != 4) return InvalidReason::kMissingServerId;
  *server_id = base::LoadBe32(o.server_id.data());
  const bool nak = m.type_code() == static_cast<uint8_t>(proto::MessageType::kNak);
  if (!nak) {
    if (o.lease_time.size() != 4) return InvalidReason::kMissingLeaseTime;
    *lease_s = base::LoadBe32(o.lease_time.data());
    if (config_.expect_options) {
      if (o.subnet_mask.size() != 4) return InvalidReason::kMissingSubnetMask;
      if (o.routers.empty() || o.routers.size() % 4 != 0) return InvalidReason::kMissingRouter;
    }
  }
  if (!config_.giaddr.IsZero() && config_.option82) {
    uint8_t rai[14];
    rai[0] = proto::rai::kCircuitId;
    rai[1] = 4;
    base::StoreBe32(rai + 2, c);
    rai[6] = proto::rai::kRemoteId;
    rai[7] = 6;
    std::memcpy(rai + 8, ClientMac(c).data(), 6);
    if (!SameBytes(o.relay_info, rai)) return InvalidReason::kBadRelayInfo;
  }
  if (config_.client_id && !o.client_id.empty()) {
    uint8_t id[7] = {0, 'd', 'g'};
    base::StoreBe32(id + 3, c);
    if (!SameBytes(o.client_id, id)) return InvalidReason::kWrongClientId;
  }
  return InvalidReason::kCount;
}

}  // namespace dpdhcp::dhcpgen
