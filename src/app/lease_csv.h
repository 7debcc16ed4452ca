// The lease dump of dpdhcpd (--lease-dump): Kea's memfile CSV, the format of
// kea-leases4.csv, so that operators can load it into Kea or read it with
// their Kea tooling. Slow path (written at shutdown).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"

namespace dpdhcp::app {

inline constexpr std::string_view kKeaLease4CsvHeader =
    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,"
    "user_context";

// One CSV line (no newline) for a bound (Kea state 0) or declined (state 1)
// record; nullopt for offered, released, expired and free records, which are
// not leases. hwaddr is the kept chaddr bytes as aa:bb:..; client_id the
// option 61 value as hex bytes with colons, empty for a hardware key and for
// a long client-id of which only a prefix and a hash are kept; expire is Unix
// seconds (cltt + 4294967295 for an infinite lease, as Kea writes it);
// fqdn_fwd and fqdn_rev 0; hostname and user_context empty.
std::optional<std::string> FormatKeaLease4Line(const lease::Lease& lease);

// Writes the header and every lease of every shard to `path` (through a
// temporary file renamed into place). Call with the workers stopped, or
// accept a snapshot that may miss records changed during the walk. Returns
// the number of lease lines written.
absl::StatusOr<size_t> WriteKeaLease4File(const std::string& path, const lease::LeaseStore& leases);

}  // namespace dpdhcp::app
