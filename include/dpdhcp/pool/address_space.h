// Every subnet's pools, built once from a config and shared by all workers.
//
// An address is claimed before it is offered or bound and released when the
// binding ends, through one lock-free AddressBitmap per pool, so that no two
// workers can hold one address (../shared/DESIGN.md §5 invariant 1) and a
// worker only finds a pool exhausted when no worker holds a free address in
// it (invariant 3): workers never own address ranges.
//
// Addresses that are never handed out dynamically are claimed at build time
// and stay claimed: a subnet's network and broadcast address (prefix < /31),
// the server's interface addresses ("excluded"), and addresses reserved for a
// host ("reserved"). A reserved address has its own in-use flag taken by
// ClaimReserved, which only the reservation's client may call (the engine
// checks who asks).
//
// Thread safety: after Build/Create, every member may be called from any
// thread without locks; Find/TryClaim/ClaimReserved/Release/IsFree/ClaimAny/
// SetHolder/Holder never allocate (fast path). Usage and MemoryBytes walk
// bitmaps (control plane).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/pool/address_bitmap.h"

namespace dpdhcp::config {
struct Config;
}  // namespace dpdhcp::config

namespace dpdhcp::pool {

// Which configured pool an address belongs to.
struct PoolRef {
  uint32_t subnet_index;  // config::Subnet::index
  uint32_t pool_index;    // into config::Subnet::pools
};

inline constexpr uint32_t kNoHolder = 0xffffffffu;

// A pool is limited so that its holder array (4 bytes per address) stays
// bounded: 2^25 addresses is a /7, larger than any access network hands out.
inline constexpr uint64_t kMaxPoolSize = uint64_t{1} << 25;

// The config-free description AddressSpace is built from (tests use it
// directly; Build derives it from a config::Config).
struct AddressSpaceSpec {
  struct Pool {
    uint32_t subnet_index = 0;
    uint32_t pool_index = 0;
    base::Ipv4Address first, last;  // inclusive
  };
  size_t num_subnets = 0;
  std::vector<Pool> pools;  // any order; a subnet's pools are tried in pool_index order
  std::vector<base::Ipv4Address> excluded;  // ignored outside every pool
  std::vector<base::Ipv4Address> reserved;  // ignored outside every pool; excluded wins
};

class AddressSpace {
 public:
  // Marks as unavailable each subnet's network and broadcast address (prefix
  // shorter than /31: RFC 3021 makes both usable in a /31), every interface
  // address, and every reserved address (Reservation::address inside a pool,
  // then claimable only through ClaimReserved). Errors: a pool outside its
  // subnet, reversed, larger than kMaxPoolSize, or overlapping another.
  static absl::StatusOr<std::unique_ptr<AddressSpace>> Build(const config::Config& config);
  // The same from a spec (no subnet prefixes: excluded addresses are given).
  static absl::StatusOr<std::unique_ptr<AddressSpace>> Create(const AddressSpaceSpec& spec);

  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;
  ~AddressSpace();

  // The pool containing a (any subnet); O(log pools).
  std::optional<PoolRef> Find(base::Ipv4Address a) const;
  // a is in a pool, neither excluded nor reserved, and free -> now claimed by
  // the caller. Of concurrent claims of one address exactly one succeeds.
  bool TryClaim(base::Ipv4Address a);
  // a is a reserved pool address not in use -> now in use. Succeeds once
  // until released.
  bool ClaimReserved(base::Ipv4Address a);
  bool IsReserved(base::Ipv4Address a) const;
  // Frees a claimed (or reserved in-use) address. Does nothing for an
  // address outside every pool or excluded.
  void Release(base::Ipv4Address a);
  // TryClaim(a) would succeed now.
  bool IsFree(base::Ipv4Address a) const;
  // Claims a free address of the subnet, trying its pools in config order;
  // in each, the search starts at `hint` modulo the pool size (callers pass
  // a per-worker cursor so that workers work in different bitmap words).
  // nullopt: every pool of the subnet was full (see AddressBitmap::ClaimAny).
  std::optional<base::Ipv4Address> ClaimAny(size_t subnet_index, uint32_t hint);

  // The holder word of a pool address: the lease reference of the binding
  // that holds it, written by the claimer after it claimed (release store)
  // and read by anyone (acquire load). kNoHolder when none or outside pools.
  void SetHolder(base::Ipv4Address a, uint32_t holder);
  // Starts loading the bitmap and holder words TryClaim(a) and SetHolder(a)
  // will write: a bulk load (journal replay) issues it some addresses ahead,
  // so that the random accesses of 10 M leases overlap instead of queueing.
  void Prefetch(base::Ipv4Address a) const;
  uint32_t Holder(base::Ipv4Address a) const;

  // total: the pool's addresses less excluded ones (reserved ones count).
  // claimed: offered, bound, declined and reserved-in-use addresses. Exact
  // when no claim or release runs concurrently.
  struct PoolUsage {
    base::Ipv4Address first, last;
    uint64_t total;
    uint64_t claimed;
  };
  std::vector<PoolUsage> Usage(size_t subnet_index) const;

  size_t num_subnets() const { return subnet_pools_.size(); }
  size_t num_pools() const { return pools_.size(); }
  // Number of pool addresses (excluded ones included), for per-address costs.
  uint64_t num_addresses() const;
  size_t MemoryBytes() const;

 private:
  struct PoolState;
  struct ReservedAddress;
  AddressSpace();

  // The pool holding a, or nullptr.
  PoolState* Locate(base::Ipv4Address a) const;
  ReservedAddress* LocateReserved(const PoolState& pool, base::Ipv4Address a) const;

  std::vector<uint32_t> pool_first_;                   // pools_[i]->first, for the search
  std::vector<std::unique_ptr<PoolState>> pools_;      // sorted by first address
  std::vector<std::vector<PoolState*>> subnet_pools_;  // per subnet, by pool_index
  std::unique_ptr<ReservedAddress[]> reserved_;        // sorted by address
  size_t num_reserved_ = 0;
};

}  // namespace dpdhcp::pool
