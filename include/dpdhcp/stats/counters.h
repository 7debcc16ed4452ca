// Per-worker counters, summed when read (../shared/STYLE.md, VPP counter.h).
//
// Each worker owns one WorkerCounters block and is its only writer: increments
// are a relaxed load plus a relaxed store (a plain add, no locked RMW). Any
// thread may read a block at any time with relaxed loads; a reader sees each
// counter's value at some recent moment, which is all a statistic needs.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dpdhcp/base/drop_reason.h"

namespace dpdhcp::stats {

enum class Counter : uint16_t {
#define DPDHCP_COUNTER(id, name, help) id,
#include "dpdhcp/stats/counters.def"
#undef DPDHCP_COUNTER
  kCount,
};
inline constexpr size_t kNumCounters = static_cast<size_t>(Counter::kCount);

// Per-subnet lease statistics (Kea: subnet[id].<name>). Signed, because a
// worker's own share of a gauge can go negative (a lease it assigned may be
// reclaimed elsewhere); only the sum over workers is meaningful.
enum class SubnetCounter : uint16_t {
  kAssignedAddresses,            // "assigned-addresses"
  kDeclinedAddresses,            // "declined-addresses"
  kCumulativeAssignedAddresses,  // "cumulative-assigned-addresses"
  kReclaimedLeases,              // "reclaimed-leases"
  kReclaimedDeclinedAddresses,   // "reclaimed-declined-addresses"
  kCount,
};
inline constexpr size_t kNumSubnetCounters = static_cast<size_t>(SubnetCounter::kCount);

std::string_view CounterName(Counter c);
std::string_view CounterHelp(Counter c);
std::string_view SubnetCounterName(SubnetCounter c);

// A worker's block. Construct on the control path (it allocates its per-subnet
// array once); the worker then only increments.
class alignas(64) WorkerCounters {
 public:
  explicit WorkerCounters(size_t num_subnets);
  WorkerCounters(const WorkerCounters&) = delete;
  WorkerCounters& operator=(const WorkerCounters&) = delete;

  // Writer side: the owning worker only.
  void Add(Counter c, uint64_t n = 1) { Bump(counters_[static_cast<size_t>(c)], n); }
  void Drop(base::DropReason r) {
    Bump(drops_[static_cast<size_t>(r)], 1);
    Bump(counters_[static_cast<size_t>(Counter::kPktReceiveDrop)], 1);
  }
  void AddSubnet(size_t subnet_index, SubnetCounter c, int64_t delta) {
    auto& slot = subnets_[subnet_index * kNumSubnetCounters + static_cast<size_t>(c)];
    slot.store(slot.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }

  // Reader side: any thread.
  uint64_t Get(Counter c) const {
    return counters_[static_cast<size_t>(c)].load(std::memory_order_relaxed);
  }
  uint64_t GetDrop(base::DropReason r) const {
    return drops_[static_cast<size_t>(r)].load(std::memory_order_relaxed);
  }
  int64_t GetSubnet(size_t subnet_index, SubnetCounter c) const {
    return subnets_[subnet_index * kNumSubnetCounters + static_cast<size_t>(c)].load(
        std::memory_order_relaxed);
  }
  size_t num_subnets() const { return subnets_.size() / kNumSubnetCounters; }

  // statistic-reset: called by the control thread. Racy against a concurrent
  // increment by design (a reset loses at most the increments in flight), as in
  // Kea; gauges (per-subnet) are never reset.
  void ResetPacketCounters();

 private:
  static void Bump(std::atomic<uint64_t>& a, uint64_t n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  std::array<std::atomic<uint64_t>, kNumCounters> counters_{};
  std::array<std::atomic<uint64_t>, base::kNumDropReasons> drops_{};
  std::vector<std::atomic<int64_t>> subnets_;
};

// Sum of several workers' blocks, taken on the control path.
struct CounterTotals {
  std::array<uint64_t, kNumCounters> counters{};
  std::array<uint64_t, base::kNumDropReasons> drops{};
  std::vector<std::array<int64_t, kNumSubnetCounters>> subnets;

  uint64_t Get(Counter c) const { return counters[static_cast<size_t>(c)]; }
  uint64_t GetDrop(base::DropReason r) const { return drops[static_cast<size_t>(r)]; }
};

CounterTotals Sum(const std::vector<const WorkerCounters*>& workers);

}  // namespace dpdhcp::stats
