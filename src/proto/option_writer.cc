#include "dpdhcp/proto/option_writer.h"

#include <algorithm>
#include <cstring>

#include "dpdhcp/proto/option_defs.h"

namespace dpdhcp::proto {

size_t WriteReplyHeader(uint8_t* out, const DhcpMessage& request, base::Ipv4Address ciaddr,
                        base::Ipv4Address yiaddr, base::Ipv4Address siaddr) {
  // Zero first: sname, file, secs, hops and the tail of chaddr are all zero in
  // a reply (RFC 2131 §4.3.1, Table 3), and the buffer may hold the request.
  const base::ByteSpan req = request.raw();
  uint8_t xid_flags[6];
  uint8_t giaddr[4];
  uint8_t chaddr[kChaddrSize];
  // hlen <= 16 after a successful Parse; clamp anyway so a misuse cannot overflow.
  const uint8_t hlen = std::min<uint8_t>(request.hlen(), kChaddrSize);
  // The request may live in the very buffer being overwritten: take what is
  // copied from it before zeroing.
  std::memcpy(xid_flags, &req[kOffXid], 4);
  std::memcpy(xid_flags + 4, &req[kOffFlags], 2);
  std::memcpy(giaddr, &req[kOffGiaddr], 4);
  std::memcpy(chaddr, &req[kOffChaddr], hlen);
  const uint8_t htype = request.htype();

  std::memset(out, 0, kDhcpOptionsOffset);
  out[kOffOp] = kBootReply;
  out[kOffHtype] = htype;
  out[kOffHlen] = hlen;
  std::memcpy(&out[kOffXid], xid_flags, 4);
  std::memcpy(&out[kOffFlags], xid_flags + 4, 2);
  base::StoreBe32(&out[kOffCiaddr], ciaddr.value());
  base::StoreBe32(&out[kOffYiaddr], yiaddr.value());
  base::StoreBe32(&out[kOffSiaddr], siaddr.value());
  std::memcpy(&out[kOffGiaddr], giaddr, 4);
  std::memcpy(&out[kOffChaddr], chaddr, hlen);
  base::StoreBe32(&out[kOffCookie], kMagicCookie);
  return kDhcpOptionsOffset;
}

size_t MaxReplyPayload(const DhcpMessage& request, size_t buffer_limit) {
  // RFC 2131 §2: every client accepts a 576-byte IP datagram; a client that
  // takes more says so with option 57 (RFC 2132 §9.10), a size that includes
  // the IP and UDP headers.
  const size_t datagram = request.max_message_size().value_or(kMinMessageSize);
  return std::min(datagram - kIpUdpHeaderSize, buffer_limit);
}

bool OptionWriter::AddSplit(uint8_t code, base::ByteSpan value) {
  if (finished_ || code == option::kPad || code == option::kEnd) return false;
  if (EncodedSize(value.size()) > remaining()) return false;
  uint8_t* p = begin_ + size_;
  size_t left = value.size();
  const uint8_t* src = value.data();
  // RFC 3396 §5: the encoding agent splits a long value into consecutive
  // instances of the same code; the decoder concatenates them in order.
  do {
    const size_t piece = std::min<size_t>(left, 255);
    p[0] = code;
    p[1] = static_cast<uint8_t>(piece);
    if (piece > 0) std::memcpy(p + 2, src, piece);
    p += 2 + piece;
    src += piece;
    left -= piece;
  } while (left > 0);
  size_ = static_cast<size_t>(p - begin_);
  return true;
}

size_t OptionWriter::Finish() {
  if (!finished_ && has_end_room_) {
    begin_[size_++] = option::kEnd;
  }
  finished_ = true;
  return size_;
}

}  // namespace dpdhcp::proto
