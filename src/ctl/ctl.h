// dpdhcpctl's data and screens: answers of the control commands turned into
// the tables an operator reads and the Prometheus text a scraper reads. Pure
// functions of the answers (no I/O), so tests check them byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/control/answer.h"

namespace dpdhcp::ctl {

using control::Json;

// Kea's result-set ({"columns": [...], "rows": [[...]]}) with columns looked
// up by name, so that a newer server's extra columns do not break the tool.
struct ResultSet {
  std::vector<std::string> columns;
  std::vector<std::vector<Json>> rows;
  // Column index, or -1.
  int Column(std::string_view name) const;
};
// From a command's "arguments" ({"result-set": {...}}).
absl::StatusOr<ResultSet> ParseResultSet(const Json& arguments);

// One stat-pool4-get row.
struct PoolRow {
  uint32_t subnet_id = 0;
  std::string prefix;
  uint32_t pool_id = 0;
  std::string range;
  uint64_t total = 0, assigned = 0, declined = 0, free = 0;
};
absl::StatusOr<std::vector<PoolRow>> ParsePoolRows(const Json& arguments);

// stat-worker4-get: counter names and one value per worker.
struct WorkerCounters {
  std::vector<std::string> names;
  std::vector<std::vector<uint64_t>> values;  // [worker][name]
  uint64_t Get(size_t worker, std::string_view name) const;
  uint64_t Total(std::string_view name) const;
};
absl::StatusOr<WorkerCounters> ParseWorkerCounters(const Json& arguments);

enum class PoolSort { kId, kUtil, kFree };

struct PoolsOptions {
  PoolSort sort = PoolSort::kId;
  double warn_percent = 90;  // rows at or above get a "!"; 0: never
};

// The `pools` table: a row per subnet (its pools summed), a row per pool
// indented under it, then a totals row. At most 79 columns.
std::string RenderPools(const std::vector<PoolRow>& rows, const PoolsOptions& options);

// The `stats` tables: packet counters, then drop reasons, one column per
// worker and a total; rows whose total is 0 are left out unless `all`.
std::string RenderStats(const WorkerCounters& counters, bool all);

// `lease list` rows (header first when `header`), and `lease get` blocks.
std::string RenderLeaseTable(const Json& leases, bool header);
std::string RenderLeaseDetail(const Json& lease);
std::string RenderStatus(const Json& status_arguments);

// One `watch` screen: per-second rates between two counter snapshots taken
// `seconds` apart, and per-subnet utilisation.
std::string RenderWatchScreen(const WorkerCounters& before, const WorkerCounters& after,
                              double seconds, const std::vector<PoolRow>& pools,
                              std::string_view title);

// Prometheus text exposition format 0.0.4: every counter per worker, every
// drop reason per worker, subnet and pool gauges, uptime and workers.
// `subnets` is stat-lease4-get's result-set, `status` status-get's arguments.
std::string RenderMetrics(const WorkerCounters& counters, const ResultSet& subnets,
                          const std::vector<PoolRow>& pools, const Json& status);

// A JSON number read as a count: a negative number or a non-number is 0.
uint64_t AsUint(const Json& v);

// "2023-11-14 22:13:20" (UTC).
std::string FormatUtc(int64_t unix_seconds);

}  // namespace dpdhcp::ctl
