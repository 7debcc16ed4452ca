// DHCP Relay Agent Information option (option 82, RFC 3046): the sub-options
// a relay agent adds to a client's message, decoded into spans over the
// option's value. Fast path: no allocation; the spans point into the value
// passed to ParseRelayAgentInfo and live as long as it does.
#pragma once

#include <cstdint>
#include <optional>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"

namespace dpdhcp::proto {

// Sub-option codes (IANA "DHCP Relay Agent Sub-Option Codes").
namespace rai {
inline constexpr uint8_t kCircuitId = 1;          // RFC 3046 §3.1
inline constexpr uint8_t kRemoteId = 2;           // RFC 3046 §3.2
inline constexpr uint8_t kLinkSelection = 5;      // RFC 3527
inline constexpr uint8_t kSubscriberId = 6;       // RFC 3993
inline constexpr uint8_t kServerIdOverride = 11;  // RFC 5107
inline constexpr uint8_t kRelayId = 12;           // RFC 6925
inline constexpr uint8_t kRelaySourcePort = 19;   // RFC 8357 §5.1
}  // namespace rai

struct RelayAgentInfo {
  // Opaque identifiers; empty when absent (a zero-length sub-option reads as
  // absent too: it identifies nothing).
  base::ByteSpan circuit_id, remote_id, subscriber_id, relay_id;
  // RFC 3527: the subnet the client is on, overriding giaddr for subnet
  // selection (giaddr stays the reply's destination).
  std::optional<base::Ipv4Address> link_selection;
  // RFC 5107: the address the server must put in option 54 and accept as its
  // own in REQUESTs relayed by this agent.
  std::optional<base::Ipv4Address> server_id_override;
  // RFC 8357 §5.1 relay source port sub-option present: the relay sent from a
  // port other than 67 and wants the reply sent back to that port. The
  // sub-option is empty (Len 0): the port itself is the UDP source port of the
  // datagram, which only the caller knows, so this is a flag, not a number.
  bool relay_port = false;
};

// Decodes the value of option 82 (after RFC 3396 concatenation). Returns kNone,
// or kDhcpBadRelayAgentInfo when a sub-option's length runs past the value or a
// fixed-size sub-option has the wrong length (5 and 11: 4 bytes; 19: 0 bytes).
// Unknown sub-options are skipped. When a sub-option appears more than once the
// first one counts (RFC 3046 does not define repetition). `out` is reset first;
// on failure its content is unspecified.
base::DropReason ParseRelayAgentInfo(base::ByteSpan value, RelayAgentInfo* out);

}  // namespace dpdhcp::proto
