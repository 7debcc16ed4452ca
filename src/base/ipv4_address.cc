#include "dpdhcp/base/ipv4_address.h"

#include <charconv>

#include "absl/strings/str_format.h"

namespace dpdhcp::base {

std::optional<Ipv4Address> Ipv4Address::Parse(std::string_view text) {
  uint32_t value = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (text.empty() || text.front() != '.') return std::nullopt;
      text.remove_prefix(1);
    }
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 3 || (digits > 1 && text[0] == '0')) return std::nullopt;
    unsigned v = 0;
    std::from_chars(text.data(), text.data() + digits, v);
    if (v > 255) return std::nullopt;
    value = value << 8 | v;
    text.remove_prefix(digits);
  }
  if (!text.empty()) return std::nullopt;
  return Ipv4Address(value);
}

std::string Ipv4Address::ToString() const {
  return absl::StrFormat("%u.%u.%u.%u", value_ >> 24, (value_ >> 16) & 0xff, (value_ >> 8) & 0xff,
                         value_ & 0xff);
}

std::optional<Ipv4Prefix> Ipv4Prefix::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto address = Ipv4Address::Parse(text.substr(0, slash));
  const std::string_view len_text = text.substr(slash + 1);
  unsigned len = 0;
  const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (!address || ec != std::errc() || end != len_text.data() + len_text.size() ||
      len_text.empty() || len > 32) {
    return std::nullopt;
  }
  const Ipv4Prefix prefix(*address, static_cast<uint8_t>(len));
  if (prefix.network() != *address) return std::nullopt;
  return prefix;
}

std::string Ipv4Prefix::ToString() const {
  return absl::StrFormat("%s/%u", network_.ToString(), length_);
}

}  // namespace dpdhcp::base
