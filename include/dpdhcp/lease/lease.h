// The lease record and the client identity it is keyed by.
//
// Both are small, fixed-size and trivially copyable: a shard stores them in
// preallocated arrays, copies them with word loads for lock-free readers, and
// the journal writes them as is. sizeof(Lease) is 44 bytes; with the seqlock
// word a shard adds, a record is 48 (../shared/DESIGN.md §8: ≤ 64 bytes per
// lease with indexes).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/base/time.h"

namespace dpdhcp::lease {

enum class LeaseState : uint8_t {
  kFree = 0,  // no record (a free slot)
  kOffered,   // address held for an OFFER, until the REQUEST or offer-lifetime
  kBound,     // ACKed binding
  kReleased,  // client sent RELEASE; the record stays as an affinity hint
  kExpired,   // binding ran out; the record stays as an affinity hint
  kDeclined,  // address quarantined after DECLINE (probation period)
};
inline constexpr size_t kNumLeaseStates = 6;

// "free", "offered", "bound", "released", "expired", "declined".
std::string_view LeaseStateName(LeaseState state);

// States whose address is claimed in the AddressSpace.
constexpr bool HoldsAddress(LeaseState s) {
  return s == LeaseState::kOffered || s == LeaseState::kBound || s == LeaseState::kDeclined;
}
// States kept only as a hint of the client's previous address; a full shard
// evicts them first.
constexpr bool IsAffinityHint(LeaseState s) {
  return s == LeaseState::kReleased || s == LeaseState::kExpired;
}

// Who a lease belongs to (RFC 2131 §4.2): the client identifier (option 61,
// RFC 2132 §9.14; echoed per RFC 6842) when the client sends one, else the
// hardware type and chaddr. The two kinds never compare equal: a client that
// sends option 61 must send the same value in every later message (RFC 2131
// §4.2), so a change of kind is a change of identity.
//
// Fixed size (19 bytes): up to kInlineBytes of identity are kept as is. A
// longer client-id (e.g. RFC 4361 IAID + DUID, typically 19+ bytes) keeps its
// first kHashedPrefixBytes plus a 64-bit hash of the whole value and its
// length, so equality of two long client-ids is probabilistic: two different
// ones compare equal with probability about 2^-64.
class ClientKey {
 public:
  enum class Kind : uint8_t { kNone = 0, kHardware = 1, kClientId = 2 };
  static constexpr size_t kInlineBytes = 17;  // htype + a 16-byte chaddr fits
  static constexpr size_t kHashedPrefixBytes = kInlineBytes - 8;

  constexpr ClientKey() = default;
  // htype (RFC 1700 ARP hardware type) and the first hlen bytes of chaddr; a
  // chaddr longer than 16 bytes (not valid DHCP) is cut to 16.
  static ClientKey FromHardware(uint8_t htype, base::ByteSpan chaddr);
  // The whole option 61 value, type octet included. Lengths above 255 (only
  // possible with RFC 3396 concatenation) are hashed like any long value.
  static ClientKey FromClientId(base::ByteSpan client_id);

  Kind kind() const { return static_cast<Kind>(meta_ & ~kHashedBit); }
  // The identity's length in bytes (1 + hlen for a hardware key), up to 255.
  size_t length() const { return length_; }
  // True when only a prefix and a hash of the identity are kept.
  bool hashed() const { return (meta_ & kHashedBit) != 0; }
  // The identity as kept: the whole of it, or (hashed) its prefix. For a
  // hardware key, bytes()[0] is htype and the rest is chaddr.
  base::ByteSpan bytes() const {
    return base::ByteSpan(data_.data(), hashed() ? kHashedPrefixBytes : length_);
  }
  // Stable across runs (base::HashBytes): usable for on-disk tables.
  uint64_t Hash() const;
  // "hw 1 aa:bb:cc:dd:ee:ff", "id 01:aa:bb:cc:dd:ee:ff", "id 01:02:...~" (the
  // trailing ~ marks a hashed key), "none".
  std::string ToString() const;

  bool operator==(const ClientKey&) const = default;

 private:
  static constexpr uint8_t kHashedBit = 0x80;

  uint8_t meta_ = 0;  // Kind | kHashedBit
  uint8_t length_ = 0;
  std::array<uint8_t, kInlineBytes> data_{};  // unused bytes zero, so == is bytewise
};
static_assert(sizeof(ClientKey) == 19);

// One binding (or one affinity hint / quarantine record).
//
// chaddr keeps the first 6 bytes of the client hardware address (all of an
// Ethernet MAC); hlen keeps the real length. For the rare client with a longer
// chaddr (hlen up to 16) the record shows only its first 6 bytes; its identity
// is still exact, because the ClientKey holds the whole chaddr.
struct Lease {
  static constexpr size_t kChaddrBytes = 6;

  base::Ipv4Address address;
  uint32_t subnet_id = 0;
  base::UnixSeconds cltt = 0;    // client last transaction time
  base::UnixSeconds expire = 0;  // base::kInfiniteLifetime: never (automatic allocation)
  ClientKey key;
  LeaseState state = LeaseState::kFree;
  uint8_t htype = 0;
  uint8_t hlen = 0;
  std::array<uint8_t, kChaddrBytes> chaddr{};

  // Sets htype, hlen and chaddr from a request's chaddr field.
  void SetHardware(uint8_t hardware_type, base::ByteSpan hardware_address) {
    htype = hardware_type;
    hlen = static_cast<uint8_t>(std::min<size_t>(hardware_address.size(), 255));
    chaddr.fill(0);
    std::memcpy(chaddr.data(), hardware_address.data(),
                std::min(hardware_address.size(), kChaddrBytes));
  }
  // The kept hardware address bytes (at most 6).
  base::ByteSpan hw() const {
    return base::ByteSpan(chaddr.data(), std::min<size_t>(hlen, kChaddrBytes));
  }
  // chaddr as a MAC (zero-padded when hlen < 6).
  base::MacAddress mac() const { return base::MacAddress(chaddr); }
  bool infinite() const { return expire == base::kInfiniteLifetime; }
  // expire - cltt, or kInfiniteLifetime.
  uint32_t valid_lifetime() const {
    if (infinite()) return base::kInfiniteLifetime;
    return expire >= cltt ? expire - cltt : 0;
  }
  bool operator==(const Lease&) const = default;
};
static_assert(sizeof(Lease) == 44);
static_assert(std::is_trivially_copyable_v<Lease>);
// No padding: the bytes a shard copies word by word are exactly the fields.
static_assert(std::has_unique_object_representations_v<Lease>);

// A stable reference to a record: (shard << 24) | slot.
using LeaseRef = uint32_t;
inline constexpr LeaseRef kNoLease = 0xffffffffu;
inline constexpr uint32_t kMaxShards = 256;
// Slot 0xffffff is never used, so that no reference equals kNoLease.
inline constexpr uint32_t kMaxShardCapacity = 0xffffffu;

constexpr LeaseRef MakeLeaseRef(uint32_t shard, uint32_t slot) { return shard << 24 | slot; }
constexpr uint32_t LeaseRefShard(LeaseRef ref) { return ref >> 24; }
constexpr uint32_t LeaseRefSlot(LeaseRef ref) { return ref & 0xffffffu; }

}  // namespace dpdhcp::lease
