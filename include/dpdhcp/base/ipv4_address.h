// IPv4 addresses and prefixes, held in host byte order.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dpdhcp::base {

class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(uint32_t host_order) : value_(host_order) {}
  constexpr Ipv4Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
      : value_(uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d) {}

  // Dotted quad only ("198.18.0.1"); no leading zeros, no shorthand forms.
  static std::optional<Ipv4Address> Parse(std::string_view text);

  constexpr uint32_t value() const { return value_; }
  constexpr bool IsZero() const { return value_ == 0; }
  constexpr bool IsBroadcast() const { return value_ == 0xffffffffu; }
  std::string ToString() const;

  constexpr auto operator<=>(const Ipv4Address&) const = default;

 private:
  uint32_t value_ = 0;
};

inline constexpr Ipv4Address kBroadcastAddress{0xffffffffu};

class Ipv4Prefix {
 public:
  constexpr Ipv4Prefix() = default;
  // The address is masked to the prefix length; length must be <= 32.
  constexpr Ipv4Prefix(Ipv4Address address, uint8_t length)
      : network_(address.value() & MaskFor(length)), length_(length) {}

  // "198.18.0.0/24". Rejects host bits set ("198.18.0.1/24") so that a typo in
  // a config file is not silently widened.
  static std::optional<Ipv4Prefix> Parse(std::string_view text);

  constexpr Ipv4Address network() const { return network_; }
  constexpr uint8_t length() const { return length_; }
  constexpr uint32_t mask() const { return MaskFor(length_); }
  constexpr Ipv4Address broadcast() const { return Ipv4Address(network_.value() | ~mask()); }
  constexpr bool Contains(Ipv4Address a) const { return (a.value() & mask()) == network_.value(); }
  constexpr bool Contains(const Ipv4Prefix& p) const {
    return p.length_ >= length_ && Contains(p.network_);
  }
  std::string ToString() const;

  constexpr bool operator==(const Ipv4Prefix&) const = default;

  static constexpr uint32_t MaskFor(uint8_t length) {
    return length == 0 ? 0 : ~uint32_t{0} << (32 - length);
  }

 private:
  Ipv4Address network_;
  uint8_t length_ = 0;
};

}  // namespace dpdhcp::base
