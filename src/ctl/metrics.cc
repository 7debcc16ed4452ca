// `watch` screens and `metrics` (Prometheus text exposition format 0.0.4).
#include <algorithm>
#include <map>

#include "absl/strings/str_format.h"
#include "ctl.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::ctl {
namespace {

double Rate(uint64_t before, uint64_t after, double seconds) {
  // A counter below its earlier value was reset (statistic-reset): the rate
  // starts again from 0 rather than going negative.
  if (seconds <= 0 || after < before) return 0;
  return static_cast<double>(after - before) / seconds;
}

// "pkt4-received" -> "pkt4_received" (metric names allow [a-zA-Z0-9_:]).
std::string MetricName(std::string_view stat) {
  std::string out;
  for (char c : stat) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out.push_back(ok ? c : '_');
  }
  return out;
}

// Label values escape backslash, double quote and newline; HELP text escapes
// backslash and newline (exposition format 0.0.4).
std::string Escape(std::string_view s, bool quote) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The help of a counter this build knows, else a generic sentence (a newer
// server may report counters this dpdhcpctl has not heard of).
std::string CounterHelpText(std::string_view name) {
  for (size_t i = 0; i < stats::kNumCounters; ++i) {
    const auto c = static_cast<stats::Counter>(i);
    if (stats::CounterName(c) == name) return std::string(stats::CounterHelp(c));
  }
  return absl::StrFormat("dpdhcp statistic %s", std::string(name));
}

class Exposition {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += absl::StrFormat("# HELP %s %s\n# TYPE %s %s\n", std::string(name), Escape(help, false),
                            std::string(name), std::string(type));
  }
  void Sample(std::string_view name, const std::vector<std::pair<std::string, std::string>>& labels,
              uint64_t value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += "{";
      for (size_t i = 0; i < labels.size(); ++i) {
        out_ += absl::StrFormat("%s%s=\"%s\"", i ? "," : "", labels[i].first, Escape(labels[i].second, true));
      }
      out_ += "}";
    }
    out_ += absl::StrFormat(" %d\n", value);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string RenderWatchScreen(const WorkerCounters& before, const WorkerCounters& after,
                              double seconds, const std::vector<PoolRow>& pools,
                              std::string_view title) {
  static constexpr const char* kColumns[][2] = {{"RECEIVED", "pkt4-received"},
                                                {"OFFERS", "pkt4-offer-sent"},
                                                {"ACKS", "pkt4-ack-sent"},
                                                {"NAKS", "pkt4-nak-sent"},
                                                {"DROPS", "pkt4-receive-drop"}};
  std::string out = std::string(title) + "\n\n";
  out += absl::StrFormat("%-12s", "RATES /s");
  for (const auto& c : kColumns) out += absl::StrFormat("%12s", c[0]);
  out += "\n";
  const size_t workers = after.values.size();
  for (size_t w = 0; w <= workers; ++w) {
    const bool total = w == workers;
    out += absl::StrFormat("%-12s", total ? std::string("total") : absl::StrFormat("worker %d", w));
    for (const auto& c : kColumns) {
      const uint64_t b = total ? before.Total(c[1]) : before.Get(w, c[1]);
      const uint64_t a = total ? after.Total(c[1]) : after.Get(w, c[1]);
      out += absl::StrFormat("%12.1f", Rate(b, a, seconds));
    }
    out += "\n";
  }

  struct Subnet {
    std::string prefix;
    uint64_t total = 0, assigned = 0, free = 0;
  };
  std::map<uint32_t, Subnet> subnets;
  for (const PoolRow& p : pools) {
    Subnet& s = subnets[p.subnet_id];
    s.prefix = p.prefix;
    s.total += p.total;
    s.assigned += p.assigned;
    s.free += p.free;
  }
  out += absl::StrFormat("\n%-24s%9s%10s%10s%8s\n", "SUBNET", "TOTAL", "ASSIGNED", "FREE", "UTIL");
  constexpr int kBar = 16;
  for (const auto& [id, s] : subnets) {
    const double util = s.total == 0 ? 0 : 100.0 * static_cast<double>(s.total - std::min(s.free, s.total)) /
                                               static_cast<double>(s.total);
    const int filled = static_cast<int>(util / 100.0 * kBar + 0.5);
    out += absl::StrFormat("%-24s%9d%10d%10d%7.1f%%  [%s%s]\n", absl::StrFormat("%d %s", id, s.prefix),
                           s.total, s.assigned, s.free, util, std::string(filled, '#'),
                           std::string(kBar - filled, '.'));
  }
  if (subnets.empty()) out += "(no pools)\n";
  return out;
}

std::string RenderMetrics(const WorkerCounters& counters, const ResultSet& subnets,
                          const std::vector<PoolRow>& pools, const Json& status) {
  Exposition e;
  const size_t workers = counters.values.size();
  for (const std::string& name : counters.names) {
    if (name.starts_with("drop-")) continue;
    const std::string metric = "dpdhcp_" + MetricName(name) + "_total";
    e.Family(metric, "counter", CounterHelpText(name));
    for (size_t w = 0; w < workers; ++w) e.Sample(metric, {{"worker", std::to_string(w)}}, counters.Get(w, name));
  }
  e.Family("dpdhcp_drop_total", "counter", "Packets dropped without a reply, by worker and reason.");
  for (const std::string& name : counters.names) {
    if (!name.starts_with("drop-")) continue;
    for (size_t w = 0; w < workers; ++w) {
      e.Sample("dpdhcp_drop_total", {{"worker", std::to_string(w)}, {"reason", name.substr(5)}},
               counters.Get(w, name));
    }
  }

  // Per subnet (stat-lease4-get): gauges and the cumulative counter.
  struct SubnetMetric {
    const char* column;
    const char* metric;
    const char* type;
    const char* help;
  };
  static constexpr SubnetMetric kSubnetMetrics[] = {
      {"total-addresses", "dpdhcp_subnet_total_addresses", "gauge", "Addresses in the subnet's pools."},
      {"assigned-addresses", "dpdhcp_subnet_assigned_addresses", "gauge", "Addresses bound to a client."},
      {"declined-addresses", "dpdhcp_subnet_declined_addresses", "gauge",
       "Addresses quarantined after a DECLINE."},
      {"cumulative-assigned-addresses", "dpdhcp_subnet_cumulative_assigned_addresses_total", "counter",
       "Addresses assigned since the server started."},
  };
  const int id_col = subnets.Column("subnet-id");
  for (const SubnetMetric& m : kSubnetMetrics) {
    const int col = subnets.Column(m.column);
    if (col < 0 || id_col < 0) continue;
    e.Family(m.metric, m.type, m.help);
    for (const auto& row : subnets.rows) {
      e.Sample(m.metric, {{"subnet", std::to_string(AsUint(row[id_col]))}}, AsUint(row[col]));
    }
  }

  // Per pool: its size, and its addresses by state (the states add up to the
  // size: offered counts what is claimed but neither bound nor declined).
  e.Family("dpdhcp_pool_size", "gauge", "Addresses in the pool (network, broadcast and server addresses excluded).");
  for (const PoolRow& p : pools) {
    e.Sample("dpdhcp_pool_size", {{"subnet", std::to_string(p.subnet_id)}, {"pool", p.range}}, p.total);
  }
  e.Family("dpdhcp_pool_addresses", "gauge", "Pool addresses by state: assigned, declined, offered, free.");
  for (const PoolRow& p : pools) {
    const uint64_t used = p.total - std::min(p.free, p.total);
    const uint64_t offered = used > p.assigned + p.declined ? used - p.assigned - p.declined : 0;
    const std::pair<const char*, uint64_t> states[] = {
        {"assigned", p.assigned}, {"declined", p.declined}, {"offered", offered}, {"free", p.free}};
    for (const auto& [state, value] : states) {
      e.Sample("dpdhcp_pool_addresses",
               {{"subnet", std::to_string(p.subnet_id)}, {"pool", p.range}, {"state", state}}, value);
    }
  }

  e.Family("dpdhcp_uptime_seconds", "gauge", "Seconds since the server started.");
  e.Sample("dpdhcp_uptime_seconds", {}, AsUint(status.value("uptime", Json(0))));
  e.Family("dpdhcp_workers", "gauge", "Worker lcores.");
  e.Sample("dpdhcp_workers", {}, workers);
  return e.Take();
}

}  // namespace dpdhcp::ctl
