// Kea memfile lease files (kea-leases4.csv), so that operators can migrate to
// dpdhcp and back (DESIGN §6). Slow path.
//
// Format: a header line naming the columns, then one lease per line:
//   address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,
//   fqdn_rev,hostname,state,user_context
// hwaddr and client_id are colon-separated hex; expire is Unix seconds
// (cltt + valid_lifetime, also for an infinite lifetime of 4294967295);
// state 0 is an assigned lease, 1 declined, 2 expired-reclaimed. Kea
// escapes commas inside hostname and user_context, so fields split on ','.
//
// Kea appends a lease again each time it changes and never rewrites the file
// in place (its LFC process compacts it): the last line of an address wins,
// and a line with valid_lifetime 0 deletes the address's lease, as Kea's own
// loader does.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"

namespace dpdhcp::journal {

inline constexpr std::string_view kKeaLease4Header =
    "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,"
    "user_context";

struct KeaImportStats {
  uint64_t lines = 0;               // lease lines read (header and blank lines not counted)
  uint64_t superseded = 0;          // lines replaced by a later line of the same address
  uint64_t deleted = 0;             // leases removed by a valid_lifetime 0 line
  uint64_t duplicate_clients = 0;   // older leases of a client that has a newer one elsewhere
};

struct KeaImport {
  // One lease per address and per client: state 0 -> kBound, 1 -> kDeclined,
  // 2 -> kExpired (an affinity hint). The key is ClientKey::FromClientId of
  // client_id when there is one, else the hardware key (htype 1, Ethernet, as
  // Kea assumes) of hwaddr; a declined lease gets the quarantine key the
  // engine gives one (hardware type 0 and the address, RFC 2131 §4.3.3), as
  // Kea clears a declined lease's identifiers.
  std::vector<lease::Lease> leases;
  KeaImportStats stats;
};

// Reads a whole file. Errors name source_name and the line number. Columns
// are found by their header names (older Kea files lack state and
// user_context; newer ones may add columns, which are ignored).
absl::StatusOr<KeaImport> ImportKeaCsv(std::istream& in,
                                       std::string_view source_name = "kea-leases4.csv");

struct KeaExportOptions {
  // Also write released and expired affinity hints, as Kea state 2.
  bool include_affinity_hints = false;
};

// One CSV line (no newline) for a lease, or nullopt for a record Kea would
// not hold (offered, free; hints unless asked for). A client-id longer than
// ClientKey keeps whole is written empty (only its hash is known).
std::optional<std::string> FormatKeaLease4Line(const lease::Lease& lease,
                                               const KeaExportOptions& options = {});

// Writes the header and every lease of the store (read with the lock-free
// reader API, so workers may run; a record changing during the walk appears
// in one of its states). Returns the number of lease lines.
absl::StatusOr<uint64_t> ExportKeaCsv(const lease::LeaseStore& leases, std::ostream& out,
                                      const KeaExportOptions& options = {});

}  // namespace dpdhcp::journal
