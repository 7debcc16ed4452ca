// libFuzzer target for the config parser: any byte string must give a Config
// or an error, never a crash, a leak or an escaped exception. An accepted
// config must also keep the invariants the fast path relies on; a violation
// aborts, so the fuzzer reports it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dpdhcp/config/config.h"

namespace {

using dpdhcp::base::Ipv4Address;
using dpdhcp::config::Config;
using dpdhcp::config::Subnet;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckSubnet(const Config& config, const Subnet& s, size_t index) {
  Check(s.index == index);
  Check(config.FindSubnetById(s.id) == &s);
  Check(config.FindSubnetContaining(s.prefix.network()) == &s);
  Check(config.FindSubnetContaining(s.prefix.broadcast()) == &s);
  Check(s.renew_timer <= s.rebind_timer && s.rebind_timer <= s.valid_lifetime);
  for (const auto& pool : s.pools) {
    Check(pool.first <= pool.last);
    Check(s.prefix.Contains(pool.first) && s.prefix.Contains(pool.last));
    Check(s.FindPool(pool.first) == &pool);  // also proves pools are disjoint
    Check(s.FindPool(pool.last) == &pool);
  }
  for (const auto& r : s.reservations) {
    Check(s.FindReservation(r.key, r.identifier) == &r);
    if (!r.address.IsZero()) {
      Check(s.prefix.Contains(r.address));
      Check(s.FindReservationByAddress(r.address) == &r);
    }
  }
  for (Ipv4Address relay : s.relay_addresses) Check(config.FindSubnetForRelay(relay) == &s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto config =
      dpdhcp::config::ParseConfig(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!config.ok()) {
    Check(!config.status().message().empty());
    return 0;
  }
  const Config& c = **config;
  for (size_t i = 0; i < c.subnets.size(); ++i) CheckSubnet(c, c.subnets[i], i);
  for (size_t i = 0; i < c.interfaces.size(); ++i) {
    Check(c.FindInterface(c.interfaces[i].name) == &c.interfaces[i]);
    (void)c.FindSubnetForInterface(i);
  }
  return 0;
}
