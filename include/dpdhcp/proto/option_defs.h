// DHCPv4 option codes and the standard option definitions (RFC 2132 and the
// RFCs that added options), as one constexpr table in the manner of Kea's
// std_option_defs.h. Names are Kea's, so `option-data` entries written for Kea
// work unchanged; formats say how a config's "data" string becomes wire bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace dpdhcp::proto {

namespace option {
inline constexpr uint8_t kPad = 0;
inline constexpr uint8_t kSubnetMask = 1;
inline constexpr uint8_t kTimeOffset = 2;
inline constexpr uint8_t kRouters = 3;
inline constexpr uint8_t kDomainNameServers = 6;
inline constexpr uint8_t kHostName = 12;
inline constexpr uint8_t kDomainName = 15;
inline constexpr uint8_t kInterfaceMtu = 26;
inline constexpr uint8_t kBroadcastAddress = 28;
inline constexpr uint8_t kStaticRoutes = 33;
inline constexpr uint8_t kNtpServers = 42;
inline constexpr uint8_t kVendorEncapsulatedOptions = 43;
inline constexpr uint8_t kRequestedAddress = 50;      // RFC 2132 §9.1
inline constexpr uint8_t kLeaseTime = 51;             // RFC 2132 §9.2
inline constexpr uint8_t kOverload = 52;              // RFC 2132 §9.3
inline constexpr uint8_t kMessageType = 53;           // RFC 2132 §9.6
inline constexpr uint8_t kServerId = 54;              // RFC 2132 §9.7
inline constexpr uint8_t kParameterRequestList = 55;  // RFC 2132 §9.8
inline constexpr uint8_t kMessage = 56;               // RFC 2132 §9.9
inline constexpr uint8_t kMaxMessageSize = 57;        // RFC 2132 §9.10
inline constexpr uint8_t kRenewalTime = 58;           // RFC 2132 §9.11
inline constexpr uint8_t kRebindingTime = 59;         // RFC 2132 §9.12
inline constexpr uint8_t kVendorClassId = 60;
inline constexpr uint8_t kClientId = 61;              // RFC 2132 §9.14, RFC 4361
inline constexpr uint8_t kTftpServerName = 66;
inline constexpr uint8_t kBootFileName = 67;
inline constexpr uint8_t kUserClass = 77;
inline constexpr uint8_t kRelayAgentInfo = 82;        // RFC 3046
inline constexpr uint8_t kSubnetSelection = 118;      // RFC 3011
inline constexpr uint8_t kDomainSearch = 119;
inline constexpr uint8_t kClasslessStaticRoute = 121; // RFC 3442
inline constexpr uint8_t kEnd = 255;
}  // namespace option

// How an option's value is laid out on the wire, and so how a config "data"
// string (Kea's csv-format) is encoded.
enum class OptionFormat : uint8_t {
  kBinary,           // hex string ("01:02:0a" or "01020a")
  kEmpty,            // no data
  kUint8,
  kUint16,
  kUint32,
  kInt32,
  kBoolean,          // "true"/"false" -> 1/0
  kIpv4Address,      // one address
  kIpv4AddressList,  // "a, b, c"
  kIpv4AddressPairs, // "a, b, c, d" in pairs (option 33)
  kUint8List,
  kUint16List,
  kString,           // text as is
  kFqdnList,         // RFC 1035 labels, comma separated names (option 119)
  kClasslessRoutes,  // RFC 3442: "198.18.1.0/24 - 198.18.0.1, 0.0.0.0/0 - 198.18.0.1"
};

struct OptionDef {
  uint8_t code;
  std::string_view name;
  OptionFormat format;
};

// The standard definitions, sorted by code.
std::span<const OptionDef> StdOptionDefs();
// nullptr when unknown.
const OptionDef* FindOptionDef(std::string_view name);
const OptionDef* FindOptionDef(uint8_t code);

}  // namespace dpdhcp::proto
