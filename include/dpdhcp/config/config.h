// The server configuration: Kea-shaped JSON ("Dhcp4" object) validated into
// an immutable snapshot.
//
// ParseConfig builds a complete new Config and returns it only when every rule
// holds, so a bad file never yields a partly applied configuration; a reload
// swaps the shared_ptr. A Config is never modified after ParseConfig returns:
// every thread may read it, and call the Find* lookups, without locks. The
// lookups do no allocation and are meant for the fast path.
//
// Errors are absl::InvalidArgumentError whose text starts with the JSON path
// of the offending value, e.g.
//   Dhcp4.subnet4[2].pools[0]: range 198.18.1.10-198.18.0.5 is reversed
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/config/option_data.h"

namespace dpdhcp::config {

// Kea's defaults (kea-dhcp4 ARM), used when the JSON leaves a value out.
inline constexpr uint32_t kDefaultValidLifetime = 7200;
inline constexpr uint32_t kDefaultDeclineProbationPeriod = 86400;
inline constexpr uint32_t kDefaultOfferLifetime = 60;
inline constexpr std::string_view kDefaultLeaseDatabaseName = "/var/lib/dpdhcp";
// Lease journal snapshots (Kea's name for its lease file cleanup, LFC): every
// lfc-interval seconds, and once lfc-max-journal-mb MiB of records were
// written since the last one (docs/journal.md).
inline constexpr uint32_t kDefaultLfcInterval = 3600;
inline constexpr uint32_t kDefaultLfcMaxJournalMb = 256;
// Nesting deeper than this is refused before the JSON parser sees it; real
// configs nest about 8 levels (user-context may add a few).
inline constexpr int kMaxJsonDepth = 64;

// How a host reservation names its client (manual allocation).
enum class ReservationKey : uint8_t {
  kHwAddress,  // chaddr (RFC 2131 §2), "hw-address"
  kClientId,   // option 61 value (RFC 2132 §9.14), "client-id"
  kCircuitId,  // option 82 sub-option 1 value (RFC 3046 §3.1), "circuit-id"
};
inline constexpr size_t kNumReservationKeys = 3;

struct Reservation {
  ReservationKey key = ReservationKey::kHwAddress;
  std::vector<uint8_t> identifier;
  base::Ipv4Address address;  // zero: an options-only reservation
  std::string hostname;       // empty: none
  OptionSet options;
};

// An inclusive address range. Pools never overlap one another (in any subnet).
struct Pool {
  base::Ipv4Address first, last;
  OptionSet options;
  uint64_t size() const { return uint64_t{last.value()} - first.value() + 1; }
  bool Contains(base::Ipv4Address a) const { return first <= a && a <= last; }
};

struct Subnet {
  uint32_t id = 0;
  size_t index = 0;  // 0..n-1 in config order, for dense per-subnet arrays
  base::Ipv4Prefix prefix;
  std::string interface;  // empty: not tied to an interface (relayed)
  std::vector<base::Ipv4Address> relay_addresses;
  std::vector<Pool> pools;
  OptionSet options;
  // Resolved: the subnet's value, else the global one, else the default
  // (renew 50 %, rebind 87.5 % of valid: RFC 2131 §4.4.5). Infinite
  // (base::kInfiniteLifetime) valid-lifetime means automatic allocation.
  uint32_t valid_lifetime = 0, renew_timer = 0, rebind_timer = 0;
  bool authoritative = false, match_client_id = true;  // resolved likewise
  std::vector<Reservation> reservations;

  // Fast-path lookups, nullptr when there is none. Built by BuildLookups.
  const Reservation* FindReservation(ReservationKey key, base::ByteSpan identifier) const;
  const Reservation* FindReservationByAddress(base::Ipv4Address a) const;
  const Pool* FindPool(base::Ipv4Address a) const;

  // Builds the lookup tables from the fields above. ParseConfig calls it; code
  // that assembles a Subnet by hand (tests) calls it after filling the fields.
  // Assumes the validation ParseConfig does (no duplicates, disjoint pools).
  void BuildLookups();

 private:
  struct PoolSpan {
    uint32_t first, last, pool;
  };
  std::array<absl::flat_hash_map<std::string, uint32_t>, kNumReservationKeys> by_identifier_;
  absl::flat_hash_map<uint32_t, uint32_t> by_address_;
  std::vector<PoolSpan> pools_by_address_;  // sorted by first
};

struct Interface {
  std::string name;
  std::string port;           // DPDK device name, e.g. "net_af_packet0" or "0000:03:00.0"
  base::Ipv4Address address;  // the server's own address on this interface
  base::Ipv4Prefix prefix;    // the connected prefix ("198.18.0.1/24" -> 198.18.0.0/24)
  std::optional<uint16_t> vlan, outer_vlan;  // 802.1Q C-tag; 802.1ad S-tag (QinQ)
  std::optional<base::MacAddress> mac;       // default: the port's own MAC
};

enum class Durability : uint8_t {
  kStrict,   // an ACK leaves only once its lease record is durable
  kRelaxed,  // may lose the last group-commit window on a crash
};

struct Config {
  std::vector<Interface> interfaces;
  std::vector<Subnet> subnets;
  OptionSet options;  // global option-data
  uint32_t valid_lifetime = kDefaultValidLifetime;
  uint32_t decline_probation_period = kDefaultDeclineProbationPeriod;
  uint32_t offer_lifetime = kDefaultOfferLifetime;
  bool authoritative = false, match_client_id = true;
  std::string control_socket;  // unix socket path; empty: no control socket
  // "journal" (durable, DESIGN §6) or "memory" (no journal: leases are lost
  // at restart; for benchmarks and throw-away labs).
  std::string lease_database_type = "journal";
  std::string lease_database_name = std::string(kDefaultLeaseDatabaseName);  // a directory
  Durability durability = Durability::kStrict;
  uint32_t lfc_interval = kDefaultLfcInterval;          // seconds; 0: no periodic snapshot
  uint32_t lfc_max_journal_mb = kDefaultLfcMaxJournalMb;  // 0: no size trigger
  std::string source_json;  // the text it was parsed from (config-get)

  // Fast-path lookups, nullptr when there is none. Built by BuildLookups.
  const Subnet* FindSubnetById(uint32_t id) const;
  // The most specific subnet whose prefix contains the address.
  const Subnet* FindSubnetContaining(base::Ipv4Address a) const;
  // RFC 2131 §4.3.1: a relayed request is served from the subnet of giaddr. A
  // subnet that lists giaddr in relay.ip-addresses wins, else the one that
  // contains giaddr.
  const Subnet* FindSubnetForRelay(base::Ipv4Address giaddr) const;
  const Interface* FindInterface(std::string_view name) const;
  // Directly attached clients: the first subnet naming the interface, else the
  // one containing the interface's address.
  const Subnet* FindSubnetForInterface(size_t interface_index) const;

  // Builds the lookup tables of the config and of every subnet (see
  // Subnet::BuildLookups).
  void BuildLookups();

 private:
  absl::flat_hash_map<uint32_t, uint32_t> by_id_;
  absl::flat_hash_map<uint32_t, uint32_t> by_relay_;
  // Key: prefix length << 32 | network; probed longest length first.
  absl::flat_hash_map<uint64_t, uint32_t> by_prefix_;
  std::vector<uint8_t> prefix_lengths_;  // distinct, descending
  absl::flat_hash_map<std::string, uint32_t> interface_by_name_;
  std::vector<uint32_t> subnet_for_interface_;  // by interface index; kNoSubnet: none
  static constexpr uint32_t kNoSubnet = ~uint32_t{0};
};

// Parses and validates a whole config. Never throws.
absl::StatusOr<std::shared_ptr<const Config>> ParseConfig(std::string_view json_text);
// Reads the file and parses it; every error starts with the file path.
absl::StatusOr<std::shared_ptr<const Config>> LoadConfigFile(const std::string& path);

}  // namespace dpdhcp::config
