#include "dpdhcp/pool/address_space.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace dpdhcp::pool {

struct AddressSpace::PoolState {
  PoolState(const AddressSpaceSpec::Pool& p, uint32_t size)
      : first(p.first.value()),
        last(p.last.value()),
        subnet_index(p.subnet_index),
        pool_index(p.pool_index),
        bitmap(size),
        holders(std::make_unique<std::atomic<uint32_t>[]>(size)) {
    for (uint32_t i = 0; i < size; ++i) holders[i].store(kNoHolder, std::memory_order_relaxed);
  }

  uint32_t size() const { return last - first + 1; }
  bool IsPermanent(uint32_t index) const {
    return !permanent.empty() && ((permanent[index >> 6] >> (index & 63)) & 1);
  }

  const uint32_t first, last;
  const uint32_t subnet_index, pool_index;
  AddressBitmap bitmap;
  std::unique_ptr<std::atomic<uint32_t>[]> holders;
  // One bit per address claimed at build time for good (excluded or
  // reserved), so that Release never frees one. Immutable after Create;
  // empty when the pool has none.
  std::vector<uint64_t> permanent;
  uint32_t num_excluded = 0;
  uint32_t num_reserved = 0;
  size_t reserved_begin = 0;  // this pool's entries: reserved_[begin, begin + num_reserved)
};

struct AddressSpace::ReservedAddress {
  uint32_t address = 0;
  std::atomic<uint32_t> in_use{0};
};

AddressSpace::AddressSpace() = default;
AddressSpace::~AddressSpace() = default;

absl::StatusOr<std::unique_ptr<AddressSpace>> AddressSpace::Create(const AddressSpaceSpec& spec) {
  std::unique_ptr<AddressSpace> space(new AddressSpace());
  std::vector<AddressSpaceSpec::Pool> pools = spec.pools;
  for (const auto& p : pools) {
    const std::string name = absl::StrFormat("pool %s-%s (subnet index %u)", p.first.ToString(),
                                             p.last.ToString(), p.subnet_index);
    if (p.subnet_index >= spec.num_subnets) {
      return absl::InvalidArgumentError(name + ": no such subnet");
    }
    if (p.last < p.first) return absl::InvalidArgumentError(name + ": range is reversed");
    const uint64_t size = uint64_t{p.last.value()} - p.first.value() + 1;
    if (size > kMaxPoolSize) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: %u addresses, more than the %u a pool may hold", name, size, kMaxPoolSize));
    }
  }
  std::sort(pools.begin(), pools.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < pools.size(); ++i) {
    if (pools[i].first <= pools[i - 1].last) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "pool %s-%s overlaps pool %s-%s", pools[i].first.ToString(), pools[i].last.ToString(),
          pools[i - 1].first.ToString(), pools[i - 1].last.ToString()));
    }
  }
  space->subnet_pools_.resize(spec.num_subnets);
  for (const auto& p : pools) {
    const uint32_t size = static_cast<uint32_t>(uint64_t{p.last.value()} - p.first.value() + 1);
    space->pools_.push_back(std::make_unique<PoolState>(p, size));
    space->pool_first_.push_back(p.first.value());
    space->subnet_pools_[p.subnet_index].push_back(space->pools_.back().get());
  }
  for (auto& list : space->subnet_pools_) {
    std::sort(list.begin(), list.end(),
              [](const PoolState* a, const PoolState* b) { return a->pool_index < b->pool_index; });
    for (size_t i = 1; i < list.size(); ++i) {
      if (list[i]->pool_index == list[i - 1]->pool_index) {
        return absl::InvalidArgumentError(
            absl::StrFormat("subnet index %u: two pools have pool index %u", list[i]->subnet_index,
                            list[i]->pool_index));
      }
    }
  }

  // Claims an address for good; false when it is outside every pool or
  // already permanent (an excluded address that is also reserved stays
  // excluded: the server's own address is never handed out).
  auto make_permanent = [&space](base::Ipv4Address a) -> PoolState* {
    PoolState* pool = space->Locate(a);
    if (pool == nullptr) return nullptr;
    const uint32_t index = a.value() - pool->first;
    if (pool->IsPermanent(index)) return nullptr;
    if (pool->permanent.empty()) pool->permanent.assign((uint64_t{pool->size()} + 63) / 64, 0);
    pool->permanent[index >> 6] |= uint64_t{1} << (index & 63);
    pool->bitmap.TryClaim(index);
    return pool;
  };
  for (base::Ipv4Address a : spec.excluded) {
    if (PoolState* pool = make_permanent(a)) ++pool->num_excluded;
  }
  std::vector<base::Ipv4Address> reserved = spec.reserved;
  std::sort(reserved.begin(), reserved.end());
  reserved.erase(std::unique(reserved.begin(), reserved.end()), reserved.end());
  std::vector<uint32_t> kept;  // sorted, so each pool's entries are contiguous
  for (base::Ipv4Address a : reserved) {
    PoolState* pool = make_permanent(a);
    if (pool == nullptr) continue;
    if (pool->num_reserved++ == 0) pool->reserved_begin = kept.size();
    kept.push_back(a.value());
  }
  space->num_reserved_ = kept.size();
  space->reserved_ = std::make_unique<ReservedAddress[]>(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) space->reserved_[i].address = kept[i];
  return space;
}

AddressSpace::PoolState* AddressSpace::Locate(base::Ipv4Address a) const {
  // The last pool whose first address is <= a.
  const auto it = std::upper_bound(pool_first_.begin(), pool_first_.end(), a.value());
  if (it == pool_first_.begin()) return nullptr;
  PoolState* pool = pools_[static_cast<size_t>(it - pool_first_.begin()) - 1].get();
  return a.value() <= pool->last ? pool : nullptr;
}

AddressSpace::ReservedAddress* AddressSpace::LocateReserved(const PoolState& pool,
                                                            base::Ipv4Address a) const {
  ReservedAddress* begin = reserved_.get() + pool.reserved_begin;
  ReservedAddress* end = begin + pool.num_reserved;
  ReservedAddress* it = std::lower_bound(
      begin, end, a.value(), [](const ReservedAddress& r, uint32_t v) { return r.address < v; });
  return it != end && it->address == a.value() ? it : nullptr;
}

std::optional<PoolRef> AddressSpace::Find(base::Ipv4Address a) const {
  const PoolState* pool = Locate(a);
  if (pool == nullptr) return std::nullopt;
  return PoolRef{pool->subnet_index, pool->pool_index};
}

bool AddressSpace::TryClaim(base::Ipv4Address a) {
  PoolState* pool = Locate(a);
  // Excluded and reserved addresses are claimed in the bitmap for good, so
  // the bitmap alone refuses them.
  return pool != nullptr && pool->bitmap.TryClaim(a.value() - pool->first);
}

bool AddressSpace::ClaimReserved(base::Ipv4Address a) {
  const PoolState* pool = Locate(a);
  if (pool == nullptr || !pool->IsPermanent(a.value() - pool->first)) return false;
  ReservedAddress* r = LocateReserved(*pool, a);
  uint32_t expected = 0;
  return r != nullptr && r->in_use.compare_exchange_strong(expected, 1);
}

bool AddressSpace::IsReserved(base::Ipv4Address a) const {
  const PoolState* pool = Locate(a);
  return pool != nullptr && pool->IsPermanent(a.value() - pool->first) &&
         LocateReserved(*pool, a) != nullptr;
}

void AddressSpace::Release(base::Ipv4Address a) {
  PoolState* pool = Locate(a);
  if (pool == nullptr) return;
  const uint32_t index = a.value() - pool->first;
  if (!pool->IsPermanent(index)) {
    pool->bitmap.Release(index);
  } else if (ReservedAddress* r = LocateReserved(*pool, a)) {
    r->in_use.store(0);
  }
}

bool AddressSpace::IsFree(base::Ipv4Address a) const {
  const PoolState* pool = Locate(a);
  return pool != nullptr && !pool->bitmap.IsClaimed(a.value() - pool->first);
}

std::optional<base::Ipv4Address> AddressSpace::ClaimAny(size_t subnet_index, uint32_t hint) {
  if (subnet_index >= subnet_pools_.size()) return std::nullopt;
  for (PoolState* pool : subnet_pools_[subnet_index]) {
    if (auto index = pool->bitmap.ClaimAny(hint)) return base::Ipv4Address(pool->first + *index);
  }
  return std::nullopt;
}

void AddressSpace::SetHolder(base::Ipv4Address a, uint32_t holder) {
  if (PoolState* pool = Locate(a)) {
    // Release: a reader that sees the holder also sees what the claimer wrote
    // before publishing it (the lease record).
    pool->holders[a.value() - pool->first].store(holder, std::memory_order_release);
  }
}

void AddressSpace::Prefetch(base::Ipv4Address a) const {
  if (const PoolState* pool = Locate(a)) {
    const uint32_t index = a.value() - pool->first;
    pool->bitmap.Prefetch(index);
    __builtin_prefetch(&pool->holders[index], 1);
  }
}

uint32_t AddressSpace::Holder(base::Ipv4Address a) const {
  const PoolState* pool = Locate(a);
  if (pool == nullptr) return kNoHolder;
  return pool->holders[a.value() - pool->first].load(std::memory_order_acquire);
}

std::vector<AddressSpace::PoolUsage> AddressSpace::Usage(size_t subnet_index) const {
  std::vector<PoolUsage> out;
  if (subnet_index >= subnet_pools_.size()) return out;
  for (const PoolState* pool : subnet_pools_[subnet_index]) {
    uint64_t reserved_in_use = 0;
    for (size_t i = 0; i < pool->num_reserved; ++i) {
      reserved_in_use += reserved_[pool->reserved_begin + i].in_use.load() != 0;
    }
    // The bitmap counts every permanent address as claimed.
    const uint64_t dynamic = pool->bitmap.CountClaimed() - pool->num_excluded - pool->num_reserved;
    out.push_back(PoolUsage{base::Ipv4Address(pool->first), base::Ipv4Address(pool->last),
                            uint64_t{pool->size()} - pool->num_excluded,
                            dynamic + reserved_in_use});
  }
  return out;
}

uint64_t AddressSpace::num_addresses() const {
  uint64_t n = 0;
  for (const auto& pool : pools_) n += pool->size();
  return n;
}

size_t AddressSpace::MemoryBytes() const {
  size_t bytes = sizeof(*this) + pool_first_.capacity() * sizeof(uint32_t) +
                 num_reserved_ * sizeof(ReservedAddress);
  for (const auto& list : subnet_pools_) bytes += sizeof(list) + list.capacity() * sizeof(void*);
  for (const auto& pool : pools_) {
    bytes += sizeof(void*) + sizeof(PoolState) + pool->bitmap.MemoryBytes() -
             sizeof(AddressBitmap) + size_t{pool->size()} * sizeof(std::atomic<uint32_t>) +
             pool->permanent.capacity() * sizeof(uint64_t);
  }
  return bytes;
}

}  // namespace dpdhcp::pool
