#include "stats_report.h"

#include "absl/strings/str_format.h"

namespace dpdhcp::app {

using stats::Counter;

std::vector<std::string> CounterLines(std::string_view scope, const stats::CounterTotals& t,
                                      const config::Config* config) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < stats::kNumCounters; ++i) {
    const auto c = static_cast<Counter>(i);
    if (t.Get(c) != 0) {
      lines.push_back(absl::StrFormat("worker %s %s %u", scope, stats::CounterName(c), t.Get(c)));
    }
  }
  for (size_t i = 1; i < base::kNumDropReasons; ++i) {
    const auto r = static_cast<base::DropReason>(i);
    if (t.GetDrop(r) != 0) {
      lines.push_back(
          absl::StrFormat("worker %s %s %u", scope, base::DropReasonName(r), t.GetDrop(r)));
    }
  }
  if (config == nullptr) return lines;
  for (const config::Subnet& s : config->subnets) {
    if (s.index >= t.subnets.size()) continue;
    for (size_t i = 0; i < stats::kNumSubnetCounters; ++i) {
      const int64_t v = t.subnets[s.index][i];
      if (v != 0) {
        lines.push_back(
            absl::StrFormat("worker %s subnet[%u].%s %d", scope, s.id,
                            stats::SubnetCounterName(static_cast<stats::SubnetCounter>(i)), v));
      }
    }
  }
  return lines;
}

std::string RateLine(const stats::CounterTotals& before, const stats::CounterTotals& after,
                     double seconds) {
  if (seconds <= 0) seconds = 1;
  auto rate = [&](Counter c) {
    return static_cast<double>(after.Get(c) - before.Get(c)) / seconds;
  };
  return absl::StrFormat(
      "rates over %.1f s: rx %.1f/s, dhcp %.1f/s, discover %.1f/s, request %.1f/s, offer %.1f/s, "
      "ack %.1f/s, nak %.1f/s, tx %.1f/s, steered %.1f/s, dropped %.1f/s",
      seconds, rate(Counter::kFramesReceived), rate(Counter::kPktReceived),
      rate(Counter::kPktDiscoverReceived), rate(Counter::kPktRequestReceived),
      rate(Counter::kPktOfferSent), rate(Counter::kPktAckSent), rate(Counter::kPktNakSent),
      rate(Counter::kFramesSent), rate(Counter::kFramesSteered), rate(Counter::kPktReceiveDrop));
}

}  // namespace dpdhcp::app
