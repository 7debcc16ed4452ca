// Tables of dpdhcpctl: pools, stats, leases, status.
#include <algorithm>
#include <ctime>
#include <map>

#include "absl/strings/str_format.h"
#include "ctl.h"

namespace dpdhcp::ctl {

uint64_t AsUint(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    const int64_t s = v.get<int64_t>();
    return s < 0 ? 0 : static_cast<uint64_t>(s);
  }
  return 0;
}

namespace {

std::string AsString(const Json& v) { return v.is_string() ? v.get<std::string>() : std::string(); }

std::string RightTrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Utilisation as the `pools` table prints it: share of addresses not free.
double Util(uint64_t total, uint64_t free) {
  return total == 0 ? 0 : 100.0 * static_cast<double>(total - std::min(free, total)) /
                              static_cast<double>(total);
}

std::string UtilText(uint64_t total, uint64_t free) {
  return total == 0 ? "-" : absl::StrFormat("%.1f%%", Util(total, free));
}

// Column widths of the pools table (79 columns in all).
constexpr int kNameWidth = 33, kTotalWidth = 10, kCountWidth = 9, kUtilWidth = 7;

std::string PoolLine(const std::string& name, uint64_t total, uint64_t assigned, uint64_t declined,
                     uint64_t free, double warn) {
  const bool mark = warn > 0 && total > 0 && Util(total, free) >= warn;
  return RightTrim(absl::StrFormat("%-*s%*d%*d%*d%*d%*s%s", kNameWidth, name, kTotalWidth, total,
                                   kCountWidth, assigned, kCountWidth, declined, kCountWidth, free,
                                   kUtilWidth, UtilText(total, free), mark ? " !" : "")) +
         "\n";
}

const char* KeaStateName(uint64_t state) {
  switch (state) {
    case 0:
      return "assigned";
    case 1:
      return "declined";
    case 2:
      return "expired";
    default:
      return "unknown";
  }
}

std::string ExpiresText(const Json& lease) {
  const uint64_t valid = AsUint(lease.value("valid-lft", Json(0)));
  if (valid == 0xffffffffu) return "never";
  return FormatUtc(static_cast<int64_t>(AsUint(lease.value("cltt", Json(0))) + valid));
}

}  // namespace

int ResultSet::Column(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<ResultSet> ParseResultSet(const Json& arguments) {
  if (!arguments.is_object() || !arguments.contains("result-set")) {
    return absl::DataLossError("the answer has no \"result-set\"");
  }
  const Json& rs = arguments["result-set"];
  if (!rs.is_object() || !rs.contains("columns") || !rs["columns"].is_array() ||
      !rs.contains("rows") || !rs["rows"].is_array()) {
    return absl::DataLossError("the answer's \"result-set\" lacks columns or rows");
  }
  ResultSet out;
  for (const Json& c : rs["columns"]) out.columns.push_back(AsString(c));
  for (const Json& r : rs["rows"]) {
    if (!r.is_array() || r.size() != out.columns.size()) {
      return absl::DataLossError("a result-set row does not match its columns");
    }
    out.rows.emplace_back(r.begin(), r.end());
  }
  return out;
}

absl::StatusOr<std::vector<PoolRow>> ParsePoolRows(const Json& arguments) {
  if (arguments.is_null()) return std::vector<PoolRow>{};  // result 3: no pools
  auto rs = ParseResultSet(arguments);
  if (!rs.ok()) return rs.status();
  const int id = rs->Column("subnet-id"), prefix = rs->Column("subnet"), pid = rs->Column("pool-id"),
            pool = rs->Column("pool"), total = rs->Column("total-addresses"),
            assigned = rs->Column("assigned-addresses"), declined = rs->Column("declined-addresses"),
            free = rs->Column("free-addresses");
  if (std::min({id, prefix, pid, pool, total, assigned, declined, free}) < 0) {
    return absl::DataLossError("stat-pool4-get: a column is missing");
  }
  std::vector<PoolRow> out;
  for (const auto& r : rs->rows) {
    out.push_back(PoolRow{static_cast<uint32_t>(AsUint(r[id])), AsString(r[prefix]),
                          static_cast<uint32_t>(AsUint(r[pid])), AsString(r[pool]), AsUint(r[total]),
                          AsUint(r[assigned]), AsUint(r[declined]), AsUint(r[free])});
  }
  return out;
}

uint64_t WorkerCounters::Get(size_t worker, std::string_view name) const {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return worker < values.size() ? values[worker][i] : 0;
  }
  return 0;
}

uint64_t WorkerCounters::Total(std::string_view name) const {
  uint64_t t = 0;
  for (size_t w = 0; w < values.size(); ++w) t += Get(w, name);
  return t;
}

absl::StatusOr<WorkerCounters> ParseWorkerCounters(const Json& arguments) {
  auto rs = ParseResultSet(arguments);
  if (!rs.ok()) return rs.status();
  const int worker = rs->Column("worker");
  if (worker != 0) return absl::DataLossError("stat-worker4-get: \"worker\" is not the first column");
  WorkerCounters out;
  out.names.assign(rs->columns.begin() + 1, rs->columns.end());
  for (const auto& r : rs->rows) {
    std::vector<uint64_t> v;
    for (size_t i = 1; i < r.size(); ++i) v.push_back(AsUint(r[i]));
    out.values.push_back(std::move(v));
  }
  return out;
}

std::string RenderPools(const std::vector<PoolRow>& rows, const PoolsOptions& options) {
  struct Subnet {
    uint32_t id = 0;
    std::string prefix;
    uint64_t total = 0, assigned = 0, declined = 0, free = 0;
    std::vector<PoolRow> pools;
  };
  std::map<uint32_t, Subnet> by_id;
  for (const PoolRow& r : rows) {
    Subnet& s = by_id[r.subnet_id];
    s.id = r.subnet_id;
    s.prefix = r.prefix;
    s.total += r.total;
    s.assigned += r.assigned;
    s.declined += r.declined;
    s.free += r.free;
    s.pools.push_back(r);
  }
  std::vector<Subnet> subnets;
  for (auto& [id, s] : by_id) subnets.push_back(std::move(s));

  // util: fullest first; free: fewest free first; id: ascending. Ties by id.
  auto less = [&](uint64_t id_a, uint64_t total_a, uint64_t free_a, uint64_t id_b,
                  uint64_t total_b, uint64_t free_b) {
    switch (options.sort) {
      case PoolSort::kUtil: {
        const double ua = Util(total_a, free_a), ub = Util(total_b, free_b);
        if (ua != ub) return ua > ub;
        break;
      }
      case PoolSort::kFree:
        if (free_a != free_b) return free_a < free_b;
        break;
      case PoolSort::kId:
        break;
    }
    return id_a < id_b;
  };
  std::stable_sort(subnets.begin(), subnets.end(), [&](const Subnet& a, const Subnet& b) {
    return less(a.id, a.total, a.free, b.id, b.total, b.free);
  });

  std::string out = RightTrim(absl::StrFormat("%-*s%*s%*s%*s%*s%*s", kNameWidth, "SUBNET / POOL",
                                              kTotalWidth, "TOTAL", kCountWidth, "ASSIGNED",
                                              kCountWidth, "DECLINED", kCountWidth, "FREE",
                                              kUtilWidth, "UTIL")) +
                    "\n";
  uint64_t total = 0, assigned = 0, declined = 0, free = 0;
  size_t num_pools = 0;
  for (Subnet& s : subnets) {
    std::stable_sort(s.pools.begin(), s.pools.end(), [&](const PoolRow& a, const PoolRow& b) {
      return less(a.pool_id, a.total, a.free, b.pool_id, b.total, b.free);
    });
    out += PoolLine(absl::StrFormat("%d %s", s.id, s.prefix), s.total, s.assigned, s.declined,
                    s.free, options.warn_percent);
    for (const PoolRow& p : s.pools) {
      out += PoolLine("  " + p.range, p.total, p.assigned, p.declined, p.free, options.warn_percent);
    }
    total += s.total;
    assigned += s.assigned;
    declined += s.declined;
    free += s.free;
    num_pools += s.pools.size();
  }
  out += std::string(kNameWidth + kTotalWidth + 3 * kCountWidth + kUtilWidth, '-') + "\n";
  out += PoolLine(absl::StrFormat("TOTAL (%d subnets, %d pools)", subnets.size(), num_pools), total,
                  assigned, declined, free, options.warn_percent);
  return out;
}

std::string RenderStats(const WorkerCounters& counters, bool all) {
  const size_t workers = counters.values.size();
  size_t name_width = 24;
  for (const std::string& n : counters.names) name_width = std::max(name_width, n.size() + 2);
  auto header = [&](std::string_view title) {
    std::string line = absl::StrFormat("%-*s", name_width, title);
    for (size_t w = 0; w < workers; ++w) line += absl::StrFormat("%12s", absl::StrFormat("worker %d", w));
    return line + absl::StrFormat("%12s\n", "total");
  };
  std::string out;
  for (const bool drops : {false, true}) {
    if (drops) out += "\n";
    out += header(drops ? "DROP REASONS" : "PACKET COUNTERS");
    size_t shown = 0;
    for (const std::string& name : counters.names) {
      if (name.starts_with("drop-") != drops) continue;
      const uint64_t total = counters.Total(name);
      if (total == 0 && !all) continue;
      std::string line = absl::StrFormat("%-*s", name_width, name);
      for (size_t w = 0; w < workers; ++w) line += absl::StrFormat("%12d", counters.Get(w, name));
      out += line + absl::StrFormat("%12d\n", total);
      ++shown;
    }
    if (shown == 0) out += "(none)\n";
  }
  return out;
}

std::string RenderLeaseTable(const Json& leases, bool header) {
  std::string out;
  if (header) {
    out += absl::StrFormat("%-16s%-19s%6s  %-10s%s\n", "ADDRESS", "HW-ADDRESS", "SUBNET", "STATE",
                           "EXPIRES (UTC)");
  }
  if (!leases.is_array()) return out;
  for (const Json& l : leases) {
    out += absl::StrFormat("%-16s%-19s%6d  %-10s%s\n", AsString(l.value("ip-address", Json(""))),
                           AsString(l.value("hw-address", Json(""))),
                           AsUint(l.value("subnet-id", Json(0))),
                           KeaStateName(AsUint(l.value("state", Json(0)))), ExpiresText(l));
  }
  return out;
}

std::string RenderLeaseDetail(const Json& l) {
  std::string out;
  auto field = [&](std::string_view name, const std::string& value) {
    out += absl::StrFormat("%-12s %s\n", name, value);
  };
  field("ip-address", AsString(l.value("ip-address", Json(""))));
  field("hw-address", AsString(l.value("hw-address", Json(""))));
  if (l.contains("client-id")) field("client-id", AsString(l["client-id"]));
  field("subnet-id", std::to_string(AsUint(l.value("subnet-id", Json(0)))));
  const uint64_t state = AsUint(l.value("state", Json(0)));
  field("state", absl::StrFormat("%d (%s)", state, KeaStateName(state)));
  const uint64_t cltt = AsUint(l.value("cltt", Json(0)));
  field("cltt", absl::StrFormat("%d (%s UTC)", cltt, FormatUtc(static_cast<int64_t>(cltt))));
  const uint64_t valid = AsUint(l.value("valid-lft", Json(0)));
  field("valid-lft", valid == 0xffffffffu ? std::string("infinite") : std::to_string(valid));
  const std::string expires = ExpiresText(l);
  field("expires", expires == "never" ? expires : expires + " UTC");
  const std::string hostname = AsString(l.value("hostname", Json("")));
  if (!hostname.empty()) field("hostname", hostname);
  return out;
}

std::string RenderStatus(const Json& s) {
  std::string out;
  auto field = [&](std::string_view name, const std::string& value) {
    out += absl::StrFormat("%-14s %s\n", name, value);
  };
  auto duration = [](uint64_t secs) {
    return absl::StrFormat("%d s (%dd %02d:%02d:%02d)", secs, secs / 86400, secs / 3600 % 24,
                           secs / 60 % 60, secs % 60);
  };
  const Json d = s.value("dpdhcp", Json::object());
  field("version", AsString(d.value("version", Json(""))));
  field("pid", std::to_string(AsUint(s.value("pid", Json(0)))));
  field("uptime", duration(AsUint(s.value("uptime", Json(0)))));
  field("since reload", duration(AsUint(s.value("reload", Json(0)))));
  field("workers", std::to_string(AsUint(d.value("workers", Json(0)))));
  const Json dur = d.value("durability", Json::object());
  field("durability", absl::StrFormat("%s, %s (durable sequence %d, %d pending)",
                                      AsString(dur.value("mode", Json(""))),
                                      AsString(dur.value("state", Json(""))),
                                      AsUint(dur.value("durable-sequence", Json(0))),
                                      AsUint(dur.value("pending-records", Json(0)))));
  const Json ports = d.value("ports", Json::array());
  if (ports.empty()) field("ports", "(none)");
  for (const Json& p : ports) {
    field("port", absl::StrFormat("%s (%s) %s, link %s %d Mb/s, %d rx / %d tx queues",
                                  AsString(p.value("name", Json(""))), AsString(p.value("driver", Json(""))),
                                  AsString(p.value("mac", Json(""))),
                                  p.value("link-up", Json(false)).is_boolean() &&
                                          p.value("link-up", Json(false)).get<bool>()
                                      ? "up"
                                      : "down",
                                  AsUint(p.value("speed-mbps", Json(0))),
                                  AsUint(p.value("rx-queues", Json(0))),
                                  AsUint(p.value("tx-queues", Json(0)))));
  }
  for (const Json& q : d.value("queues", Json::array())) {
    field("queue", absl::StrFormat("worker %d polls %s rx queue %d", AsUint(q.value("worker", Json(0))),
                                   AsString(q.value("port", Json(""))), AsUint(q.value("rx-queue", Json(0)))));
  }
  return out;
}

std::string FormatUtc(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace dpdhcp::ctl
