#include "report.h"

#include <cinttypes>
#include <cstdio>

#include "absl/strings/str_format.h"

namespace dpdhcp::dhcpgen {

namespace {

double Us(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }
double PerSecond(uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; }
constexpr size_t kDora = static_cast<size_t>(TxKind::kDora);

}  // namespace

size_t FormatSecondLine(char* out, size_t cap, double elapsed_s, const Stats& prev,
                        const Stats& cur, const Histogram& interval, double seconds) {
  const uint64_t tx = cur.transactions() - prev.transactions();
  const int n = std::snprintf(
      out, cap,
      "dhcpgen: t=%.0fs sent %" PRIu64 " tps %.0f dora/s %.0f p50 %.1fus p99 %.1fus "
      "timeouts %" PRIu64 " naks %" PRIu64 " invalid %" PRIu64,
      elapsed_s, cur.frames_sent - prev.frames_sent, PerSecond(tx, seconds),
      PerSecond(cur.completed[kDora] - prev.completed[kDora], seconds), Us(interval.Percentile(0.50)),
      Us(interval.Percentile(0.99)), cur.timeouts - prev.timeouts, cur.naks - prev.naks,
      cur.invalid_total() - prev.invalid_total());
  if (n < 0) return 0;
  return static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : cap - 1;
}

nlohmann::json FinalJson(const Generator& g, const RunInfo& run) {
  const Stats& s = g.stats();
  const Histogram& h = g.latency();
  nlohmann::json invalid = nlohmann::json::object();
  for (size_t r = 0; r < kInvalidReasons; ++r) {
    invalid[InvalidReasonKey(static_cast<InvalidReason>(r))] = s.invalid[r];
  }
  nlohmann::json started = nlohmann::json::object(), completed = nlohmann::json::object();
  nlohmann::json mix = nlohmann::json::object();
  for (size_t k = 0; k < kTxKinds; ++k) {
    const char* name = TxKindName(static_cast<TxKind>(k));
    started[name] = s.started[k];
    completed[name] = s.completed[k];
    mix[name] = g.config().mix[k];
  }
  return nlohmann::json{
      {"clients", g.config().clients},
      {"offered_rate", run.offered_rate},
      {"window", run.window},
      {"mix", mix},
      {"duration_s", run.duration_s},
      {"transactions", s.transactions()},
      {"tps", PerSecond(s.transactions(), run.duration_s)},
      {"dora_per_s", PerSecond(s.completed[static_cast<size_t>(TxKind::kDora)], run.duration_s)},
      {"exchanges", s.exchanges},
      {"latency_us",
       {{"p50", Us(h.Percentile(0.50))},
        {"p99", Us(h.Percentile(0.99))},
        {"p999", Us(h.Percentile(0.999))},
        {"max", Us(h.max())},
        {"samples", h.count()}}},
      {"timeouts", s.timeouts},
      {"naks", s.naks},
      {"invalid", invalid},
      {"invalid_total", s.invalid_total()},
      {"duplicates", s.duplicates()},
      {"late_replies", s.late_replies},
      {"retransmits", s.retransmits},
      {"started", started},
      {"completed", completed},
      {"bound", g.bound_clients()},
      {"frames_sent", s.frames_sent},
      {"frames_received", s.frames_received},
      {"other_frames", s.other_frames},
  };
}

std::string FinalText(const Generator& g, const RunInfo& run) {
  const Stats& s = g.stats();
  const Histogram& h = g.latency();
  std::string out = absl::StrFormat(
      "dhcpgen: %u clients, %.3f s, offered %s, window %u\n"
      "dhcpgen: transactions %u (%.0f/s), DORA %u (%.0f/s), bound at the end %u\n",
      g.config().clients, run.duration_s,
      run.offered_rate > 0 ? absl::StrFormat("%.0f/s", run.offered_rate) : "flat out",
      run.window, s.transactions(), PerSecond(s.transactions(), run.duration_s),
      s.completed[static_cast<size_t>(TxKind::kDora)],
      PerSecond(s.completed[static_cast<size_t>(TxKind::kDora)], run.duration_s),
      g.bound_clients());
  for (size_t k = 0; k < kTxKinds; ++k) {
    if (s.started[k] == 0) continue;
    out += absl::StrFormat("dhcpgen:   %-8s started %u completed %u\n",
                           TxKindName(static_cast<TxKind>(k)), s.started[k], s.completed[k]);
  }
  out += absl::StrFormat(
      "dhcpgen: latency per exchange (%u): p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n"
      "dhcpgen: frames sent %u received %u (other %u), retransmits %u, late replies %u\n"
      "dhcpgen: timeouts %u, naks %u, invalid %u, duplicates %u\n",
      h.count(), Us(h.Percentile(0.50)), Us(h.Percentile(0.99)), Us(h.Percentile(0.999)),
      Us(h.max()), s.frames_sent, s.frames_received, s.other_frames, s.retransmits,
      s.late_replies, s.timeouts, s.naks, s.invalid_total(), s.duplicates());
  for (size_t r = 0; r < kInvalidReasons; ++r) {
    if (s.invalid[r] == 0) continue;
    out += absl::StrFormat("dhcpgen:   invalid %s %u (%s)\n",
                           InvalidReasonKey(static_cast<InvalidReason>(r)), s.invalid[r],
                           InvalidReasonText(static_cast<InvalidReason>(r)));
  }
  return out;
}

}  // namespace dpdhcp::dhcpgen
