// InstallLeases (internal::InstallEach does the work) and ShardChaddr.
#include <algorithm>

#include "dpdhcp/journal/replay.h"
#include "internal.h"

namespace dpdhcp::journal {

using lease::Lease;
using lease::LeaseState;

base::ByteSpan ShardChaddr(const Lease& l) {
  const lease::ClientKey& key = l.key;
  if (key.kind() == lease::ClientKey::Kind::kHardware && !key.hashed() && key.length() > 1) {
    const base::ByteSpan k = key.bytes();  // htype, then the whole chaddr
    const base::ByteSpan kept = l.hw();
    // Only when the key is this lease's own hardware address (a DECLINE
    // quarantine record is keyed by its address, with the client's chaddr).
    if (k[0] == l.htype && k.size() - 1 >= kept.size() &&
        std::equal(kept.begin(), kept.end(), k.begin() + 1)) {
      return k.subspan(1);
    }
  }
  return l.hw();
}

InstallStats InstallLeases(std::span<const Lease> leases, lease::LeaseStore& store,
                           pool::AddressSpace* addresses, bool drop_outside_pools) {
  return internal::InstallEach(
      leases.size(), [&](size_t i) -> const Lease& { return leases[i]; }, store, addresses,
      drop_outside_pools);
}

}  // namespace dpdhcp::journal
