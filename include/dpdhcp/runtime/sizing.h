// How big the preallocated structures are: lease shards and mbuf pools.
// Pure arithmetic, so the rules are unit-tested without DPDK.
#pragma once

#include <cstdint>

#include "dpdhcp/config/config.h"

namespace dpdhcp::runtime {

// Records per lease shard when --lease-capacity is not given: every pool
// address once, plus 25 % for offers, declined addresses and affinity hints,
// spread over the workers' shards, plus 1024 so that small configs and
// uneven hashing never fill a shard. Clamped to lease::kMaxShardCapacity.
uint32_t DefaultLeaseCapacity(const config::Config& config, uint32_t workers);

// What the mbufs of one NUMA socket's pool must cover.
struct MbufDemand {
  uint32_t rx_descriptors = 0;  // sum over the socket's ports of rx queues * descriptors
  uint32_t tx_descriptors = 0;  // likewise for tx
  uint32_t in_flight = 0;       // steering rings, rx bursts, tx buffers
  uint32_t workers = 0;         // lcores taking from the pool (per-lcore caches)
};

inline constexpr uint32_t kMbufCacheSize = 256;

// Mbufs for a pool: the demand plus 1.5 per-lcore caches (a cache may hold up
// to 1.5 times its size), rounded up to 2^k - 1 (the ring-backed mempool's
// optimum), at least 1023.
uint32_t MbufPoolSize(const MbufDemand& demand);

}  // namespace dpdhcp::runtime
