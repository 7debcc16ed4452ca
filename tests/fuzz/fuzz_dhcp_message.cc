// libFuzzer target for the DHCP codec: DhcpMessage::Parse on arbitrary bytes,
// then, when the message is accepted, a reply built the way the server builds
// one (header + options echoing client-id and option 82 into a 576-byte
// buffer), parsed back and checked against the request. Any crash, sanitizer
// report or broken round trip is a bug (../shared/DESIGN.md §5 invariant 4).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/proto/dhcp_message.h"
#include "dpdhcp/proto/option_defs.h"
#include "dpdhcp/proto/option_writer.h"
#include "dpdhcp/proto/relay_agent_info.h"

namespace {

using dpdhcp::base::ByteSpan;
using dpdhcp::base::DropReason;
using dpdhcp::base::Ipv4Address;
namespace proto = dpdhcp::proto;
namespace option = dpdhcp::proto::option;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool SameBytes(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Reads every accessor so that the sanitizers see each span's bytes.
uint32_t Touch(const proto::DhcpMessage& m) {
  uint32_t sum = m.op() + m.htype() + m.hops() + m.xid() + m.secs() + m.flags() +
                 m.ciaddr().value() + m.giaddr().value() + m.type_code() + m.overload();
  for (uint8_t b : m.chaddr()) sum += b;
  for (int code = 1; code < 255; ++code) {
    const auto v = m.option(static_cast<uint8_t>(code));
    Check(v.has_value() == m.has(static_cast<uint8_t>(code)));
    if (v) {
      for (uint8_t b : *v) sum += b;
    }
  }
  sum += m.requested_address().value_or(Ipv4Address()).value();
  sum += m.server_id().value_or(Ipv4Address()).value();
  sum += m.lease_time().value_or(0) + m.max_message_size().value_or(0);
  sum += m.subnet_selection().value_or(Ipv4Address()).value();
  const proto::RelayAgentInfo& rai = m.relay_info();
  for (ByteSpan s : {rai.circuit_id, rai.remote_id, rai.subscriber_id, rai.relay_id}) {
    for (uint8_t b : s) sum += b;
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Reused across inputs, as a worker reuses its message: stale state from
  // the previous input must never show through.
  static proto::DhcpMessage request;
  static proto::DhcpMessage reply;

  const DropReason r = request.Parse(ByteSpan(data, size));
  if (r != DropReason::kNone) {
    Check(!request.has(option::kMessageType) || r != DropReason::kDhcpMissingMessageType);
    return 0;
  }
  volatile uint32_t sink = Touch(request);
  (void)sink;
  Check(request.op() == proto::kBootRequest && request.hlen() <= proto::kMaxHlen);
  Check(request.type_code() >= 1 && request.type_code() <= 8);
  if (request.has(option::kClientId)) Check(request.client_id().size() >= 2);

  uint8_t out[proto::kMinMessageSize];
  size_t n = proto::WriteReplyHeader(out, request, request.ciaddr(), Ipv4Address(198, 18, 0, 10),
                                     Ipv4Address());
  const size_t limit = proto::MaxReplyPayload(request, sizeof out);
  Check(limit >= proto::kDhcpOptionsOffset && limit <= sizeof out);
  proto::OptionWriter w(out + n, limit - n);
  Check(w.AddU8(option::kMessageType, static_cast<uint8_t>(proto::MessageType::kOffer)));
  Check(w.AddAddress(option::kServerId, Ipv4Address(198, 18, 0, 1)));
  Check(w.AddU32(option::kLeaseTime, 3600));
  const bool echoed_client_id =
      request.has(option::kClientId) && w.Add(option::kClientId, request.client_id());
  const bool echoed_rai = request.has(option::kRelayAgentInfo) &&
                          w.Add(option::kRelayAgentInfo, request.relay_agent_info());
  n += w.Finish();
  Check(n <= limit);

  // The reply is a BOOTREPLY: the parser refuses it as a server message, but
  // must read it completely and find what was written.
  Check(reply.Parse(ByteSpan(out, n)) == DropReason::kDhcpServerMessage);
  Check(reply.type() == proto::MessageType::kOffer);
  Check(reply.xid() == request.xid() && reply.flags() == request.flags());
  Check(reply.giaddr() == request.giaddr() && SameBytes(reply.chaddr(), request.chaddr()));
  if (echoed_client_id) Check(SameBytes(reply.client_id(), request.client_id()));
  if (echoed_rai) Check(SameBytes(reply.relay_agent_info(), request.relay_agent_info()));
  return 0;
}
