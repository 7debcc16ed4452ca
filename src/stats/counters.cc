#include "dpdhcp/stats/counters.h"

namespace dpdhcp::stats {
namespace {

struct Entry {
  std::string_view name;
  std::string_view help;
};

constexpr std::array<Entry, kNumCounters> kCounters = {{
#define DPDHCP_COUNTER(id, name, help) {name, help},
#include "dpdhcp/stats/counters.def"
#undef DPDHCP_COUNTER
}};

constexpr std::array<std::string_view, kNumSubnetCounters> kSubnetNames = {
    "assigned-addresses", "declined-addresses", "cumulative-assigned-addresses",
    "reclaimed-leases", "reclaimed-declined-addresses"};

}  // namespace

std::string_view CounterName(Counter c) { return kCounters[static_cast<size_t>(c)].name; }
std::string_view CounterHelp(Counter c) { return kCounters[static_cast<size_t>(c)].help; }
std::string_view SubnetCounterName(SubnetCounter c) {
  return kSubnetNames[static_cast<size_t>(c)];
}

WorkerCounters::WorkerCounters(size_t num_subnets) : subnets_(num_subnets * kNumSubnetCounters) {}

void WorkerCounters::ResetPacketCounters() {
  for (auto& c : counters_) c.store(0, std::memory_order_relaxed);
  for (auto& d : drops_) d.store(0, std::memory_order_relaxed);
}

CounterTotals Sum(const std::vector<const WorkerCounters*>& workers) {
  CounterTotals t;
  size_t num_subnets = 0;
  for (const WorkerCounters* w : workers) num_subnets = std::max(num_subnets, w->num_subnets());
  t.subnets.resize(num_subnets);
  for (const WorkerCounters* w : workers) {
    for (size_t i = 0; i < kNumCounters; ++i) t.counters[i] += w->Get(static_cast<Counter>(i));
    for (size_t i = 0; i < base::kNumDropReasons; ++i) {
      t.drops[i] += w->GetDrop(static_cast<base::DropReason>(i));
    }
    for (size_t s = 0; s < w->num_subnets(); ++s) {
      for (size_t i = 0; i < kNumSubnetCounters; ++i) {
        t.subnets[s][i] += w->GetSubnet(s, static_cast<SubnetCounter>(i));
      }
    }
  }
  return t;
}

}  // namespace dpdhcp::stats
