// Building a DHCP reply in a caller-provided buffer: the BOOTP fixed part,
// then options with room checks and RFC 3396 splitting of long values. Fast path: no allocation, no
// exceptions; every write is bounds-checked against the capacity given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/proto/dhcp_message.h"

namespace dpdhcp::proto {

// Writes the reply's BOOTP fixed part + magic cookie (240 bytes) for a reply to
// `request` (RFC 2131 §4.3.1, Table 3): op 2; htype, hlen, xid, flags, giaddr
// and chaddr (hlen bytes, the rest of the 16 zeroed) copied from the request;
// hops 0, secs 0; ciaddr/yiaddr/siaddr as given; sname and file zero.
// `out` must have room for kDhcpOptionsOffset bytes; `request` must have
// parsed past its header checks. Returns kDhcpOptionsOffset.
size_t WriteReplyHeader(uint8_t* out, const DhcpMessage& request, base::Ipv4Address ciaddr,
                        base::Ipv4Address yiaddr, base::Ipv4Address siaddr);

// The largest DHCP payload a reply to `request` may have (RFC 2131 §2 and
// §4.1, RFC 2132 §9.10): option 57 (read as at least 576) minus 28 bytes of IP+UDP
// headers, else 576 - 28; never more than `buffer_limit`.
size_t MaxReplyPayload(const DhcpMessage& request, size_t buffer_limit);

// Appends options to [begin, begin + capacity). The writer always keeps one
// byte for END, so Finish cannot fail. Not copyable: it owns a write cursor.
class OptionWriter {
 public:
  // capacity may be 0 (then nothing fits and Finish writes nothing).
  OptionWriter(uint8_t* begin, size_t capacity)
      : begin_(begin), limit_(capacity > 0 ? capacity - 1 : 0), has_end_room_(capacity > 0) {}
  OptionWriter(const OptionWriter&) = delete;
  OptionWriter& operator=(const OptionWriter&) = delete;

  // Appends option `code` (1..254; pad and END are not options). A value over
  // 255 bytes is split into consecutive options of the same code, 255 bytes
  // each but the last (RFC 3396 §5); an empty value is one option of length 0.
  // All or nothing: returns false, writing nothing, when the whole value does
  // not fit, when code is 0 or 255, or after Finish. `value` must not overlap
  // the bytes being written (echoing a request's option is fine when the
  // request is in another buffer, not when the reply overwrites it).
  bool Add(uint8_t code, base::ByteSpan value) {
    // Inline for the common case, a value that needs no split: every reply
    // writes a dozen options (the engine's profile showed the call itself).
    if (value.size() > 255) return AddSplit(code, value);
    if (!Room(code, value.size())) return false;
    uint8_t* p = begin_ + size_;
    p[0] = code;
    p[1] = static_cast<uint8_t>(value.size());
    if (!value.empty()) std::memcpy(p + 2, value.data(), value.size());
    size_ += 2 + value.size();
    return true;
  }
  bool AddU8(uint8_t code, uint8_t v) {
    if (!Room(code, 1)) return false;
    uint8_t* p = begin_ + size_;
    p[0] = code;
    p[1] = 1;
    p[2] = v;
    size_ += 3;
    return true;
  }
  bool AddU16(uint8_t code, uint16_t v) {
    uint8_t b[2];
    base::StoreBe16(b, v);
    return Add(code, b);
  }
  bool AddU32(uint8_t code, uint32_t v) {
    if (!Room(code, 4)) return false;
    uint8_t* p = begin_ + size_;
    p[0] = code;
    p[1] = 4;
    base::StoreBe32(p + 2, v);
    size_ += 6;
    return true;
  }
  bool AddAddress(uint8_t code, base::Ipv4Address a) { return AddU32(code, a.value()); }

  // Appends options already encoded (code, length, value...), all or
  // nothing: false when they do not fit whole or after Finish.
  bool AddEncoded(base::ByteSpan options) {
    if (finished_ || options.size() > remaining()) return false;
    std::memcpy(begin_ + size_, options.data(), options.size());
    size_ += options.size();
    return true;
  }
  // Bytes a value of `value_size` takes on the wire once split (RFC 3396).
  static constexpr size_t EncodedSize(size_t value_size) {
    const size_t pieces = value_size == 0 ? 1 : (value_size + 254) / 255;
    return value_size + 2 * pieces;
  }

  // Writes END (RFC 2132 §3.2); returns bytes written including END. Further
  // calls write nothing more and return the same size.
  size_t Finish();

  // Bytes written so far (END excluded until Finish).
  size_t size() const { return size_; }
  // Bytes still available for options (the byte kept for END excluded).
  size_t remaining() const { return finished_ ? 0 : limit_ - size_; }

 private:
  // Whether one option of `value_size` (<= 255) bytes may be written.
  bool Room(uint8_t code, size_t value_size) const {
    return !finished_ && code != 0 && code != 255 && value_size + 2 <= limit_ - size_;
  }
  // A value over 255 bytes: RFC 3396 §5 split.
  bool AddSplit(uint8_t code, base::ByteSpan value);

  uint8_t* begin_;
  size_t limit_;  // capacity minus the END byte
  size_t size_ = 0;
  bool has_end_room_;
  bool finished_ = false;
};

}  // namespace dpdhcp::proto
