#include "dpdhcp/base/mac_address.h"

namespace dpdhcp::base {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> ParseHexBytes(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (i > 0 && (text[i] == ':' || text[i] == '-')) {
      ++i;
      if (i == text.size()) return std::nullopt;  // trailing separator
    }
    // "1:2:3" style single-digit groups are accepted, as Kea does.
    const int hi = HexValue(text[i]);
    if (hi < 0) return std::nullopt;
    const int lo = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
    if (lo < 0) {
      out.push_back(static_cast<char>(hi));
      i += 1;
    } else {
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::string FormatHexBytes(const uint8_t* data, size_t size, char separator) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 3);
  for (size_t i = 0; i < size; ++i) {
    if (i > 0 && separator != '\0') out.push_back(separator);
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

std::optional<MacAddress> MacAddress::Parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  std::array<uint8_t, kSize> bytes{};
  for (size_t i = 0; i < kSize; ++i) {
    const int hi = HexValue(text[i * 3]);
    const int lo = HexValue(text[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i + 1 < kSize && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return std::nullopt;
    bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return MacAddress(bytes);
}

std::string MacAddress::ToString() const { return FormatHexBytes(bytes_.data(), kSize); }

}  // namespace dpdhcp::base
