// A scripted DHCP server for dhcpgen's tests: it parses the generator's
// request frames with the proto module and answers them the way RFC 2131
// says (or, when a test tweaks the reply, the way a broken server would).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/proto/dhcp_message.h"
#include "dpdhcp/proto/frame.h"
#include "dpdhcp/proto/option_defs.h"
#include "dpdhcp/proto/option_writer.h"
#include "generator.h"

namespace dpdhcp::dhcpgen::testing {

using Frame = std::vector<uint8_t>;

inline const base::Ipv4Address kServerIp(198, 18, 0, 1);
inline const base::MacAddress kServerMac{{0x02, 0x53, 0x00, 0x00, 0x00, 0x01}};
inline const base::Ipv4Address kPoolFirst(198, 18, 0, 10), kPoolLast(198, 18, 3, 255);

// What a reply carries; tests change fields to make it wrong.
struct Reply {
  proto::MessageType type = proto::MessageType::kOffer;
  uint32_t xid = 0;
  base::MacAddress chaddr;
  base::Ipv4Address yiaddr, ciaddr;
  std::optional<base::Ipv4Address> server_id = kServerIp;
  std::optional<uint32_t> lease_time = 3600;
  bool subnet_mask = true, router = true;
  std::vector<uint8_t> relay_info;  // echoed option 82
  std::vector<uint8_t> client_id;   // echoed option 61
  // Addressing (RFC 2131 §4.1), filled from the request.
  base::MacAddress dst_mac;
  base::Ipv4Address dst_ip;
  uint16_t dst_port = proto::kClientPort;
  proto::VlanTags vlans;
  bool corrupt_checksum = false;
  bool bad_cookie = false;
};

inline Frame BuildReplyFrame(const Reply& r) {
  Frame f(2048, 0);
  proto::UdpFrameSpec spec;
  spec.dst_mac = r.dst_mac;
  spec.src_mac = kServerMac;
  spec.vlans = r.vlans;
  spec.src_ip = kServerIp;
  spec.dst_ip = r.dst_ip;
  spec.src_port = proto::kServerPort;
  spec.dst_port = r.dst_port;
  const size_t hdr = proto::UdpFrameHeaderLength(r.vlans);
  uint8_t* p = f.data() + hdr;
  p[proto::kOffOp] = proto::kBootReply;
  p[proto::kOffHtype] = 1;
  p[proto::kOffHlen] = 6;
  base::StoreBe32(p + proto::kOffXid, r.xid);
  base::StoreBe32(p + proto::kOffCiaddr, r.ciaddr.value());
  base::StoreBe32(p + proto::kOffYiaddr, r.yiaddr.value());
  std::memcpy(p + proto::kOffChaddr, r.chaddr.data(), 6);
  base::StoreBe32(p + proto::kOffCookie, r.bad_cookie ? 0x01020304u : proto::kMagicCookie);
  proto::OptionWriter w(p + proto::kDhcpOptionsOffset, 300);
  w.AddU8(proto::option::kMessageType, static_cast<uint8_t>(r.type));
  if (r.server_id) w.AddAddress(proto::option::kServerId, *r.server_id);
  if (r.type != proto::MessageType::kNak) {
    if (r.lease_time) w.AddU32(proto::option::kLeaseTime, *r.lease_time);
    if (r.subnet_mask) w.AddAddress(proto::option::kSubnetMask, base::Ipv4Address(255, 255, 252, 0));
    if (r.router) w.AddAddress(proto::option::kRouters, kServerIp);
  }
  if (!r.client_id.empty()) w.Add(proto::option::kClientId, r.client_id);
  if (!r.relay_info.empty()) w.Add(proto::option::kRelayAgentInfo, r.relay_info);
  const size_t len = proto::WriteUdpFrameHeaders(
      f.data(), spec, proto::kDhcpOptionsOffset + w.Finish());
  if (r.corrupt_checksum) f[hdr - 1] ^= 0x55;  // UDP checksum low byte
  f.resize(len);
  return f;
}

// A correct server: one address per client (by chaddr), kept across
// transactions; RELEASE and DECLINE free it.
class FakeServer {
 public:
  // Parses a request frame; nullopt when it needs no reply (RELEASE, DECLINE).
  // last_frame and last() stay valid until the next call: they point into
  // the server's own copy of the frame.
  std::optional<Reply> Answer(const Frame& frame) {
    last_bytes_ = frame;
    proto::ParsedUdpFrame f;
    EXPECT_EQ(proto::ParseUdpFrame(last_bytes_, &f), base::DropReason::kNone);
    proto::DhcpMessage& m = *message_;
    EXPECT_EQ(m.Parse(f.payload), base::DropReason::kNone);
    last_frame = f;
    ++received[m.type()];
    const base::MacAddress mac = base::MacAddress::FromBytes(m.chaddr().data());
    Reply r;
    r.xid = m.xid();
    r.chaddr = mac;
    r.vlans = f.eth.vlans;
    r.ciaddr = m.ciaddr();
    if (auto v = m.option(proto::option::kRelayAgentInfo)) r.relay_info.assign(v->begin(), v->end());
    if (auto v = m.option(proto::option::kClientId)) r.client_id.assign(v->begin(), v->end());
    base::Ipv4Address& bound = bindings_[mac];
    switch (m.type()) {
      case proto::MessageType::kDiscover:
        if (bound.IsZero()) bound = base::Ipv4Address(kPoolFirst.value() + next_++);
        r.type = proto::MessageType::kOffer;
        r.yiaddr = bound;
        break;
      case proto::MessageType::kRequest:
        r.type = proto::MessageType::kAck;
        r.yiaddr = m.ciaddr().IsZero() ? *m.requested_address() : m.ciaddr();
        if (r.yiaddr != bound) r.type = proto::MessageType::kNak;
        break;
      case proto::MessageType::kRelease:
      case proto::MessageType::kDecline:
        bound = base::Ipv4Address();
        return std::nullopt;
      default:
        ADD_FAILURE() << "unexpected request type " << int(m.type_code());
        return std::nullopt;
    }
    if (r.type == proto::MessageType::kNak) r.yiaddr = base::Ipv4Address();
    if (!m.giaddr().IsZero()) {
      r.dst_mac = f.eth.src;
      r.dst_ip = m.giaddr();
      r.dst_port = proto::kServerPort;
    } else if (r.type == proto::MessageType::kNak) {
      r.dst_mac = base::kBroadcastMac;
      r.dst_ip = base::kBroadcastAddress;
    } else {
      r.dst_mac = mac;
      r.dst_ip = r.yiaddr;
    }
    return r;
  }

  std::map<proto::MessageType, int> received;
  proto::ParsedUdpFrame last_frame;
  const proto::DhcpMessage& last() const { return *message_; }

 private:
  Frame last_bytes_;
  std::map<base::MacAddress, base::Ipv4Address> bindings_;
  uint32_t next_ = 0;
  std::unique_ptr<proto::DhcpMessage> message_ = std::make_unique<proto::DhcpMessage>();
};

// Ticks are microseconds.
inline constexpr uint64_t kHz = 1'000'000;

inline GeneratorConfig BaseConfig(uint32_t clients) {
  GeneratorConfig c;
  c.clients = clients;
  c.window = std::min<uint32_t>(clients, 16);
  c.pools = {{kPoolFirst, kPoolLast}};
  c.timeout_s = 0.01;
  return c;
}

// Generator + server + a clock, and helpers to move frames between them.
struct Harness {
  explicit Harness(const GeneratorConfig& c) {
    auto g = Generator::Create(c, kHz);
    EXPECT_TRUE(g.ok()) << g.status();
    gen = *std::move(g);
    gen->SetPortMac(base::MacAddress{{0x02, 0x99, 0, 0, 0, 1}});
  }

  // The next frame the generator sends now, empty when none.
  Frame Next() {
    Frame f(2048);
    const size_t n = gen->NextFrame(now, f.data(), f.size());
    f.resize(n);
    return f;
  }
  void Deliver(const Frame& f, uint64_t latency = 5) {
    now += latency;
    gen->HandleFrame(f, now);
  }
  // Sends everything due, answers it with the server (through `tweak`,
  // which may change or drop a reply), delivers the replies; until the
  // generator is done or `rounds` pass.
  void Run(int rounds = 100000, const std::function<bool(Reply&)>& tweak = nullptr) {
    for (int i = 0; i < rounds && !gen->Done(); ++i) {
      std::vector<Frame> replies;
      for (Frame f = Next(); !f.empty(); f = Next()) {
        std::optional<Reply> r = server.Answer(f);
        if (r && (!tweak || tweak(*r))) replies.push_back(BuildReplyFrame(*r));
      }
      for (const Frame& r : replies) Deliver(r);
      now += 10;
      gen->Expire(now);
    }
  }

  std::unique_ptr<Generator> gen;
  FakeServer server;
  uint64_t now = 1000;
};

}  // namespace dpdhcp::dhcpgen::testing
