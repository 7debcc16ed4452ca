// ICMP echo (RFC 792): the server answers pings to its addresses and, for
// conflict detection, can ping an address before offering it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"

namespace dpdhcp::proto {

inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr size_t kIcmpEchoHeaderLength = 8;  // type, code, checksum, id, sequence

struct IcmpMessage {
  uint8_t type = 0;
  uint8_t code = 0;
  uint16_t id = 0;        // echo only: bytes 4-5
  uint16_t sequence = 0;  // echo only: bytes 6-7
};

// Parses any ICMP message at the start of `data` (the whole IPv4 payload: the
// checksum covers all of it, RFC 792). Checks, in order:
//   1. data holds 8 bytes          else kTruncatedIcmp
//   2. the checksum verifies       else kBadIcmpChecksum
// id and sequence are filled from bytes 4-7 whatever the type.
base::DropReason ParseIcmp(base::ByteSpan data, IcmpMessage* out);

// ParseIcmp, then 3. type is 8 (echo request)  else kIcmpNotEchoRequest.
base::DropReason ParseIcmpEcho(base::ByteSpan data, IcmpMessage* out);

// Turns the echo request at icmp (len bytes, already verified) into its reply
// in place: type 0, id, sequence and data kept (RFC 792 "Echo or Echo Reply
// Message"), checksum updated incrementally (RFC 1624 eqn. 3).
void TurnEchoRequestIntoReply(uint8_t* icmp, size_t len);

// Writes an echo request header (type 8, code 0, id, sequence) in front of the
// data already at icmp + 8 (data_len bytes) and fills the checksum.
void WriteIcmpEchoRequest(uint8_t* icmp, uint16_t id, uint16_t sequence, size_t data_len);

}  // namespace dpdhcp::proto
