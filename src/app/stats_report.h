// How dpdhcpd prints its counters: at shutdown every non-zero counter, drop
// reason and subnet gauge, one per line ("worker <scope> <name> <value>", the
// scope a worker number or "total"), so a
// script can grep them), and with --stats-interval a one-line rate summary.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dpdhcp/config/config.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::app {

// "worker <scope> pkt4-received 12", ..., "worker <scope> drop-no-interface 3",
// ..., "worker <scope> subnet[1].assigned-addresses 2": Kea's names, zeros
// left out. Subnet gauges are printed only when `config` is given (they are
// meaningful summed over workers, not per worker).
std::vector<std::string> CounterLines(std::string_view scope, const stats::CounterTotals& totals,
                                      const config::Config* config);

// "rates over 5.0 s: rx 1200.0/s, dhcp 1000.0/s, ..." from two snapshots
// taken `seconds` apart.
std::string RateLine(const stats::CounterTotals& before, const stats::CounterTotals& after,
                     double seconds);

}  // namespace dpdhcp::app
