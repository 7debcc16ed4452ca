#include "dpdhcp/proto/relay_agent_info.h"

#include <cstddef>

namespace dpdhcp::proto {
namespace {

using base::DropReason;

// A fixed-size address sub-option: exactly 4 bytes, first occurrence wins.
bool TakeAddress(base::ByteSpan v, std::optional<base::Ipv4Address>* out) {
  if (v.size() != 4) return false;
  if (!out->has_value()) *out = base::Ipv4Address(base::LoadBe32(v.data()));
  return true;
}

void TakeBytes(base::ByteSpan v, base::ByteSpan* out) {
  if (out->empty()) *out = v;
}

}  // namespace

DropReason ParseRelayAgentInfo(base::ByteSpan value, RelayAgentInfo* out) {
  *out = RelayAgentInfo{};
  // RFC 3046 §2.0: the value is a sequence of SubOpt/Len/Value tuples with no
  // pad or end markers, so every byte must belong to a tuple.
  size_t i = 0;
  while (i < value.size()) {
    if (value.size() - i < 2) return DropReason::kDhcpBadRelayAgentInfo;
    const uint8_t code = value[i];
    const size_t len = value[i + 1];
    if (value.size() - i - 2 < len) return DropReason::kDhcpBadRelayAgentInfo;
    const base::ByteSpan v = value.subspan(i + 2, len);
    i += 2 + len;
    switch (code) {
      case rai::kCircuitId:
        TakeBytes(v, &out->circuit_id);
        break;
      case rai::kRemoteId:
        TakeBytes(v, &out->remote_id);
        break;
      case rai::kSubscriberId:
        TakeBytes(v, &out->subscriber_id);
        break;
      case rai::kRelayId:
        TakeBytes(v, &out->relay_id);
        break;
      case rai::kLinkSelection:  // RFC 3527: one IPv4 address
        if (!TakeAddress(v, &out->link_selection)) return DropReason::kDhcpBadRelayAgentInfo;
        break;
      case rai::kServerIdOverride:  // RFC 5107: one IPv4 address
        if (!TakeAddress(v, &out->server_id_override)) {
          return DropReason::kDhcpBadRelayAgentInfo;
        }
        break;
      case rai::kRelaySourcePort:  // RFC 8357 §5.1: Len is 0, the port is the UDP source port
        if (!v.empty()) return DropReason::kDhcpBadRelayAgentInfo;
        out->relay_port = true;
        break;
      default:  // not used by the server; the whole option is still echoed (RFC 3046 §2.2)
        break;
    }
  }
  return DropReason::kNone;
}

}  // namespace dpdhcp::proto
