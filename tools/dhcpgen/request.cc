// Client requests, built with the proto module's writers: the BOOTP fixed
// part (RFC 2131 §2), options through proto::OptionWriter, and the
// Ethernet/IPv4/UDP headers through proto::WriteUdpFrameHeaders.
#include <cstring>

#include "client.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/proto/frame.h"
#include "dpdhcp/proto/option_defs.h"
#include "dpdhcp/proto/option_writer.h"
#include "generator.h"

namespace dpdhcp::dhcpgen {

namespace {

// RFC 1542 §3.4 (and what real clients do): BOOTP messages are at least 300
// bytes, padded after END.
constexpr size_t kMinBootpSize = 300;
// What a typical client asks for (dhclient's list, trimmed).
constexpr uint8_t kParameterRequestList[] = {
    proto::option::kSubnetMask,   proto::option::kRouters,         proto::option::kDomainNameServers,
    proto::option::kDomainName,   proto::option::kBroadcastAddress, proto::option::kLeaseTime,
    proto::option::kRenewalTime,  proto::option::kRebindingTime,
};

}  // namespace

size_t Generator::BuildRequest(uint32_t c, uint8_t* buf, size_t cap) {
  const Client& cl = clients_[c];
  const bool relay = !config_.giaddr.IsZero();
  const base::MacAddress mac = ClientMac(c);
  const base::Ipv4Address address(cl.address);
  const base::Ipv4Address server_id(cl.server_id);

  proto::MessageType type = proto::MessageType::kRequest;
  base::Ipv4Address ciaddr;
  bool unicast = false;  // to the server, not broadcast (direct mode only)
  switch (cl.state) {
    case ClientState::kSelecting: type = proto::MessageType::kDiscover; break;
    case ClientState::kRequesting: break;
    case ClientState::kRenewing: ciaddr = address; unicast = true; break;   // §4.4.5
    case ClientState::kRebinding: ciaddr = address; break;                  // §4.4.5
    case ClientState::kReleasing:                                           // §4.4.6
      type = proto::MessageType::kRelease; ciaddr = address; unicast = true; break;
    case ClientState::kDeclining: type = proto::MessageType::kDecline; break;  // §4.4.1
    case ClientState::kIdleUnbound:
    case ClientState::kIdleBound: return 0;
  }

  proto::UdpFrameSpec spec;
  spec.vlans = config_.vlans;
  spec.src_port = proto::kClientPort;
  spec.dst_port = proto::kServerPort;
  if (relay) {
    // RFC 1542 §4.1.1: the relay sends from its own address and port 67 to
    // the server.
    spec.src_mac = relay_mac_;
    spec.dst_mac = server_mac_;
    spec.src_ip = config_.giaddr;
    spec.dst_ip = config_.server_ip;
    spec.src_port = proto::kServerPort;
  } else if (unicast) {
    spec.src_mac = mac;
    spec.dst_mac = server_mac_;
    spec.src_ip = ciaddr;
    spec.dst_ip = server_id;
  } else {
    spec.src_mac = mac;
    spec.dst_mac = base::kBroadcastMac;
    spec.src_ip = ciaddr;  // 0.0.0.0 until the client has an address (§4.1)
    spec.dst_ip = base::kBroadcastAddress;
  }

  const size_t header = proto::UdpFrameHeaderLength(spec.vlans);
  uint8_t* p = buf + header;
  std::memset(p, 0, proto::kDhcpOptionsOffset);
  p[proto::kOffOp] = proto::kBootRequest;
  p[proto::kOffHtype] = proto::kHtypeEthernet;
  p[proto::kOffHlen] = 6;
  p[proto::kOffHops] = relay ? 1 : 0;
  base::StoreBe32(p + proto::kOffXid, cl.xid);
  if (config_.broadcast_flag && ciaddr.IsZero()) {
    base::StoreBe16(p + proto::kOffFlags, proto::kBroadcastFlag);
  }
  base::StoreBe32(p + proto::kOffCiaddr, ciaddr.value());
  base::StoreBe32(p + proto::kOffGiaddr, config_.giaddr.value());
  std::memcpy(p + proto::kOffChaddr, mac.data(), 6);
  base::StoreBe32(p + proto::kOffCookie, proto::kMagicCookie);

  const size_t room = cap - header - proto::kDhcpOptionsOffset;
  proto::OptionWriter w(p + proto::kDhcpOptionsOffset, room);
  w.AddU8(proto::option::kMessageType, static_cast<uint8_t>(type));
  if (cl.state == ClientState::kRequesting || cl.state == ClientState::kDeclining) {
    w.AddAddress(proto::option::kRequestedAddress, address);  // §4.3.2 SELECTING, §4.4.1
  }
  if (cl.state == ClientState::kRequesting || cl.state == ClientState::kReleasing ||
      cl.state == ClientState::kDeclining) {
    w.AddAddress(proto::option::kServerId, server_id);
  }
  if (config_.client_id) {
    uint8_t id[7] = {0, 'd', 'g'};
    base::StoreBe32(id + 3, c);
    w.Add(proto::option::kClientId, id);
  }
  if (type == proto::MessageType::kDiscover || type == proto::MessageType::kRequest) {
    w.Add(proto::option::kParameterRequestList, kParameterRequestList);
  }
  if (relay && config_.option82) {
    // RFC 3046 §2.0: the relay appends option 82 last, before END.
    uint8_t rai[2 + 4 + 2 + 6];
    rai[0] = proto::rai::kCircuitId;
    rai[1] = 4;
    base::StoreBe32(rai + 2, c);
    rai[6] = proto::rai::kRemoteId;
    rai[7] = 6;
    std::memcpy(rai + 8, mac.data(), 6);
    w.Add(proto::option::kRelayAgentInfo, rai);
  }
  size_t payload = proto::kDhcpOptionsOffset + w.Finish();
  if (payload < kMinBootpSize) {
    std::memset(p + payload, 0, kMinBootpSize - payload);
    payload = kMinBootpSize;
  }
  return proto::WriteUdpFrameHeaders(buf, spec, payload);
}

}  // namespace dpdhcp::dhcpgen
