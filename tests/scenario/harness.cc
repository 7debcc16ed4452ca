#include "harness.h"

#include <gtest/gtest.h>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/proto/option_defs.h"

namespace dpdhcp::scenario {
namespace opt = proto::option;

uint8_t DecodedReply::type() const {
  const auto it = options.find(opt::kMessageType);
  return it == options.end() || it->second.size() != 1 ? 0 : it->second[0];
}

std::optional<uint32_t> DecodedReply::U32(uint8_t code) const {
  const auto it = options.find(code);
  if (it == options.end() || it->second.size() != 4) return std::nullopt;
  return base::LoadBe32(it->second.data());
}

std::optional<Ipv4Address> DecodedReply::Address(uint8_t code) const {
  const auto v = U32(code);
  if (!v) return std::nullopt;
  return Ipv4Address(*v);
}

std::optional<DecodedReply> DecodeReply(const uint8_t* p, size_t size) {
  if (size < 240 || base::LoadBe32(p + 236) != 0x63825363u) return std::nullopt;
  DecodedReply r;
  r.op = p[0];
  r.xid = base::LoadBe32(p + 4);
  r.flags = base::LoadBe16(p + 10);
  r.ciaddr = Ipv4Address(base::LoadBe32(p + 12));
  r.yiaddr = Ipv4Address(base::LoadBe32(p + 16));
  r.siaddr = Ipv4Address(base::LoadBe32(p + 20));
  r.giaddr = Ipv4Address(base::LoadBe32(p + 24));
  r.chaddr.assign(p + 28, p + 28 + std::min<size_t>(p[2], 16));
  size_t i = 240;
  bool ended = false;
  while (i < size) {
    const uint8_t code = p[i];
    if (code == opt::kPad) { ++i; continue; }
    if (code == opt::kEnd) { ended = true; break; }
    if (i + 2 > size || i + 2 + p[i + 1] > size) return std::nullopt;
    auto& v = r.options[code];
    if (v.empty()) r.option_order.push_back(code);
    v.insert(v.end(), p + i + 2, p + i + 2 + p[i + 1]);  // RFC 3396 concatenation
    i += 2 + p[i + 1];
  }
  if (!ended) return std::nullopt;  // our replies always carry END
  return r;
}

std::vector<uint8_t> BuildMessage(const MacAddress& chaddr, const Message& m) {
  std::vector<uint8_t> b(240, 0);
  b[0] = 1;  // BOOTREQUEST
  b[1] = 1;
  b[2] = 6;
  b[3] = m.hops;
  base::StoreBe32(&b[4], m.xid);
  base::StoreBe16(&b[10], m.broadcast ? 0x8000 : 0);
  base::StoreBe32(&b[12], m.ciaddr.value());
  base::StoreBe32(&b[24], m.giaddr.value());
  std::copy(chaddr.bytes().begin(), chaddr.bytes().end(), b.begin() + 28);
  base::StoreBe32(&b[236], 0x63825363u);
  auto add = [&](uint8_t code, const std::vector<uint8_t>& v) {
    b.push_back(code);
    b.push_back(static_cast<uint8_t>(v.size()));
    b.insert(b.end(), v.begin(), v.end());
  };
  auto addr = [](Ipv4Address a) {
    std::vector<uint8_t> v(4);
    base::StoreBe32(v.data(), a.value());
    return v;
  };
  add(opt::kMessageType, {static_cast<uint8_t>(m.type)});
  if (!m.client_id.empty()) add(opt::kClientId, m.client_id);
  if (m.requested) add(opt::kRequestedAddress, addr(*m.requested));
  if (m.server_id) add(opt::kServerId, addr(*m.server_id));
  if (m.subnet_selection) add(opt::kSubnetSelection, addr(*m.subnet_selection));
  if (!m.prl.empty()) add(opt::kParameterRequestList, m.prl);
  if (!m.relay_info.empty()) add(opt::kRelayAgentInfo, m.relay_info);
  b.push_back(opt::kEnd);
  if (b.size() < 300) b.resize(300, 0);
  return b;
}

Server::Server(const std::string& config_json, uint32_t num_shards, uint32_t capacity_per_shard) {
  auto parsed = config::ParseConfig(config_json);
  if (!parsed.ok()) {
    ADD_FAILURE() << parsed.status();
    std::abort();
  }
  config_ = *std::move(parsed);
  auto space = pool::AddressSpace::Build(*config_);
  if (!space.ok()) {
    ADD_FAILURE() << space.status();
    std::abort();
  }
  addresses_ = *std::move(space);
  leases_ = std::make_unique<lease::LeaseStore>(num_shards, capacity_per_shard);
  for (uint32_t i = 0; i < num_shards; ++i) {
    counters_.push_back(std::make_unique<stats::WorkerCounters>(config_->subnets.size()));
    engines_.push_back(std::make_unique<engine::Engine>(config_, *addresses_, *leases_, *counters_.back()));
  }
}

Exchange Server::Send(const MacAddress& chaddr, const Message& m, uint32_t interface_index,
                      uint16_t src_port) {
  const std::vector<uint8_t> payload = BuildMessage(chaddr, m);
  engine::RequestContext ctx;
  ctx.interface_index = interface_index;
  ctx.now = now_;
  const bool relayed = !m.giaddr.IsZero();
  ctx.src_mac = relayed ? MacAddress({0x02, 0xee, 0, 0, 0, 1}) : chaddr;
  ctx.src_ip = relayed ? m.giaddr : m.ciaddr;
  ctx.dst_ip = base::kBroadcastAddress;
  ctx.src_port = src_port != 0 ? src_port : relayed ? proto::kServerPort : proto::kClientPort;
  const uint32_t shard = leases_->ShardFor(base::ByteSpan(chaddr.data(), 6));
  std::vector<uint8_t> reply(1500);
  Exchange e;
  e.decision = engines_[shard]->HandlePayload(payload, ctx, reply);
  // In the order the runtime journals them: prior (DECLINE's erased binding) first.
  if (e.decision.prior.event != engine::LeaseEvent::kNone) changes_.push_back(e.decision.prior);
  if (e.decision.change.event != engine::LeaseEvent::kNone) changes_.push_back(e.decision.change);
  if (e.decision.reply != engine::ReplyKind::kNone) {
    e.reply = DecodeReply(reply.data(), e.decision.reply_length);
    EXPECT_TRUE(e.reply.has_value()) << "undecodable reply";
  }
  return e;
}

size_t Server::ReclaimAll() {
  size_t n = 0;
  for (uint32_t s = 0; s < engines_.size(); ++s) {
    n += engines_[s]->ReclaimExpired(s, now_, leases_->shard(s).capacity(),
                                     [&](const engine::LeaseChange& c) { changes_.push_back(c); });
  }
  return n;
}

stats::CounterTotals Server::Totals() const {
  std::vector<const stats::WorkerCounters*> blocks;
  for (const auto& c : counters_) blocks.push_back(c.get());
  return stats::Sum(blocks);
}

int64_t Server::SubnetGauge(uint32_t subnet_id, stats::SubnetCounter c) const {
  const config::Subnet* s = config_->FindSubnetById(subnet_id);
  return Totals().subnets.at(s->index)[static_cast<size_t>(c)];
}

std::map<uint32_t, std::vector<std::string>> Server::BoundAddresses() const {
  std::map<uint32_t, std::vector<std::string>> out;
  for (uint32_t s = 0; s < leases_->num_shards(); ++s) {
    leases_->shard(s).ForEach([&](uint32_t, const lease::Lease& l) {
      if (l.state == lease::LeaseState::kBound && l.expire > now_) {
        out[l.address.value()].push_back(l.mac().ToString());
      }
    });
  }
  return out;
}

Message Client::Base(MessageType t) {
  Message m;
  m.type = t;
  m.xid = next_xid_++;
  m.client_id = client_id_;
  m.giaddr = giaddr_;
  m.relay_info = relay_info_;
  if (!giaddr_.IsZero()) m.hops = 1;
  return m;
}

Exchange Client::Send(const Message& m) {
  Exchange e = server_.Send(mac_, m, interface_);
  if (e.reply) {
    EXPECT_EQ(e.reply->xid, m.xid) << "reply xid must match the request (RFC 2131 §4.3.1)";
    EXPECT_EQ(e.reply->op, 2);
  }
  return e;
}

void Client::Absorb(const Exchange& e) {
  if (!e.reply) return;
  if (e.reply->type() == 5 && !e.reply->yiaddr.IsZero()) address_ = e.reply->yiaddr;
  if (e.reply->type() == 6) address_ = Ipv4Address();
  if (const auto sid = e.reply->Address(opt::kServerId)) server_id_ = *sid;
}

Exchange Client::Discover(std::optional<Ipv4Address> requested) {
  Message m = Base(MessageType::kDiscover);
  m.requested = requested;
  Exchange e = Send(m);
  if (e.reply) {
    if (const auto sid = e.reply->Address(opt::kServerId)) server_id_ = *sid;
  }
  return e;
}

Exchange Client::RequestSelecting(Ipv4Address address, Ipv4Address server_id) {
  Message m = Base(MessageType::kRequest);
  m.requested = address;
  m.server_id = server_id;
  Exchange e = Send(m);
  Absorb(e);
  return e;
}

Exchange Client::RequestInitReboot(Ipv4Address address) {
  Message m = Base(MessageType::kRequest);
  m.requested = address;
  Exchange e = Send(m);
  Absorb(e);
  return e;
}

Exchange Client::Renew() {
  Message m = Base(MessageType::kRequest);
  m.ciaddr = address_;
  m.giaddr = Ipv4Address();  // RENEWING is unicast straight to the server (§4.4.5)
  m.relay_info.clear();
  m.hops = 0;
  Exchange e = Send(m);
  Absorb(e);
  return e;
}

Exchange Client::Rebind() {
  Message m = Base(MessageType::kRequest);
  m.ciaddr = address_;
  m.broadcast = false;
  Exchange e = Send(m);
  Absorb(e);
  return e;
}

Exchange Client::Release() {
  Message m = Base(MessageType::kRelease);
  m.ciaddr = address_;
  m.server_id = server_id_;
  m.prl.clear();
  Exchange e = Send(m);
  address_ = Ipv4Address();
  return e;
}

Exchange Client::Decline() {
  Message m = Base(MessageType::kDecline);
  m.requested = address_;
  m.server_id = server_id_;
  m.prl.clear();
  Exchange e = Send(m);
  address_ = Ipv4Address();
  return e;
}

Exchange Client::Inform(Ipv4Address ciaddr) {
  Message m = Base(MessageType::kInform);
  m.ciaddr = ciaddr;
  return Send(m);
}

Exchange Client::Dora(std::optional<Ipv4Address> requested) {
  Exchange offer = Discover(requested);
  if (!offer.reply || offer.reply->type() != 2) return offer;
  return RequestSelecting(offer.reply->yiaddr, *offer.reply->Address(opt::kServerId));
}

MacAddress TestMac(uint32_t n) {
  return MacAddress({0x02, 0x00, static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
                     static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
}

}  // namespace dpdhcp::scenario
