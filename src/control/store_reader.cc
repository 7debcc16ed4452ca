#include "dpdhcp/control/store_reader.h"

#include <algorithm>
#include <cstring>
#include <queue>

namespace dpdhcp::control {
namespace {

using lease::Lease;

bool ByAddressOrder(const Lease& a, const Lease& b) {
  if (a.address != b.address) return a.address < b.address;
  return a.subnet_id < b.subnet_id;
}

bool SameBytes(base::ByteSpan a, base::ByteSpan b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<Lease> LeaseStoreReader::ByAddress(base::Ipv4Address address) const {
  // The holder word names the record that claimed the address; the record
  // may have moved on (reused slot) since, so its copy is checked.
  const uint32_t holder = addresses_.Holder(address);
  if (holder == pool::kNoHolder) return std::nullopt;
  Lease l;
  if (!leases_.ReadByRef(holder, &l)) return std::nullopt;
  if (l.address != address || !lease::HoldsAddress(l.state)) return std::nullopt;
  return l;
}

std::vector<Lease> LeaseStoreReader::ByHwAddress(base::ByteSpan hw) const {
  std::vector<Lease> out;
  // Every record of a client lives in the shard its chaddr hashes to (a
  // DECLINE's quarantine record too: the engine writes it in the client's
  // shard).
  const lease::LeaseShard& shard = leases_.shard(leases_.ShardFor(hw));
  shard.ForEach([&](uint32_t, const Lease& l) {
    if (SameBytes(l.hw(), hw)) out.push_back(l);
  });
  std::sort(out.begin(), out.end(), ByAddressOrder);
  return out;
}

std::vector<Lease> LeaseStoreReader::ByClientId(base::ByteSpan client_id) const {
  std::vector<Lease> out;
  const lease::ClientKey key = lease::ClientKey::FromClientId(client_id);
  // The shard depends on chaddr, which the identifier does not tell: one
  // key lookup per shard.
  for (uint32_t s = 0; s < leases_.num_shards(); ++s) {
    Lease l;
    if (leases_.shard(s).ReadByKey(key, &l)) out.push_back(l);
  }
  std::sort(out.begin(), out.end(), ByAddressOrder);
  return out;
}

std::vector<Lease> LeaseStoreReader::Query(const LeaseQuery& query) const {
  if (query.limit == 0) return {};
  // The `limit` lowest addresses above `after`: a bounded max-heap keeps the
  // walk at O(records · log limit) and the memory at O(limit).
  std::priority_queue<Lease, std::vector<Lease>, decltype(&ByAddressOrder)> heap(ByAddressOrder);
  for (uint32_t s = 0; s < leases_.num_shards(); ++s) {
    leases_.shard(s).ForEach([&](uint32_t, const Lease& l) {
      if (query.after && !(*query.after < l.address)) return;
      if (!query.subnet_ids.empty() &&
          std::find(query.subnet_ids.begin(), query.subnet_ids.end(), l.subnet_id) ==
              query.subnet_ids.end()) {
        return;
      }
      if (heap.size() < query.limit) {
        heap.push(l);
      } else if (ByAddressOrder(l, heap.top())) {
        heap.pop();
        heap.push(l);
      }
    });
  }
  std::vector<Lease> out;
  out.reserve(heap.size());
  while (!heap.empty()) {
    out.push_back(heap.top());
    heap.pop();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<SubnetUsage> LeaseStoreReader::PoolUsage(const config::Config& config) const {
  std::vector<SubnetUsage> out(config.subnets.size());
  for (const config::Subnet& s : config.subnets) {
    SubnetUsage& u = out[s.index];
    u.subnet_id = s.id;
    u.prefix = s.prefix;
    const auto usage = s.index < addresses_.num_subnets() ? addresses_.Usage(s.index)
                                                          : std::vector<pool::AddressSpace::PoolUsage>{};
    for (size_t p = 0; p < s.pools.size(); ++p) {
      control::PoolUsage pu;
      pu.pool_index = static_cast<uint32_t>(p);
      pu.first = s.pools[p].first;
      pu.last = s.pools[p].last;
      if (p < usage.size()) {
        pu.total = usage[p].total;
        pu.claimed = usage[p].claimed;
      }
      u.pools.push_back(pu);
    }
  }
  // Assigned and declined per pool: one walk over every record.
  for (uint32_t sh = 0; sh < leases_.num_shards(); ++sh) {
    leases_.shard(sh).ForEach([&](uint32_t, const Lease& l) {
      if (l.state != lease::LeaseState::kBound && l.state != lease::LeaseState::kDeclined) return;
      const config::Subnet* s = config.FindSubnetById(l.subnet_id);
      if (s == nullptr) return;
      const config::Pool* p = s->FindPool(l.address);
      if (p == nullptr) return;
      control::PoolUsage& pu = out[s->index].pools[static_cast<size_t>(p - s->pools.data())];
      ++(l.state == lease::LeaseState::kBound ? pu.assigned : pu.declined);
    });
  }
  return out;
}

}  // namespace dpdhcp::control
