#include "dpdhcp/runtime/sizing.h"

#include <algorithm>
#include <bit>

#include "dpdhcp/lease/lease.h"

namespace dpdhcp::runtime {

uint32_t DefaultLeaseCapacity(const config::Config& config, uint32_t workers) {
  uint64_t addresses = 0;
  for (const config::Subnet& s : config.subnets) {
    for (const config::Pool& p : s.pools) addresses += p.size();
  }
  const uint64_t per_shard = addresses * 5 / 4 / std::max<uint32_t>(workers, 1) + 1024;
  return static_cast<uint32_t>(std::min<uint64_t>(per_shard, lease::kMaxShardCapacity));
}

uint32_t MbufPoolSize(const MbufDemand& d) {
  const uint64_t need = uint64_t{d.rx_descriptors} + d.tx_descriptors + d.in_flight +
                        uint64_t{d.workers} * kMbufCacheSize * 3 / 2;
  const uint64_t rounded = std::bit_ceil(std::max<uint64_t>(need + 1, 1024)) - 1;
  return static_cast<uint32_t>(std::min<uint64_t>(rounded, 0xffffffffu));
}

}  // namespace dpdhcp::runtime
