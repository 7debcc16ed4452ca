#include "dpdhcp/proto/icmp.h"

#include "dpdhcp/proto/checksum.h"

namespace dpdhcp::proto {

using base::DropReason;
using base::LoadBe16;

DropReason ParseIcmp(base::ByteSpan data, IcmpMessage* out) {
  // 1. type, code, checksum and the 4 type-specific bytes.
  if (data.size() < kIcmpEchoHeaderLength) return DropReason::kTruncatedIcmp;
  const uint8_t* p = data.data();
  // 2. RFC 792: the checksum covers the whole ICMP message; summed with the
  // checksum in place it gives -0.
  if (ChecksumFinish(ChecksumPartial(p, data.size())) != 0) return DropReason::kBadIcmpChecksum;
  out->type = p[0];
  out->code = p[1];
  out->id = LoadBe16(p + 4);
  out->sequence = LoadBe16(p + 6);
  return DropReason::kNone;
}

DropReason ParseIcmpEcho(base::ByteSpan data, IcmpMessage* out) {
  const DropReason r = ParseIcmp(data, out);
  if (r != DropReason::kNone) return r;
  // 3. Only echo requests are answered; replies to our own conflict-detection
  // pings go through ParseIcmp.
  if (out->type != kIcmpEchoRequest) return DropReason::kIcmpNotEchoRequest;
  return DropReason::kNone;
}

void TurnEchoRequestIntoReply(uint8_t* icmp, size_t len) {
  // Only the first word changes (type 8 -> 0, code kept), so RFC 1624 eqn. 3
  // updates the checksum in O(1): HC' = ~(~HC + ~m + m').
  const uint16_t old_word = LoadBe16(icmp);
  icmp[0] = kIcmpEchoReply;
  const uint16_t new_word = LoadBe16(icmp);
  const uint16_t old_checksum = LoadBe16(icmp + 2);
  const uint32_t sum = uint32_t{static_cast<uint16_t>(~old_checksum)} +
                       uint32_t{static_cast<uint16_t>(~old_word)} + new_word;
  uint16_t checksum = ChecksumFinish(sum);
  if (checksum == 0) {
    // Eqn. 3 yields 0 both when the true sum is -0 (0 is then right) and when
    // the reply is all zeros, whose checksum is 0xffff: RFC 1624 §3 notes the
    // ambiguity. Once in 65536 replies, settle it by summing the message.
    base::StoreBe16(icmp + 2, 0);
    checksum = ChecksumFinish(ChecksumPartial(icmp, len));
  }
  base::StoreBe16(icmp + 2, checksum);
}

void WriteIcmpEchoRequest(uint8_t* icmp, uint16_t id, uint16_t sequence, size_t data_len) {
  icmp[0] = kIcmpEchoRequest;
  icmp[1] = 0;
  base::StoreBe16(icmp + 2, 0);
  base::StoreBe16(icmp + 4, id);
  base::StoreBe16(icmp + 6, sequence);
  base::StoreBe16(icmp + 2,
                  ChecksumFinish(ChecksumPartial(icmp, kIcmpEchoHeaderLength + data_len)));
}

}  // namespace dpdhcp::proto
