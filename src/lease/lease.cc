#include "dpdhcp/lease/lease.h"

#include <array>

#include "dpdhcp/base/hash.h"

namespace dpdhcp::lease {
namespace {

constexpr std::array<std::string_view, kNumLeaseStates> kStateNames = {
    "free", "offered", "bound", "released", "expired", "declined"};

// Seeds that keep the two kinds' hashes apart even for equal bytes.
constexpr uint64_t kLongIdSeed = 0x6c6f6e672d696431ULL;  // "long-id1"

}  // namespace

std::string_view LeaseStateName(LeaseState state) {
  const auto i = static_cast<size_t>(state);
  return i < kStateNames.size() ? kStateNames[i] : "unknown";
}

ClientKey ClientKey::FromHardware(uint8_t htype, base::ByteSpan chaddr) {
  ClientKey k;
  const size_t n = std::min(chaddr.size(), kInlineBytes - 1);
  k.meta_ = static_cast<uint8_t>(Kind::kHardware);
  k.length_ = static_cast<uint8_t>(1 + n);
  k.data_[0] = htype;
  std::memcpy(k.data_.data() + 1, chaddr.data(), n);
  return k;
}

ClientKey ClientKey::FromClientId(base::ByteSpan client_id) {
  ClientKey k;
  k.meta_ = static_cast<uint8_t>(Kind::kClientId);
  if (client_id.size() <= kInlineBytes) {
    k.length_ = static_cast<uint8_t>(client_id.size());
    std::memcpy(k.data_.data(), client_id.data(), client_id.size());
    return k;
  }
  // Prefix kept for display; the hash covers every byte and the length.
  k.meta_ |= kHashedBit;
  k.length_ = static_cast<uint8_t>(std::min<size_t>(client_id.size(), 255));
  std::memcpy(k.data_.data(), client_id.data(), kHashedPrefixBytes);
  const uint64_t h = base::HashBytes(client_id.data(), client_id.size(), kLongIdSeed);
  std::memcpy(k.data_.data() + kHashedPrefixBytes, &h, sizeof h);
  return k;
}

uint64_t ClientKey::Hash() const {
  return base::HashBytes(data_.data(), data_.size(), uint64_t{meta_} << 8 | length_);
}

std::string ClientKey::ToString() const {
  switch (kind()) {
    case Kind::kHardware:
      return "hw " + std::to_string(data_[0]) + " " +
             base::FormatHexBytes(data_.data() + 1, length_ - 1u);
    case Kind::kClientId: {
      const base::ByteSpan b = bytes();
      return "id " + base::FormatHexBytes(b.data(), b.size()) + (hashed() ? "~" : "");
    }
    case Kind::kNone:
      break;
  }
  return "none";
}

}  // namespace dpdhcp::lease
