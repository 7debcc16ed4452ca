// The Dhcp4 object: global parameters, interfaces, control socket and lease
// database; subnets are in parse_subnet.cc, option-data in parse_options.cc.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>

#include "absl/container/flat_hash_map.h"
#include "dpdhcp/base/time.h"
#include "dpdhcp/config/config.h"
#include "json_reader.h"
#include "parse_internal.h"
#include "text_util.h"

namespace dpdhcp::config {
namespace internal {
namespace {

constexpr uint32_t kMaxU32 = 0xffffffffu;
constexpr std::string_view kDhcp4 = "Dhcp4";
// A generous bound (a million reservations fit) that keeps a wrong path, such
// as a lease file, from being slurped whole.
constexpr uint64_t kMaxConfigFileSize = uint64_t{256} << 20;

std::string DescribeLifetime(uint32_t v) {
  return v == base::kInfiniteLifetime ? Cat(v, " (infinite)") : Cat(v);
}

// a < b, except that two infinite values are in order: an infinite lease
// keeps infinite timers (the client never renews).
bool InOrder(uint32_t a, uint32_t b) {
  return a < b || (a == base::kInfiniteLifetime && b == base::kInfiniteLifetime);
}

// "198.18.0.1/24": the server's address and the connected prefix length.
absl::Status ParseInterfaceAddress(std::string_view text, std::string_view path, Interface& out) {
  const size_t slash = text.find('/');
  const auto address = base::Ipv4Address::Parse(text.substr(0, slash));
  unsigned len = 0;
  bool len_ok = false;
  if (slash != std::string_view::npos) {
    const std::string_view len_text = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    len_ok = !len_text.empty() && ec == std::errc() && end == len_text.data() + len_text.size() &&
             len >= 1 && len <= 32;
  }
  if (!address || !len_ok) {
    return PathError(path, Cat("\"", text, "\" is not an address with a prefix length (",
                               "e.g. \"198.18.0.1/24\")"));
  }
  const base::Ipv4Prefix prefix(*address, static_cast<uint8_t>(len));
  if (address->IsZero() || address->IsBroadcast() ||
      (len <= 30 && (*address == prefix.network() || *address == prefix.broadcast()))) {
    return PathError(path,
                     Cat(address->ToString(), " is not a host address in ", prefix.ToString()));
  }
  out.address = *address;
  out.prefix = prefix;
  return absl::OkStatus();
}

absl::Status ParseInterfaces(const ObjectReader& dhcp4, Config& config) {
  const Json* ic = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4.GetObject("interfaces-config", &ic));
  if (ic == nullptr) return absl::OkStatus();
  auto reader = ObjectReader::Open(*ic, dhcp4.PathOf("interfaces-config"), {"interfaces"});
  if (!reader.ok()) return reader.status();
  const Json* list = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(reader->GetArray("interfaces", &list));
  if (list == nullptr) return absl::OkStatus();

  absl::flat_hash_map<std::string, size_t> by_name;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = IndexPath(reader->PathOf("interfaces"), i);
    if ((*list)[i].is_string()) {
      // Kea names kernel interfaces ("eth0"); a kernel-bypass server needs the
      // DPDK port and the address it answers from.
      return PathError(path,
                       "an interface is an object here, e.g. {\"name\": \"lab0\", "
                       "\"port\": \"net_af_packet0\", \"address\": \"198.18.0.1/24\"}");
    }
    auto r = ObjectReader::Open((*list)[i], path,
                                {"name", "port", "address", "vlan", "outer-vlan", "mac"});
    if (!r.ok()) return r.status();
    Interface itf;
    DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString("name", &itf.name));
    if (itf.name.empty()) return PathError(r->PathOf("name"), "must not be empty");
    if (const auto [it, added] = by_name.emplace(itf.name, i); !added) {
      return PathError(r->PathOf("name"), Cat("interface \"", itf.name, "\" is already defined at ",
                                              IndexPath(reader->PathOf("interfaces"), it->second)));
    }
    DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString("port", &itf.port));
    if (itf.port.empty()) return PathError(r->PathOf("port"), "must name a DPDK port");
    std::string address;
    DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString("address", &address));
    DPDHCP_CONFIG_RETURN_IF_ERROR(ParseInterfaceAddress(address, r->PathOf("address"), itf));

    // IEEE 802.1Q: VLAN ids 0 and 4095 are reserved.
    std::optional<uint32_t> vlan, outer;
    DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetUint32("vlan", 1, 4094, &vlan));
    DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetUint32("outer-vlan", 1, 4094, &outer));
    if (outer && !vlan) {
      return PathError(r->PathOf("outer-vlan"), "needs \"vlan\" (the inner tag of QinQ)");
    }
    if (vlan) itf.vlan = static_cast<uint16_t>(*vlan);
    if (outer) itf.outer_vlan = static_cast<uint16_t>(*outer);

    std::optional<std::string> mac;
    DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("mac", &mac));
    if (mac) {
      itf.mac = base::MacAddress::Parse(*mac);
      if (!itf.mac) {
        return PathError(r->PathOf("mac"), Cat("\"", *mac, "\" is not a MAC address"));
      }
      if (itf.mac->IsMulticast()) {
        return PathError(r->PathOf("mac"), Cat(*mac, " is not a unicast MAC address"));
      }
    }
    // Two interfaces on one port need different VLAN tags, or a frame could
    // not be told apart.
    for (size_t j = 0; j < config.interfaces.size(); ++j) {
      const Interface& o = config.interfaces[j];
      if (o.port == itf.port && o.vlan == itf.vlan && o.outer_vlan == itf.outer_vlan) {
        return PathError(path, Cat("same port \"", itf.port, "\" and VLAN tags as ",
                                   IndexPath(reader->PathOf("interfaces"), j), " (", o.name, ")"));
      }
    }
    config.interfaces.push_back(std::move(itf));
  }
  return absl::OkStatus();
}

absl::Status ParseControlSocket(const ObjectReader& dhcp4, Config& config) {
  const Json* cs = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4.GetObject("control-socket", &cs));
  if (cs == nullptr) return absl::OkStatus();
  auto r = ObjectReader::Open(*cs, dhcp4.PathOf("control-socket"), {"socket-type", "socket-name"});
  if (!r.ok()) return r.status();
  std::string type;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString("socket-type", &type));
  if (type != "unix") {
    return PathError(r->PathOf("socket-type"),
                     Cat("\"", type, "\" is not supported (only \"unix\")"));
  }
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString("socket-name", &config.control_socket));
  if (config.control_socket.empty()) {
    return PathError(r->PathOf("socket-name"), "must be a socket path");
  }
  return absl::OkStatus();
}

absl::Status ParseLeaseDatabase(const ObjectReader& dhcp4, Config& config) {
  const Json* db = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4.GetObject("lease-database", &db));
  if (db == nullptr) return absl::OkStatus();
  auto r = ObjectReader::Open(*db, dhcp4.PathOf("lease-database"),
                              {"type", "name", "durability", "lfc-interval", "lfc-max-journal-mb"});
  if (!r.ok()) return r.status();
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString("type", &config.lease_database_type));
  if (config.lease_database_type != "journal" && config.lease_database_type != "memory") {
    return PathError(r->PathOf("type"),
                     Cat("\"", config.lease_database_type,
                         "\" is not supported (\"journal\", or \"memory\" for no persistence)"));
  }
  std::optional<uint32_t> lfc;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetUint32("lfc-interval", 0, 0xffffffffu, &lfc));
  if (lfc) config.lfc_interval = *lfc;
  std::optional<uint32_t> lfc_mb;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetUint32("lfc-max-journal-mb", 0, 1u << 20, &lfc_mb));
  if (lfc_mb) config.lfc_max_journal_mb = *lfc_mb;
  std::optional<std::string> name;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("name", &name));
  if (name) {
    if (name->empty()) return PathError(r->PathOf("name"), "must be a directory path");
    config.lease_database_name = *name;
  }
  std::optional<std::string> durability;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("durability", &durability));
  if (durability) {
    if (*durability == "strict") {
      config.durability = Durability::kStrict;
    } else if (*durability == "relaxed") {
      config.durability = Durability::kRelaxed;
    } else {
      return PathError(r->PathOf("durability"),
                       Cat("\"", *durability, "\" is not \"strict\" or \"relaxed\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Config>> ParseConfigOrThrow(std::string_view json_text) {
  auto root = ParseJsonText(json_text);
  if (!root.ok()) return root.status();
  if (!root->is_object()) {
    return PathError("", Cat("expected an object with \"Dhcp4\", got ", JsonTypeName(*root)));
  }
  for (const auto& [key, unused] : root->items()) {
    if (key != kDhcp4 && key != "comment" && key != "user-context") {
      return PathError(key, "unexpected top-level key; only \"Dhcp4\" is configured here");
    }
  }
  const auto dhcp4_it = root->find(kDhcp4);
  if (dhcp4_it == root->end()) return PathError("", "\"Dhcp4\" is required");

  auto dhcp4 = ObjectReader::Open(
      *dhcp4_it, std::string(kDhcp4),
      {"interfaces-config", "authoritative", "valid-lifetime", "renew-timer", "rebind-timer",
       "decline-probation-period", "offer-lifetime", "match-client-id", "control-socket",
       "lease-database", "option-data", "subnet4"});
  if (!dhcp4.ok()) return dhcp4.status();

  auto config = std::make_shared<Config>();
  ScopeParameters global;
  DPDHCP_CONFIG_RETURN_IF_ERROR(ReadTimerKeys(*dhcp4, global));
  std::optional<bool> flag;
  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4->GetBool("authoritative", &flag));
  global.authoritative = flag.value_or(false);
  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4->GetBool("match-client-id", &flag));
  global.match_client_id = flag.value_or(true);
  auto timers = ResolveTimers(dhcp4->path(), ScopeParameters{}, global);
  if (!timers.ok()) return timers.status();

  config->valid_lifetime = timers->valid;
  config->authoritative = global.authoritative;
  config->match_client_id = global.match_client_id;
  std::optional<uint32_t> value;
  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4->GetUint32("decline-probation-period", 0, kMaxU32, &value));
  config->decline_probation_period = value.value_or(kDefaultDeclineProbationPeriod);
  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4->GetUint32("offer-lifetime", 0, kMaxU32, &value));
  config->offer_lifetime = value.value_or(kDefaultOfferLifetime);

  DPDHCP_CONFIG_RETURN_IF_ERROR(ParseInterfaces(*dhcp4, *config));
  DPDHCP_CONFIG_RETURN_IF_ERROR(ParseControlSocket(*dhcp4, *config));
  DPDHCP_CONFIG_RETURN_IF_ERROR(ParseLeaseDatabase(*dhcp4, *config));

  const Json* list = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4->GetArray("option-data", &list));
  auto options = ParseOptionList(list, dhcp4->PathOf("option-data"));
  if (!options.ok()) return options.status();
  config->options = std::move(*options);

  DPDHCP_CONFIG_RETURN_IF_ERROR(dhcp4->GetArray("subnet4", &list));
  DPDHCP_CONFIG_RETURN_IF_ERROR(ParseSubnets(list, dhcp4->PathOf("subnet4"), global, *config));

  config->source_json = std::string(json_text);
  config->BuildLookups();
  return std::shared_ptr<const Config>(std::move(config));
}

}  // namespace

// Lifetimes: 0 means nothing useful for any of them, 0xffffffff is infinity
// (RFC 2131 §3.3).
absl::Status ReadTimerKeys(const ObjectReader& r, ScopeParameters& p) {
  DPDHCP_CONFIG_RETURN_IF_ERROR(r.GetUint32("valid-lifetime", 1, kMaxU32, &p.valid_lifetime));
  DPDHCP_CONFIG_RETURN_IF_ERROR(r.GetUint32("renew-timer", 1, kMaxU32, &p.renew_timer));
  DPDHCP_CONFIG_RETURN_IF_ERROR(r.GetUint32("rebind-timer", 1, kMaxU32, &p.rebind_timer));
  return absl::OkStatus();
}

absl::StatusOr<Timers> ResolveTimers(std::string_view path, const ScopeParameters& own,
                                     const ScopeParameters& global) {
  struct Resolved {
    uint32_t value;
    std::string origin;
  };
  auto pick = [&](const std::optional<uint32_t>& mine, const std::optional<uint32_t>& inherited,
                  std::string_view key) -> std::optional<Resolved> {
    if (mine) return Resolved{*mine, ChildPath(path, key)};
    if (inherited) return Resolved{*inherited, ChildPath(kDhcp4, key)};
    return std::nullopt;
  };
  const Resolved valid = pick(own.valid_lifetime, global.valid_lifetime, "valid-lifetime")
                             .value_or(Resolved{kDefaultValidLifetime, "the default"});
  const bool infinite = valid.value == base::kInfiniteLifetime;
  // RFC 2131 §4.4.5: T1 defaults to 0.5 and T2 to 0.875 of the lease time.
  const Resolved renew =
      pick(own.renew_timer, global.renew_timer, "renew-timer")
          .value_or(Resolved{infinite ? base::kInfiniteLifetime : valid.value / 2,
                             "50% of valid-lifetime"});
  const Resolved rebind =
      pick(own.rebind_timer, global.rebind_timer, "rebind-timer")
          .value_or(Resolved{infinite ? base::kInfiniteLifetime
                                      : static_cast<uint32_t>(uint64_t{valid.value} * 7 / 8),
                             "87.5% of valid-lifetime"});
  if (!InOrder(renew.value, rebind.value)) {
    return PathError(path, Cat("renew-timer ", DescribeLifetime(renew.value), " (", renew.origin,
                               ") must be less than rebind-timer ", DescribeLifetime(rebind.value),
                               " (", rebind.origin, ")"));
  }
  if (!InOrder(rebind.value, valid.value)) {
    return PathError(path, Cat("rebind-timer ", DescribeLifetime(rebind.value), " (", rebind.origin,
                               ") must be less than valid-lifetime ", DescribeLifetime(valid.value),
                               " (", valid.origin, ")"));
  }
  return Timers{valid.value, renew.value, rebind.value};
}

}  // namespace internal

using internal::Cat;

absl::StatusOr<std::shared_ptr<const Config>> ParseConfig(std::string_view json_text) {
  // Nothing below should throw (types are checked before every get), but a
  // parser must never let an exception out: catch at the boundary.
  try {
    return internal::ParseConfigOrThrow(json_text);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(Cat("config rejected: ", e.what()));
  }
}

absl::StatusOr<std::shared_ptr<const Config>> LoadConfigFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const std::string message = Cat(path, ": cannot open: ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::PermissionDeniedError(message);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(Cat(path, ": not a regular file"));
  }
  if (static_cast<uint64_t>(st.st_size) > internal::kMaxConfigFileSize) {
    ::close(fd);
    return absl::InvalidArgumentError(
        Cat(path, ": ", st.st_size, " bytes; a config is at most ", internal::kMaxConfigFileSize));
  }
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return absl::DataLossError(Cat(path, ": read failed: ", std::strerror(err)));
    }
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > internal::kMaxConfigFileSize) {
      ::close(fd);
      return absl::InvalidArgumentError(
          Cat(path, ": larger than ", internal::kMaxConfigFileSize, " bytes"));
    }
  }
  ::close(fd);
  auto config = ParseConfig(text);
  if (!config.ok()) {
    return absl::Status(config.status().code(), Cat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace dpdhcp::config
