// Operator-supplied DHCP options (Kea's "option-data") in wire form, and the
// encoders that turn a config "data" string into those bytes.
//
// The encoding is done once, at config parse time: the engine copies
// OptionData::data into a reply as is, so nothing here runs per packet except
// OptionSet::Find, which is a short linear scan with no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/proto/option_defs.h"

namespace dpdhcp::config {

// One option: the code and its value bytes (without code and length octets).
struct OptionData {
  uint8_t code = 0;
  std::vector<uint8_t> data;
  // Kea's "always-send": include the option even when the client's parameter
  // request list (RFC 2132 §9.8) does not ask for it.
  bool always_send = false;
};

// The options configured at one level (global, subnet, pool, reservation): at
// most one entry per code, in config order.
struct OptionSet {
  std::vector<OptionData> options;

  // nullptr when the code is not set at this level. Safe on the fast path.
  const OptionData* Find(uint8_t code) const {
    for (const OptionData& o : options) {
      if (o.code == code) return &o;
    }
    return nullptr;
  }
  bool empty() const { return options.empty(); }
};

// Encodes Kea csv-format text for an option of the given format, e.g.
// kIpv4AddressList "198.18.0.53, 198.18.0.54" -> c6 12 00 35 c6 12 00 36.
// kBinary takes hex (see ParseHex). Errors say what is wrong with the text,
// without a JSON path (the caller adds it).
absl::StatusOr<std::vector<uint8_t>> EncodeOptionText(proto::OptionFormat format,
                                                      std::string_view text);

// Hex as Kea accepts it for option data and identifiers: "01:02:0a",
// "01-02-0a", "01 02 0a" (1-2 digits per group) or "01020a" (an even number
// of digits), optionally prefixed with "0x". An empty string is zero bytes.
std::optional<std::vector<uint8_t>> ParseHex(std::string_view text);

}  // namespace dpdhcp::config
