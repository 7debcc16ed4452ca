// Shared state and helpers of the server commands (commands.h). Private to
// the control module.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/base/time.h"
#include "dpdhcp/control/registry.h"
#include "dpdhcp/control/server_state.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::control::internal {

// Packet counters and drop reasons, in one index space: counter i, then drop
// reason r at kNumCounters + r.
inline constexpr size_t kNumResettable = stats::kNumCounters + base::kNumDropReasons;

// statistic-reset without touching the workers' blocks: the value a command
// shows is raw - baseline, per worker. (A reset of the blocks themselves
// would race with the workers' increments and cannot reset one counter.)
class StatisticBaseline {
 public:
  // Subtracts the baselines from raw per-worker totals, in place. A raw value
  // below its baseline (the server reset its blocks) is shown as is.
  void Apply(std::vector<stats::CounterTotals>& workers) const;
  void ResetAll(const std::vector<stats::CounterTotals>& raw);
  void Reset(size_t index, const std::vector<stats::CounterTotals>& raw);

 private:
  static uint64_t Raw(const stats::CounterTotals& t, size_t index);

  mutable std::mutex mutex_;
  std::vector<std::array<uint64_t, kNumResettable>> base_;  // per worker
};

struct CommandContext {
  explicit CommandContext(ServerState& s) : state(s) {}
  ServerState& state;
  StatisticBaseline baseline;

  // The workers' counters with statistic-reset applied.
  std::vector<stats::CounterTotals> WorkerCounters() const;
};

// Kea's statistic timestamp: "2024-05-01 12:00:00.000000" (UTC here).
std::string KeaTimestamp(base::UnixSeconds t);
// Per-worker totals summed.
stats::CounterTotals SumTotals(const std::vector<stats::CounterTotals>& workers);

// One row of a command table: a handler over the commands' shared context.
struct CommandEntry {
  const char* name;
  const char* help;
  Access access;
  std::function<Answer(CommandContext&, const Json&)> fn;
};

// Registers each entry, its handler bound to `context`, in table order;
// returns the first error (a duplicate or empty name) and registers no
// entry after it.
absl::Status RegisterCommandTable(CommandRegistry& registry, const std::shared_ptr<CommandContext>& context,
                                  std::span<const CommandEntry> entries);

absl::Status RegisterStatisticCommands(CommandRegistry& registry,
                                       std::shared_ptr<CommandContext> context);
absl::Status RegisterLeaseCommands(CommandRegistry& registry, std::shared_ptr<CommandContext> context);

}  // namespace dpdhcp::control::internal
