#include "dpdhcp/proto/dhcp_message.h"

#include <algorithm>
#include <cstring>

#include "dpdhcp/proto/option_defs.h"

namespace dpdhcp::proto {

using base::DropReason;

std::string_view MessageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kDiscover:
      return "DHCPDISCOVER";
    case MessageType::kOffer:
      return "DHCPOFFER";
    case MessageType::kRequest:
      return "DHCPREQUEST";
    case MessageType::kDecline:
      return "DHCPDECLINE";
    case MessageType::kAck:
      return "DHCPACK";
    case MessageType::kNak:
      return "DHCPNAK";
    case MessageType::kRelease:
      return "DHCPRELEASE";
    case MessageType::kInform:
      return "DHCPINFORM";
  }
  return "DHCPUNKNOWN";
}

DropReason DhcpMessage::Parse(base::ByteSpan data) {
  // Reset: only the scalars and the presence bitmap, never the 256-entry
  // tables (they are read only for codes marked present).
  data_ = data;
  type_code_ = 0;
  overload_ = 0;
  num_fragments_ = 0;
  num_split_ = 0;
  present_ = {};
  relay_info_ = RelayAgentInfo{};

  // 1. The fixed part and the cookie must be there (RFC 2131 §2, §3).
  if (data.size() < kDhcpOptionsOffset) return DropReason::kDhcpTruncated;
  if (data.size() > kMaxSize) return DropReason::kDhcpTooLarge;
  // 2. RFC 2131 §3: options start with the magic cookie; without it this is
  //    plain BOOTP (RFC 951), which the server does not serve.
  if (base::LoadBe32(&data[kOffCookie]) != kMagicCookie) return DropReason::kDhcpBadCookie;
  // 3. RFC 2131 §2: op is BOOTREQUEST from clients and relays. A BOOTREPLY is
  //    parsed on so the caller can count its message type, then dropped.
  const uint8_t op = data[kOffOp];
  if (op != kBootRequest && op != kBootReply) return DropReason::kDhcpBadOp;
  const DropReason r = ParseAfterOp();
  return op == kBootReply ? DropReason::kDhcpServerMessage : r;
}

DropReason DhcpMessage::ParseAfterOp() {
  // 4. Hardware address: RFC 2131 §2 gives chaddr 16 bytes; Ethernet (htype 1,
  //    RFC 1700) addresses are 6. htype 0 is reserved.
  const uint8_t htype = data_[kOffHtype];
  const uint8_t hlen = data_[kOffHlen];
  if (htype == 0) return DropReason::kDhcpBadHtype;
  if (hlen > kMaxHlen || (htype == kHtypeEthernet && hlen != 6)) return DropReason::kDhcpBadHlen;

  // 5. Options field first, then file, then sname when option 52 says so
  //    (RFC 2131 §4.1, RFC 2132 §9.3; RFC 3396 concatenates in that order).
  DropReason r = ScanField(kDhcpOptionsOffset, data_.size(), /*overload_area=*/false);
  if (r != DropReason::kNone) return r;
  if (has(option::kOverload)) {
    // RFC 2132 §9.3: length 1, value 1 (file), 2 (sname) or 3 (both). Two
    // instances concatenate to length 2 and are refused here as well.
    const base::ByteSpan v = Value(option::kOverload);
    if (v.size() != 1 || v[0] < kOverloadFile || v[0] > kOverloadBoth) {
      return DropReason::kDhcpBadOverload;
    }
    overload_ = v[0];
    if (overload_ & kOverloadFile) {
      r = ScanField(kOffFile, kOffFile + kFileSize, /*overload_area=*/true);
      if (r != DropReason::kNone) return r;
    }
    if (overload_ & kOverloadSname) {
      r = ScanField(kOffSname, kOffSname + kSnameSize, /*overload_area=*/true);
      if (r != DropReason::kNone) return r;
    }
  }
  if (num_split_ > 0) Concatenate();
  return ValidateOptions();
}

DropReason DhcpMessage::ScanField(size_t begin, size_t end, bool overload_area) {
  OptionIterator it(data_.subspan(begin, end - begin));
  while (it.Next()) {
    // RFC 2132 §9.3 only defines option 52 in the options field; one inside
    // file or sname would ask to rescan the field it sits in.
    if (overload_area && it.code() == option::kOverload) return DropReason::kDhcpOverloadLoop;
    const auto offset = static_cast<size_t>(it.value().data() - data_.data());
    const DropReason r = AddFragment(it.code(), offset, static_cast<uint8_t>(it.value().size()));
    if (r != DropReason::kNone) return r;
  }
  return it.error();
}

DropReason DhcpMessage::AddFragment(uint8_t code, size_t offset, uint8_t length) {
  if (num_fragments_ == kMaxFragments) return DropReason::kDhcpTooManyOptions;
  const uint16_t index = num_fragments_++;
  fragments_[index] = Fragment{static_cast<uint16_t>(offset), length, kNoFragment};
  if (!has(code)) {
    present_[code >> 6] |= uint64_t{1} << (code & 63);
    first_fragment_[code] = last_fragment_[code] = index;
    value_offset_[code] = static_cast<uint16_t>(offset);
    value_length_[code] = length;
    return DropReason::kNone;
  }
  // RFC 3396 §7: a repeated code is one more piece of the same option.
  if (first_fragment_[code] == last_fragment_[code]) split_codes_[num_split_++] = code;
  fragments_[last_fragment_[code]].next = index;
  last_fragment_[code] = index;
  value_length_[code] = static_cast<uint16_t>(value_length_[code] + length);
  return DropReason::kNone;
}

void DhcpMessage::Concatenate() {
  // Every fragment is a distinct range of data_, so the concatenated values
  // together never exceed data_.size() <= kMaxSize = concat_.size().
  size_t used = 0;
  for (size_t i = 0; i < num_split_; ++i) {
    const uint8_t code = split_codes_[i];
    const size_t start = used;
    for (uint16_t f = first_fragment_[code]; f != kNoFragment; f = fragments_[f].next) {
      std::memcpy(&concat_[used], &data_[fragments_[f].offset], fragments_[f].length);
      used += fragments_[f].length;
    }
    value_offset_[code] = static_cast<uint16_t>(start | kInConcat);
  }
}

size_t DhcpMessage::fragment_count(uint8_t code) const {
  if (!has(code)) return 0;
  size_t n = 0;
  for (uint16_t f = first_fragment_[code]; f != kNoFragment; f = fragments_[f].next) ++n;
  return n;
}

DropReason DhcpMessage::ValidateOptions() {
  // 6. RFC 2132 §9.6: one message type, one byte long; RFC 2131 Table 5
  //    makes it a MUST in every client message.
  if (!has(option::kMessageType)) return DropReason::kDhcpMissingMessageType;
  if (first_fragment_[option::kMessageType] != last_fragment_[option::kMessageType]) {
    return DropReason::kDhcpDuplicateMessageType;
  }
  if (value_length_[option::kMessageType] != 1) return DropReason::kDhcpBadOptionLength;
  type_code_ = Value(option::kMessageType)[0];
  switch (static_cast<MessageType>(type_code_)) {
    case MessageType::kOffer:
    case MessageType::kAck:
    case MessageType::kNak:
      return DropReason::kDhcpServerMessage;
    case MessageType::kDiscover:
    case MessageType::kRequest:
    case MessageType::kDecline:
    case MessageType::kRelease:
    case MessageType::kInform:
      break;
    default:
      return DropReason::kDhcpUnknownMessageType;
  }

  // 7. Fixed-size options, checked on the concatenated value.
  struct FixedLength {
    uint8_t code;
    uint8_t length;
  };
  static constexpr FixedLength kFixed[] = {
      {option::kRequestedAddress, 4},  // RFC 2132 §9.1
      {option::kLeaseTime, 4},         // RFC 2132 §9.2
      {option::kServerId, 4},          // RFC 2132 §9.7
      {option::kMaxMessageSize, 2},    // RFC 2132 §9.10
      {option::kSubnetSelection, 4},   // RFC 3011
  };
  for (const FixedLength& f : kFixed) {
    if (has(f.code) && value_length_[f.code] != f.length) return DropReason::kDhcpBadOptionLength;
  }

  // 8. RFC 2132 §9.14: the client identifier is a type byte plus at least one byte.
  if (has(option::kClientId) && value_length_[option::kClientId] < 2) {
    return DropReason::kDhcpBadClientId;
  }

  // 9. RFC 3046: option 82 must decode, as its sub-options select subnets and
  //    reservations.
  if (has(option::kRelayAgentInfo)) {
    return ParseRelayAgentInfo(Value(option::kRelayAgentInfo), &relay_info_);
  }
  return DropReason::kNone;
}

std::optional<uint32_t> DhcpMessage::lease_time() const {
  if (!has(option::kLeaseTime) || value_length_[option::kLeaseTime] != 4) return std::nullopt;
  return base::LoadBe32(Value(option::kLeaseTime).data());
}

std::optional<uint16_t> DhcpMessage::max_message_size() const {
  if (!has(option::kMaxMessageSize) || value_length_[option::kMaxMessageSize] != 2) {
    return std::nullopt;
  }
  // RFC 2132 §9.10: "The minimum legal value is 576 octets." A smaller value
  // is a client bug, not a reason to drop its message.
  const uint16_t v = base::LoadBe16(Value(option::kMaxMessageSize).data());
  return std::max(v, static_cast<uint16_t>(kMinMessageSize));
}

}  // namespace dpdhcp::proto
