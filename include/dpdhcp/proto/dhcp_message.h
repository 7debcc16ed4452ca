// DHCPv4 message view (RFC 2131 §2, RFC 2132): the BOOTP fixed fields, the
// magic cookie and the options, parsed in place over a UDP payload.
//
// Fast path: Parse never allocates, locks or throws, and its work is bounded
// by the payload size (at most DhcpMessage::kMaxSize bytes) and by a fixed
// number of option fragments. One DhcpMessage per worker is reused for every
// packet; Parse resets it by clearing a 256-bit presence bitmap, not the
// per-option tables.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/proto/relay_agent_info.h"

namespace dpdhcp::proto {

// RFC 2132 §9.6.
enum class MessageType : uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};
// "DHCPDISCOVER", ..., "DHCPINFORM"; "DHCPUNKNOWN" for other values.
std::string_view MessageTypeName(MessageType t);

inline constexpr uint8_t kBootRequest = 1, kBootReply = 2;
inline constexpr size_t kBootpFixedSize = 236;        // op .. file
inline constexpr size_t kDhcpOptionsOffset = 240;     // after the magic cookie
inline constexpr uint32_t kMagicCookie = 0x63825363;  // RFC 2131 §3, RFC 2132 §2
inline constexpr uint16_t kBroadcastFlag = 0x8000;    // RFC 2131 §2, Figure 2
inline constexpr uint16_t kServerPort = 67, kClientPort = 68;
// RFC 2131 §2: every client accepts 576-byte IP datagrams.
inline constexpr size_t kMinMessageSize = 576;
inline constexpr size_t kIpUdpHeaderSize = 28;  // IPv4 header without options + UDP header

// Field offsets of the BOOTP header (RFC 2131 §2, Figure 1).
inline constexpr size_t kOffOp = 0;
inline constexpr size_t kOffHtype = 1;
inline constexpr size_t kOffHlen = 2;
inline constexpr size_t kOffHops = 3;
inline constexpr size_t kOffXid = 4;
inline constexpr size_t kOffSecs = 8;
inline constexpr size_t kOffFlags = 10;
inline constexpr size_t kOffCiaddr = 12;
inline constexpr size_t kOffYiaddr = 16;
inline constexpr size_t kOffSiaddr = 20;
inline constexpr size_t kOffGiaddr = 24;
inline constexpr size_t kOffChaddr = 28;
inline constexpr size_t kOffSname = 44;
inline constexpr size_t kOffFile = 108;
inline constexpr size_t kOffCookie = 236;
inline constexpr size_t kChaddrSize = 16;
inline constexpr size_t kSnameSize = 64;
inline constexpr size_t kFileSize = 128;
inline constexpr size_t kMaxHlen = 16;
inline constexpr uint8_t kHtypeEthernet = 1;  // RFC 1700 "Hardware Type"

// Option 52 values (RFC 2132 §9.3): which BOOTP fields also carry options.
inline constexpr uint8_t kOverloadFile = 1, kOverloadSname = 2, kOverloadBoth = 3;

// Walks one option field (options, file or sname) in wire order. Pad (code 0,
// RFC 2132 §3.1) is skipped; END (code 255, §3.2) or the end of the field
// stops the walk (a missing END is tolerated: many clients pad with zeros
// instead). An option whose length byte or value runs past the field stops
// the walk with error() == kDhcpOptionOverrun.
class OptionIterator {
 public:
  explicit OptionIterator(base::ByteSpan field) : field_(field) {}

  // Advances to the next option; false when there is none (END, end of field,
  // or an error).
  bool Next() {
    while (pos_ < field_.size()) {
      const uint8_t code = field_[pos_];
      if (code == kPad) {
        ++pos_;
        continue;
      }
      if (code == kEnd) break;
      if (field_.size() - pos_ < 2 || field_.size() - pos_ - 2 < field_[pos_ + 1]) {
        error_ = base::DropReason::kDhcpOptionOverrun;
        break;
      }
      code_ = code;
      value_ = field_.subspan(pos_ + 2, field_[pos_ + 1]);
      pos_ += 2 + value_.size();
      return true;
    }
    pos_ = field_.size();
    return false;
  }

  uint8_t code() const { return code_; }
  base::ByteSpan value() const { return value_; }
  base::DropReason error() const { return error_; }

 private:
  static constexpr uint8_t kPad = 0, kEnd = 255;

  base::ByteSpan field_;
  size_t pos_ = 0;
  uint8_t code_ = 0;
  base::ByteSpan value_;
  base::DropReason error_ = base::DropReason::kNone;
};

class DhcpMessage {
 public:
  // Payloads above this size are refused (kDhcpTooLarge). Clients and relays
  // send DHCP in ordinary 1500-byte frames; the bound keeps the scan and the
  // concatenation buffer finite.
  static constexpr size_t kMaxSize = 8192;
  // Option instances (TLVs, pads excluded) tracked per message; more is
  // refused (kDhcpTooManyOptions). Real clients send fewer than 40.
  static constexpr size_t kMaxFragments = 255;

  DhcpMessage() = default;

  // Parses a UDP payload. kNone on success. Never allocates. `data` must
  // outlive the message (spans returned by the accessors point into it, or
  // into this object for options that arrived split).
  //
  // Checks, in order (each failure names its reason):
  //  1. size: < 240 kDhcpTruncated, > kMaxSize kDhcpTooLarge;
  //  2. magic cookie 99.130.83.99 (RFC 2131 §3) else kDhcpBadCookie;
  //  3. op: 1 goes on; 2 (BOOTREPLY) ends as kDhcpServerMessage after the rest
  //     is parsed best-effort so that type_code() can be counted; else kDhcpBadOp;
  //  4. htype 0 kDhcpBadHtype; hlen > 16, or htype 1 with hlen != 6, kDhcpBadHlen;
  //  5. the options field, then file (overload 1 or 3), then sname (2 or 3)
  //     (RFC 2131 §4.1, RFC 2132 §9.3): an option running past its field
  //     kDhcpOptionOverrun; option 52 whose value is not one byte 1..3
  //     kDhcpBadOverload; option 52 inside file or sname kDhcpOverloadLoop;
  //     more than kMaxFragments options kDhcpTooManyOptions;
  //  6. option 53: absent kDhcpMissingMessageType, present more than once
  //     kDhcpDuplicateMessageType, length != 1 kDhcpBadOptionLength; values
  //     2, 5, 6 kDhcpServerMessage; outside 1..8 kDhcpUnknownMessageType;
  //  7. fixed-size options, on their concatenated value (RFC 3396): 50, 51, 54,
  //     118 need 4 bytes, 57 needs 2, else kDhcpBadOptionLength;
  //  8. option 61 shorter than 2 bytes (RFC 2132 §9.14) kDhcpBadClientId;
  //  9. option 82 whose sub-options do not parse kDhcpBadRelayAgentInfo.
  //
  // After a failure only raw(), type_code() and (when the failure is not
  // kDhcpTruncated/kDhcpTooLarge) the fixed header fields are meaningful.
  base::DropReason Parse(base::ByteSpan data);

  // Fixed fields (RFC 2131 §2).
  uint8_t op() const { return data_[kOffOp]; }
  uint8_t htype() const { return data_[kOffHtype]; }
  uint8_t hlen() const { return data_[kOffHlen]; }
  uint8_t hops() const { return data_[kOffHops]; }
  uint32_t xid() const { return base::LoadBe32(&data_[kOffXid]); }
  uint16_t secs() const { return base::LoadBe16(&data_[kOffSecs]); }
  uint16_t flags() const { return base::LoadBe16(&data_[kOffFlags]); }
  bool broadcast() const { return (flags() & kBroadcastFlag) != 0; }
  base::Ipv4Address ciaddr() const { return Address(kOffCiaddr); }
  base::Ipv4Address yiaddr() const { return Address(kOffYiaddr); }
  base::Ipv4Address siaddr() const { return Address(kOffSiaddr); }
  base::Ipv4Address giaddr() const { return Address(kOffGiaddr); }
  // hlen bytes (hlen <= 16 is guaranteed after a successful Parse).
  base::ByteSpan chaddr() const { return data_.subspan(kOffChaddr, hlen()); }
  // The whole payload.
  base::ByteSpan raw() const { return data_; }

  // Option 53. type_code() is 0 when option 53 could not be read.
  MessageType type() const { return static_cast<MessageType>(type_code_); }
  uint8_t type_code() const { return type_code_; }
  // Option 52's value, 0 when the message is not overloaded.
  uint8_t overload() const { return overload_; }

  bool has(uint8_t code) const { return (present_[code >> 6] >> (code & 63)) & 1; }
  // The option's value as one contiguous span: in place when it came in one
  // piece; concatenated into an internal buffer when it was split (RFC 3396:
  // same code several times, in the order options field, file, sname).
  // nullopt when absent.
  std::optional<base::ByteSpan> option(uint8_t code) const {
    if (!has(code)) return std::nullopt;
    return Value(code);
  }
  // How many instances of the option the message carried (0 when absent).
  size_t fragment_count(uint8_t code) const;

  // Typed accessors; nullopt when absent or (after a failed Parse) malformed.
  std::optional<base::Ipv4Address> requested_address() const { return AddressOption(50); }
  std::optional<base::Ipv4Address> server_id() const { return AddressOption(54); }
  std::optional<uint32_t> lease_time() const;  // 51
  // Option 57; values below 576 read as 576 (RFC 2132 §9.10: the minimum legal value).
  std::optional<uint16_t> max_message_size() const;
  // Option 118 (RFC 3011).
  std::optional<base::Ipv4Address> subnet_selection() const { return AddressOption(118); }
  base::ByteSpan client_id() const { return ValueOrEmpty(61); }               // RFC 2132 §9.14
  base::ByteSpan parameter_request_list() const { return ValueOrEmpty(55); }  // RFC 2132 §9.8
  base::ByteSpan host_name() const { return ValueOrEmpty(12); }               // RFC 2132 §3.14
  base::ByteSpan relay_agent_info() const { return ValueOrEmpty(82); }        // RFC 3046
  // Option 82's sub-options, decoded by Parse; all empty when 82 is absent.
  const RelayAgentInfo& relay_info() const { return relay_info_; }

 private:
  // A value offset with this bit set points into concat_, else into data_.
  static constexpr uint16_t kInConcat = 0x8000;
  static constexpr uint16_t kNoFragment = 0xffff;
  static_assert(kMaxSize < kInConcat);

  struct Fragment {
    uint16_t offset;  // of the value, in data_
    uint8_t length;
    uint16_t next;  // next fragment of the same code, or kNoFragment
  };

  base::DropReason ParseAfterOp();
  base::DropReason ScanField(size_t begin, size_t end, bool overload_area);
  base::DropReason AddFragment(uint8_t code, size_t offset, uint8_t length);
  void Concatenate();
  base::DropReason ValidateOptions();

  base::Ipv4Address Address(size_t off) const {
    return base::Ipv4Address(base::LoadBe32(&data_[off]));
  }
  base::ByteSpan Value(uint8_t code) const {
    const uint16_t off = value_offset_[code];
    const uint8_t* base = (off & kInConcat) ? concat_.data() : data_.data();
    return base::ByteSpan(base + (off & ~kInConcat), value_length_[code]);
  }
  base::ByteSpan ValueOrEmpty(uint8_t code) const {
    return has(code) ? Value(code) : base::ByteSpan();
  }
  std::optional<base::Ipv4Address> AddressOption(uint8_t code) const {
    if (!has(code) || value_length_[code] != 4) return std::nullopt;
    return base::Ipv4Address(base::LoadBe32(Value(code).data()));
  }

  base::ByteSpan data_;
  uint8_t type_code_ = 0;
  uint8_t overload_ = 0;
  uint16_t num_fragments_ = 0;
  uint16_t num_split_ = 0;
  std::array<uint64_t, 4> present_{};
  // The per-code tables below hold meaningful values only for codes whose
  // present_ bit is set, so that Parse need not clear them.
  std::array<uint16_t, 256> value_offset_{};
  std::array<uint16_t, 256> value_length_{};
  std::array<uint16_t, 256> first_fragment_{};
  std::array<uint16_t, 256> last_fragment_{};
  std::array<Fragment, kMaxFragments> fragments_{};
  std::array<uint8_t, 256> split_codes_{};  // codes seen more than once, in first-seen order
  std::array<uint8_t, kMaxSize> concat_{};  // concatenated values of split options
  RelayAgentInfo relay_info_;
};

}  // namespace dpdhcp::proto
