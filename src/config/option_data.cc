// Kea csv-format option text -> wire bytes, one encoder per OptionFormat.
#include "dpdhcp/config/option_data.h"

#include <charconv>
#include <string>

#include "absl/status/status.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "text_util.h"

namespace dpdhcp::config {
namespace {

using internal::Cat;
using internal::EqualsIgnoreCase;
using internal::StartsWithIgnoreCase;
using internal::Trim;
using proto::OptionFormat;
using Bytes = std::vector<uint8_t>;

// RFC 2132 §2: the length octet limits an option's value to 255 bytes. (RFC
// 3396 long options are not produced from config.)
constexpr size_t kMaxOptionLength = 255;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(internal::Absl(what));
}

std::string Quote(std::string_view s) { return Cat("\"", s, "\""); }

// Splits on commas and trims each element; an empty element is an error.
absl::StatusOr<std::vector<std::string_view>> SplitList(std::string_view text) {
  std::vector<std::string_view> items;
  if (Trim(text).empty()) return Invalid("the list is empty");
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    if (item.empty()) return Invalid(Cat("empty element in list ", Quote(text)));
    items.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

// Decimal, or hex with a 0x prefix (as Kea's readInteger accepts).
absl::StatusOr<uint64_t> ParseUnsigned(std::string_view text, uint64_t max) {
  text = Trim(text);
  int base = 10;
  std::string_view digits = text;
  if (StartsWithIgnoreCase(digits, "0x")) {
    base = 16;
    digits.remove_prefix(2);
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return Invalid(Cat(Quote(text), " is not an unsigned integer"));
  }
  if (v > max) return Invalid(Cat(text, " is out of range 0..", max));
  return v;
}

absl::StatusOr<base::Ipv4Address> ParseAddress(std::string_view text) {
  text = Trim(text);
  const auto a = base::Ipv4Address::Parse(text);
  if (!a) return Invalid(Cat(Quote(text), " is not an IPv4 address"));
  return *a;
}

void Append32(Bytes& out, uint32_t v) {
  uint8_t b[4];
  base::StoreBe32(b, v);
  out.insert(out.end(), b, b + 4);
}

absl::StatusOr<Bytes> EncodeAddresses(std::string_view text, bool pairs) {
  auto items = SplitList(text);
  if (!items.ok()) return items.status();
  if (pairs && items->size() % 2 != 0) {
    return Invalid(Cat("expected address pairs, got ", items->size(), " addresses"));
  }
  Bytes out;
  for (std::string_view item : *items) {
    auto a = ParseAddress(item);
    if (!a.ok()) return a.status();
    Append32(out, a->value());
  }
  return out;
}

absl::StatusOr<Bytes> EncodeIntegerList(std::string_view text, int width) {
  auto items = SplitList(text);
  if (!items.ok()) return items.status();
  Bytes out;
  for (std::string_view item : *items) {
    auto v = ParseUnsigned(item, width == 1 ? 0xff : 0xffff);
    if (!v.ok()) return v.status();
    if (width == 2) out.push_back(static_cast<uint8_t>(*v >> 8));
    out.push_back(static_cast<uint8_t>(*v));
  }
  return out;
}

absl::StatusOr<Bytes> EncodeUnsigned(std::string_view text, int width) {
  auto v = ParseUnsigned(text, width == 4 ? 0xffffffffu : (uint64_t{1} << (8 * width)) - 1);
  if (!v.ok()) return v.status();
  Bytes out;
  for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<uint8_t>(*v >> shift));
  }
  return out;
}

absl::StatusOr<Bytes> EncodeInt32(std::string_view text) {
  text = Trim(text);
  int32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Invalid(Cat(Quote(text), " is not a 32-bit signed integer"));
  }
  Bytes out;
  Append32(out, static_cast<uint32_t>(v));
  return out;
}

absl::StatusOr<Bytes> EncodeBoolean(std::string_view text) {
  text = Trim(text);
  if (EqualsIgnoreCase(text, "true") || text == "1") return Bytes{1};
  if (EqualsIgnoreCase(text, "false") || text == "0") return Bytes{0};
  return Invalid(Cat(Quote(text), " is not a boolean (true or false)"));
}

bool IsLabelChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; }

// RFC 1035 §3.1: each label as a length octet and its characters, ending with
// the zero-length root label; labels 1..63 octets, a name at most 255 octets.
absl::Status AppendDomainName(std::string_view name, Bytes& out) {
  std::string_view rest = name;
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  if (rest.empty()) return Invalid(Cat(Quote(name), " is not a domain name"));
  size_t encoded = 1;
  while (true) {
    const size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63) {
      return Invalid(Cat(Quote(name), ": labels must be 1 to 63 characters (RFC 1035)"));
    }
    for (char c : label) {
      if (!IsLabelChar(c)) {
        return Invalid(Cat(Quote(name), ": character '", std::string(1, c),
                           "' is not allowed in a domain name"));
      }
    }
    out.push_back(static_cast<uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    encoded += 1 + label.size();
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  out.push_back(0);
  if (encoded > 255) return Invalid(Cat(Quote(name), " is longer than 255 octets"));
  return absl::OkStatus();
}

absl::StatusOr<Bytes> EncodeFqdnList(std::string_view text) {
  auto items = SplitList(text);
  if (!items.ok()) return items.status();
  Bytes out;
  for (std::string_view item : *items) {
    if (absl::Status s = AppendDomainName(item, out); !s.ok()) return s;
  }
  return out;
}

// RFC 3442 §3: per route, the prefix width, the significant octets of the
// destination (ceil(width / 8)), then the router address.
absl::StatusOr<Bytes> EncodeClasslessRoutes(std::string_view text) {
  auto items = SplitList(text);
  if (!items.ok()) return items.status();
  Bytes out;
  for (std::string_view item : *items) {
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      return Invalid(Cat(Quote(item), " is not \"prefix - router\""));
    }
    const std::string_view dest_text = Trim(item.substr(0, dash));
    const auto dest = base::Ipv4Prefix::Parse(dest_text);
    if (!dest) {
      return Invalid(
          Cat(Quote(dest_text), " is not a destination prefix (a.b.c.d/len, no host bits)"));
    }
    auto router = ParseAddress(item.substr(dash + 1));
    if (!router.ok()) return router.status();
    out.push_back(dest->length());
    uint8_t network[4];
    base::StoreBe32(network, dest->network().value());
    out.insert(out.end(), network, network + (dest->length() + 7) / 8);
    Append32(out, router->value());
  }
  return out;
}

absl::StatusOr<Bytes> EncodeUnchecked(OptionFormat format, std::string_view text) {
  switch (format) {
    case OptionFormat::kBinary: {
      auto bytes = ParseHex(text);
      if (!bytes) return Invalid(Cat(Quote(text), " is not valid hex"));
      return *bytes;
    }
    case OptionFormat::kEmpty:
      if (!Trim(text).empty()) {
        return Invalid("this option carries no data");
      }
      return Bytes{};
    case OptionFormat::kUint8:
      return EncodeUnsigned(text, 1);
    case OptionFormat::kUint16:
      return EncodeUnsigned(text, 2);
    case OptionFormat::kUint32:
      return EncodeUnsigned(text, 4);
    case OptionFormat::kInt32:
      return EncodeInt32(text);
    case OptionFormat::kBoolean:
      return EncodeBoolean(text);
    case OptionFormat::kIpv4Address: {
      auto a = ParseAddress(text);
      if (!a.ok()) return a.status();
      Bytes out;
      Append32(out, a->value());
      return out;
    }
    case OptionFormat::kIpv4AddressList:
      return EncodeAddresses(text, /*pairs=*/false);
    case OptionFormat::kIpv4AddressPairs:
      return EncodeAddresses(text, /*pairs=*/true);
    case OptionFormat::kUint8List:
      return EncodeIntegerList(text, 1);
    case OptionFormat::kUint16List:
      return EncodeIntegerList(text, 2);
    case OptionFormat::kString:
      // RFC 2132 §2: text options carry at least one octet, no NUL terminator.
      if (text.empty()) return Invalid("a text option needs at least one character");
      return Bytes(text.begin(), text.end());
    case OptionFormat::kFqdnList:
      return EncodeFqdnList(text);
    case OptionFormat::kClasslessRoutes:
      return EncodeClasslessRoutes(text);
  }
  return Invalid("unknown option format");
}

}  // namespace

std::optional<std::vector<uint8_t>> ParseHex(std::string_view text) {
  text = Trim(text);
  if (StartsWithIgnoreCase(text, "0x")) text.remove_prefix(2);
  std::vector<uint8_t> out;
  if (text.empty()) return out;
  const size_t sep_pos = text.find_first_of(":- ");
  if (sep_pos == std::string_view::npos) {
    // Plain digits; an odd count gets a leading zero, as Kea does.
    size_t i = 0;
    if (text.size() % 2 != 0) {
      const int lo = HexDigit(text[0]);
      if (lo < 0) return std::nullopt;
      out.push_back(static_cast<uint8_t>(lo));
      i = 1;
    }
    for (; i < text.size(); i += 2) {
      const int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
    return out;
  }
  // Separated groups of one or two digits, one kind of separator throughout.
  const char sep = text[sep_pos];
  while (true) {
    const size_t end = text.find(sep);
    const std::string_view group = text.substr(0, end);
    if (group.empty() || group.size() > 2) return std::nullopt;
    int v = 0;
    for (char c : group) {
      const int d = HexDigit(c);
      if (d < 0) return std::nullopt;
      v = v << 4 | d;
    }
    out.push_back(static_cast<uint8_t>(v));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

absl::StatusOr<std::vector<uint8_t>> EncodeOptionText(proto::OptionFormat format,
                                                      std::string_view text) {
  auto bytes = EncodeUnchecked(format, text);
  if (bytes.ok() && bytes->size() > kMaxOptionLength) {
    return Invalid(Cat("the value is ", bytes->size(),
                       " bytes, more than the 255 an option can carry (RFC 2132 §2)"));
  }
  return bytes;
}

}  // namespace dpdhcp::config
