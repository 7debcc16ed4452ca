// AddressSpace::Build: the only part of the pool module that reads a
// config::Config. It turns the config into an AddressSpaceSpec.
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "dpdhcp/config/config.h"
#include "dpdhcp/pool/address_space.h"

namespace dpdhcp::pool {

absl::StatusOr<std::unique_ptr<AddressSpace>> AddressSpace::Build(const config::Config& config) {
  AddressSpaceSpec spec;
  spec.num_subnets = config.subnets.size();
  for (size_t s = 0; s < config.subnets.size(); ++s) {
    const config::Subnet& subnet = config.subnets[s];
    if (subnet.index != s) {
      return absl::InvalidArgumentError(
          absl::StrFormat("subnet4[%u] (id %u): index is %u", s, subnet.id, subnet.index));
    }
    for (size_t p = 0; p < subnet.pools.size(); ++p) {
      const config::Pool& pool = subnet.pools[p];
      if (!subnet.prefix.Contains(pool.first) || !subnet.prefix.Contains(pool.last)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("subnet4[%u].pools[%u]: range %s-%s is not inside %s", s, p,
                            pool.first.ToString(), pool.last.ToString(), subnet.prefix.ToString()));
      }
      spec.pools.push_back(
          {static_cast<uint32_t>(s), static_cast<uint32_t>(p), pool.first, pool.last});
    }
    // RFC 3021: on a /31 both addresses are hosts; /32 is a single host.
    if (subnet.prefix.length() < 31) {
      spec.excluded.push_back(subnet.prefix.network());
      spec.excluded.push_back(subnet.prefix.broadcast());
    }
    for (const config::Reservation& r : subnet.reservations) {
      if (!r.address.IsZero()) spec.reserved.push_back(r.address);
    }
  }
  for (const config::Interface& i : config.interfaces) {
    if (!i.address.IsZero()) spec.excluded.push_back(i.address);
  }
  return Create(spec);
}

}  // namespace dpdhcp::pool
