// Statistics commands: Kea's statistic-get / -get-all / -reset / -reset-all
// and stat-lease4-get, plus dpdhcp's stat-pool4-get and stat-worker4-get.
#include <ctime>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "text.h"
#include "absl/strings/str_format.h"
#include "arguments.h"
#include "commands_internal.h"

namespace dpdhcp::control::internal {
namespace {

using stats::Counter;
using stats::SubnetCounter;

std::string_view ResettableName(size_t index) {
  if (index < stats::kNumCounters) return stats::CounterName(static_cast<Counter>(index));
  return base::DropReasonName(static_cast<base::DropReason>(index - stats::kNumCounters));
}

// Drop reason 0 is kNone, not a counter anyone reads.
bool IsShown(size_t index) { return index != stats::kNumCounters; }

std::optional<size_t> FindResettable(std::string_view name) {
  for (size_t i = 0; i < kNumResettable; ++i) {
    if (IsShown(i) && ResettableName(i) == name) return i;
  }
  return std::nullopt;
}

// One statistic of Kea's flat name space.
struct Statistic {
  std::string name;
  int64_t value;
};

// Every statistic: packet counters and drop reasons summed over workers,
// then per subnet and per pool. The pool walk is skipped when `with_subnets`
// is false.
std::vector<Statistic> CollectStatistics(const CommandContext& c, bool with_subnets) {
  std::vector<Statistic> out;
  const stats::CounterTotals sum = SumTotals(c.WorkerCounters());
  for (size_t i = 0; i < kNumResettable; ++i) {
    if (!IsShown(i)) continue;
    const uint64_t v = i < stats::kNumCounters ? sum.counters[i] : sum.drops[i - stats::kNumCounters];
    out.push_back({std::string(ResettableName(i)), static_cast<int64_t>(v)});
  }
  if (!with_subnets) return out;
  const auto config = c.state.GetConfig();
  const std::vector<SubnetUsage> usage = c.state.GetPoolUsage();
  for (const config::Subnet& s : config->subnets) {
    const std::string prefix = Cat("subnet[", s.id, "].");
    uint64_t total = 0;
    if (s.index < usage.size()) {
      for (const PoolUsage& p : usage[s.index].pools) total += p.total;
    }
    out.push_back({prefix + "total-addresses", static_cast<int64_t>(total)});
    for (size_t k = 0; k < stats::kNumSubnetCounters; ++k) {
      const int64_t v = s.index < sum.subnets.size() ? sum.subnets[s.index][k] : 0;
      out.push_back({prefix + std::string(stats::SubnetCounterName(static_cast<SubnetCounter>(k))), v});
    }
    if (s.index >= usage.size()) continue;
    for (const PoolUsage& p : usage[s.index].pools) {
      const std::string pp = Cat(prefix, "pool[", p.pool_index, "].");
      out.push_back({pp + "total-addresses", static_cast<int64_t>(p.total)});
      out.push_back({pp + "assigned-addresses", static_cast<int64_t>(p.assigned)});
      out.push_back({pp + "declined-addresses", static_cast<int64_t>(p.declined)});
    }
  }
  return out;
}

// Kea's value shape: one sample, [[value, "timestamp"]].
Json Sample(int64_t value, const std::string& timestamp) {
  return Json::array({Json::array({value, timestamp})});
}

Answer StatisticGet(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("statistic-get", args, {"name"}, true));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const std::string name, a.RequiredString("name"));
  const bool subnet_stat = name.starts_with("subnet[");
  const std::string ts = KeaTimestamp(c.state.Now());
  for (const Statistic& s : CollectStatistics(c, subnet_stat)) {
    if (s.name == name) return Success("", Json{{s.name, Sample(s.value, ts)}});
  }
  // Kea answers an unknown name with success and an empty map.
  return Success("", Json::object());
}

Answer StatisticGetAll(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("statistic-get-all", args, {}, false));
  (void)a;
  const std::string ts = KeaTimestamp(c.state.Now());
  Json out = Json::object();
  for (const Statistic& s : CollectStatistics(c, true)) out[s.name] = Sample(s.value, ts);
  return Success("", std::move(out));
}

Answer StatisticReset(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("statistic-reset", args, {"name"}, true));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const std::string name, a.RequiredString("name"));
  if (const auto index = FindResettable(name)) {
    c.baseline.Reset(*index, c.state.GetWorkerCounters());
    return Success(Cat("Statistic '", name, "' reset."));
  }
  if (name.starts_with("subnet[")) {
    for (const Statistic& s : CollectStatistics(c, true)) {
      if (s.name == name) {
        return Error(Cat("statistic-reset: '", name,
                                  "' follows the lease state and cannot be reset"));
      }
    }
  }
  return Error(Cat("No '", name, "' statistic found"));
}

Answer StatisticResetAll(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("statistic-reset-all", args, {}, false));
  (void)a;
  c.baseline.ResetAll(c.state.GetWorkerCounters());
  return Success("All statistics reset to neutral values.");
}

// Kea's result-set: {"columns": [...], "rows": [[...], ...], "timestamp": "..."}.
Json ResultSet(Json columns, Json rows, const std::string& timestamp) {
  return Json{{"result-set", {{"columns", std::move(columns)}, {"rows", std::move(rows)}, {"timestamp", timestamp}}}};
}

Answer StatLease4Get(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(
      const Arguments a, Arguments::Open("stat-lease4-get", args, {"subnet-id", "subnet-range"}, false));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto subnet_id, a.OptionalUint("subnet-id", 1, 0xffffffffu));
  uint64_t first = 0, last = 0xffffffffu;
  if (subnet_id) first = last = *subnet_id;
  if (const Json* range = a.Get("subnet-range")) {
    if (subnet_id) return Error("stat-lease4-get: give \"subnet-id\" or \"subnet-range\", not both");
    DPDHCP_CONTROL_ASSIGN_OR_ANSWER(
        const Arguments r,
        Arguments::Open("stat-lease4-get: subnet-range", *range, {"first-subnet-id", "last-subnet-id"}, true));
    DPDHCP_CONTROL_ASSIGN_OR_ANSWER(first, r.RequiredUint("first-subnet-id", 1, 0xffffffffu));
    DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto l, r.OptionalUint("last-subnet-id", 1, 0xffffffffu));
    last = l.value_or(0xffffffffu);
    if (last < first) return Error("stat-lease4-get: \"last-subnet-id\" is below \"first-subnet-id\"");
  }
  const auto config = c.state.GetConfig();
  const stats::CounterTotals sum = SumTotals(c.WorkerCounters());
  const std::vector<SubnetUsage> usage = c.state.GetPoolUsage();
  Json rows = Json::array();
  for (const config::Subnet& s : config->subnets) {
    if (s.id < first || s.id > last) continue;
    uint64_t total = 0;
    if (s.index < usage.size()) {
      for (const PoolUsage& p : usage[s.index].pools) total += p.total;
    }
    auto gauge = [&](SubnetCounter k) -> int64_t {
      return s.index < sum.subnets.size() ? sum.subnets[s.index][static_cast<size_t>(k)] : 0;
    };
    rows.push_back(Json::array({s.id, total, gauge(SubnetCounter::kCumulativeAssignedAddresses),
                                gauge(SubnetCounter::kAssignedAddresses),
                                gauge(SubnetCounter::kDeclinedAddresses)}));
  }
  if (rows.empty()) return Empty("stat-lease4-get: no matching data");
  const size_t n = rows.size();
  return Success(Cat("stat-lease4-get: ", n, " rows found"),
                 ResultSet(Json::array({"subnet-id", "total-addresses", "cumulative-assigned-addresses",
                                        "assigned-addresses", "declined-addresses"}),
                           std::move(rows), KeaTimestamp(c.state.Now())));
}

Answer StatPool4Get(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("stat-pool4-get", args, {"subnet-id"}, false));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto subnet_id, a.OptionalUint("subnet-id", 1, 0xffffffffu));
  Json rows = Json::array();
  for (const SubnetUsage& s : c.state.GetPoolUsage()) {
    if (subnet_id && s.subnet_id != *subnet_id) continue;
    for (const PoolUsage& p : s.pools) {
      rows.push_back(Json::array({s.subnet_id, s.prefix.ToString(), p.pool_index,
                                  Cat(p.first.ToString(), "-", p.last.ToString()), p.total,
                                  p.assigned, p.declined, p.free()}));
    }
  }
  if (rows.empty()) return Empty("stat-pool4-get: no matching data");
  const size_t n = rows.size();
  return Success(Cat("stat-pool4-get: ", n, " rows found"),
                 ResultSet(Json::array({"subnet-id", "subnet", "pool-id", "pool", "total-addresses",
                                        "assigned-addresses", "declined-addresses", "free-addresses"}),
                           std::move(rows), KeaTimestamp(c.state.Now())));
}

Answer StatWorker4Get(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("stat-worker4-get", args, {}, false));
  (void)a;
  Json columns = Json::array({"worker"});
  for (size_t i = 0; i < kNumResettable; ++i) {
    if (IsShown(i)) columns.push_back(ResettableName(i));
  }
  Json rows = Json::array();
  const auto workers = c.WorkerCounters();
  for (size_t w = 0; w < workers.size(); ++w) {
    Json row = Json::array({w});
    for (size_t i = 0; i < kNumResettable; ++i) {
      if (!IsShown(i)) continue;
      row.push_back(i < stats::kNumCounters ? workers[w].counters[i]
                                            : workers[w].drops[i - stats::kNumCounters]);
    }
    rows.push_back(std::move(row));
  }
  const size_t n = rows.size();
  return Success(Cat("stat-worker4-get: ", n, " rows found"),
                 ResultSet(std::move(columns), std::move(rows), KeaTimestamp(c.state.Now())));
}

}  // namespace

uint64_t StatisticBaseline::Raw(const stats::CounterTotals& t, size_t index) {
  return index < stats::kNumCounters ? t.counters[index] : t.drops[index - stats::kNumCounters];
}

void StatisticBaseline::Apply(std::vector<stats::CounterTotals>& workers) const {
  std::lock_guard lock(mutex_);
  for (size_t w = 0; w < workers.size() && w < base_.size(); ++w) {
    for (size_t i = 0; i < kNumResettable; ++i) {
      uint64_t& v = i < stats::kNumCounters ? workers[w].counters[i]
                                            : workers[w].drops[i - stats::kNumCounters];
      if (v >= base_[w][i]) v -= base_[w][i];
    }
  }
}

void StatisticBaseline::ResetAll(const std::vector<stats::CounterTotals>& raw) {
  std::lock_guard lock(mutex_);
  base_.resize(std::max(base_.size(), raw.size()));
  for (size_t w = 0; w < raw.size(); ++w) {
    for (size_t i = 0; i < kNumResettable; ++i) base_[w][i] = Raw(raw[w], i);
  }
}

void StatisticBaseline::Reset(size_t index, const std::vector<stats::CounterTotals>& raw) {
  std::lock_guard lock(mutex_);
  base_.resize(std::max(base_.size(), raw.size()));
  for (size_t w = 0; w < raw.size(); ++w) base_[w][index] = Raw(raw[w], index);
}

std::vector<stats::CounterTotals> CommandContext::WorkerCounters() const {
  auto workers = state.GetWorkerCounters();
  baseline.Apply(workers);
  return workers;
}

std::string KeaTimestamp(base::UnixSeconds t) {
  const time_t tt = t;
  struct tm tm {};
  gmtime_r(&tt, &tm);
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d.000000", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

stats::CounterTotals SumTotals(const std::vector<stats::CounterTotals>& workers) {
  stats::CounterTotals sum;
  for (const stats::CounterTotals& w : workers) {
    for (size_t i = 0; i < stats::kNumCounters; ++i) sum.counters[i] += w.counters[i];
    for (size_t i = 0; i < base::kNumDropReasons; ++i) sum.drops[i] += w.drops[i];
    if (sum.subnets.size() < w.subnets.size()) sum.subnets.resize(w.subnets.size());
    for (size_t s = 0; s < w.subnets.size(); ++s) {
      for (size_t k = 0; k < stats::kNumSubnetCounters; ++k) sum.subnets[s][k] += w.subnets[s][k];
    }
  }
  return sum;
}

absl::Status RegisterStatisticCommands(CommandRegistry& registry,
                                       std::shared_ptr<CommandContext> context) {
  const CommandEntry entries[] = {
      {"statistic-get", "Returns one statistic ({\"name\": ...}) as [[value, timestamp]].",
       Access::kRead, StatisticGet},
      {"statistic-get-all", "Returns every statistic, Kea-named, summed over workers.", Access::kRead,
       StatisticGetAll},
      {"statistic-reset", "Resets one packet counter or drop reason ({\"name\": ...}) to 0.",
       Access::kWrite, StatisticReset},
      {"statistic-reset-all", "Resets every packet counter and drop reason to 0.", Access::kWrite,
       StatisticResetAll},
      {"stat-lease4-get", "Per-subnet address statistics (Kea's result-set).", Access::kRead,
       StatLease4Get},
      {"stat-pool4-get", "Per-pool address statistics (dpdhcp extension, result-set).",
       Access::kRead, StatPool4Get},
      {"stat-worker4-get", "Packet counters and drop reasons per worker (dpdhcp extension).",
       Access::kRead, StatWorker4Get},
  };
  return RegisterCommandTable(registry, context, entries);
}

}  // namespace dpdhcp::control::internal
