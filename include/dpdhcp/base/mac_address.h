// 48-bit IEEE 802 MAC address.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace dpdhcp::base {

class MacAddress {
 public:
  static constexpr size_t kSize = 6;

  constexpr MacAddress() = default;
  constexpr explicit MacAddress(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}
  static MacAddress FromBytes(const uint8_t* p) {
    MacAddress m;
    std::memcpy(m.bytes_.data(), p, kSize);
    return m;
  }

  // "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff", either case.
  static std::optional<MacAddress> Parse(std::string_view text);

  constexpr const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  const uint8_t* data() const { return bytes_.data(); }
  constexpr bool IsBroadcast() const {
    for (uint8_t b : bytes_)
      if (b != 0xff) return false;
    return true;
  }
  constexpr bool IsMulticast() const { return (bytes_[0] & 1) != 0; }
  std::string ToString() const;  // lower-case, colon separated

  constexpr auto operator<=>(const MacAddress&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

inline constexpr MacAddress kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

// Formats bytes as colon-separated lower-case hex ("01:aa:bb"), the way Kea
// prints hw-address and client-id; ParseHexBytes accepts that form, plain hex
// ("01aabb") and dash separators. Both are slow-path helpers.
std::string FormatHexBytes(const uint8_t* data, size_t size, char separator = ':');
std::optional<std::string> ParseHexBytes(std::string_view text);

}  // namespace dpdhcp::base
