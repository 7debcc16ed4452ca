// The read side of ServerState over a LeaseStore and an AddressSpace: what
// any implementation that has the store in its address space answers for
// the Get* methods. Lock-free (the store's reader side), so it runs on a
// control thread while the workers keep writing; every answer is a set of
// consistent record copies, not one consistent snapshot of the whole store.
//
// Costs: ByAddress O(1) (the address's holder word); ByHwAddress one shard
// walk (a client's records all live in ShardFor(chaddr)); ByClientId one key
// lookup per shard; Query and PoolUsage walk every shard, O(records).
#pragma once

#include <optional>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/control/server_state.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"

namespace dpdhcp::control {

class LeaseStoreReader {
 public:
  // Both must outlive the reader.
  LeaseStoreReader(const lease::LeaseStore& leases, const pool::AddressSpace& addresses)
      : leases_(leases), addresses_(addresses) {}

  std::optional<lease::Lease> ByAddress(base::Ipv4Address address) const;
  std::vector<lease::Lease> ByHwAddress(base::ByteSpan hw) const;
  std::vector<lease::Lease> ByClientId(base::ByteSpan client_id) const;
  std::vector<lease::Lease> Query(const LeaseQuery& query) const;
  // Every subnet of `config` (the one the AddressSpace was built from).
  std::vector<SubnetUsage> PoolUsage(const config::Config& config) const;

 private:
  const lease::LeaseStore& leases_;
  const pool::AddressSpace& addresses_;
};

}  // namespace dpdhcp::control
