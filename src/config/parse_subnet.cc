// "subnet4": subnets, pools and host reservations, and the rules that hold
// across them (unique ids, disjoint subnets and pools, one relay address per
// subnet).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "dpdhcp/base/mac_address.h"
#include "json_reader.h"
#include "parse_internal.h"
#include "text_util.h"

namespace dpdhcp::config::internal {
namespace {

using base::Ipv4Address;
using base::Ipv4Prefix;

std::string RangeText(Ipv4Address first, Ipv4Address last) {
  return Cat(first.ToString(), "-", last.ToString());
}

// "198.18.0.100 - 198.18.0.199" (spaces optional) or "198.18.0.0/26".
absl::StatusOr<Pool> ParsePoolText(std::string_view text, const std::string& path) {
  Pool pool;
  if (text.find('/') != std::string_view::npos) {
    const auto prefix = Ipv4Prefix::Parse(Trim(text));
    if (!prefix) {
      return PathError(path,
                       Cat("\"", text, "\" is not a prefix (a.b.c.d/len with no host bits set)"));
    }
    pool.first = prefix->network();
    pool.last = prefix->broadcast();
    return pool;
  }
  const size_t dash = text.find('-');
  const auto first = base::Ipv4Address::Parse(Trim(text.substr(0, dash)));
  const auto last = dash == std::string_view::npos
                        ? std::nullopt
                        : Ipv4Address::Parse(Trim(text.substr(dash + 1)));
  if (!first || !last) {
    return PathError(path, Cat("\"", text, "\" is not \"first - last\" or a prefix"));
  }
  if (*last < *first) {
    return PathError(path, Cat("range ", RangeText(*first, *last), " is reversed"));
  }
  pool.first = *first;
  pool.last = *last;
  return pool;
}

absl::StatusOr<Pool> ParsePool(const Json& entry, const std::string& path, const Subnet& subnet) {
  auto r = ObjectReader::Open(entry, path, {"pool", "option-data"});
  if (!r.ok()) return r.status();
  std::string text;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString("pool", &text));
  // Errors name the pool entry (Dhcp4.subnet4[2].pools[0]), as the pool
  // string is the entry's whole point.
  auto pool = ParsePoolText(text, path);
  if (!pool.ok()) return pool.status();
  if (!subnet.prefix.Contains(pool->first) || !subnet.prefix.Contains(pool->last)) {
    return PathError(path, Cat("pool ", RangeText(pool->first, pool->last), " is outside subnet ",
                               subnet.prefix.ToString()));
  }
  const Json* options = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetArray("option-data", &options));
  auto set = ParseOptionList(options, r->PathOf("option-data"));
  if (!set.ok()) return set.status();
  pool->options = std::move(*set);
  return pool;
}

struct IdentifierKind {
  std::string_view json_key;
  ReservationKey key;
  size_t min_length, max_length;
  bool text_allowed;  // 'quoted text' as well as hex (Kea's syntax)
};

// Length limits: chaddr is 16 octets (RFC 2131 §2); a client identifier has at
// least 2 (RFC 2132 §9.14); option lengths stop at 255.
constexpr IdentifierKind kIdentifierKinds[] = {
    {"hw-address", ReservationKey::kHwAddress, 1, 16, false},
    {"client-id", ReservationKey::kClientId, 2, 255, true},
    {"circuit-id", ReservationKey::kCircuitId, 1, 255, true},
};

absl::StatusOr<std::vector<uint8_t>> ParseIdentifier(const IdentifierKind& kind,
                                                     std::string_view text,
                                                     const std::string& path) {
  std::vector<uint8_t> bytes;
  if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') {
    if (!kind.text_allowed) return PathError(path, "must be hex, not quoted text");
    bytes.assign(text.begin() + 1, text.end() - 1);
  } else {
    auto hex = ParseHex(text);
    if (!hex) {
      return PathError(
          path, Cat("\"", text, "\" is not hex", kind.text_allowed ? " or 'quoted text'" : ""));
    }
    bytes = std::move(*hex);
  }
  if (bytes.size() < kind.min_length || bytes.size() > kind.max_length) {
    return PathError(path, Cat("is ", bytes.size(), " bytes; ", kind.json_key, " takes ",
                               kind.min_length, " to ", kind.max_length));
  }
  return bytes;
}

// Letters, digits, '-', '_', dot-separated labels of 1..63 (RFC 1035 §2.3.4).
bool IsValidHostname(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.back() == '.') name.remove_suffix(1);
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (absl::ascii_isalnum(c) || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

absl::StatusOr<Reservation> ParseReservation(const Json& entry, const std::string& path,
                                             const Subnet& subnet, const Config& config) {
  auto r = ObjectReader::Open(
      entry, path,
      {"hw-address", "client-id", "circuit-id", "ip-address", "hostname", "option-data"});
  if (!r.ok()) return r.status();
  Reservation res;
  const IdentifierKind* kind = nullptr;
  for (const IdentifierKind& k : kIdentifierKinds) {
    if (!r->Has(k.json_key)) continue;
    if (kind != nullptr) {
      return PathError(path, Cat("has both \"", kind->json_key, "\" and \"", k.json_key,
                                 "\"; a reservation has one identifier"));
    }
    kind = &k;
  }
  if (kind == nullptr) {
    return PathError(path, "needs an identifier: \"hw-address\", \"client-id\" or \"circuit-id\"");
  }
  std::string text;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString(kind->json_key, &text));
  auto id = ParseIdentifier(*kind, text, r->PathOf(kind->json_key));
  if (!id.ok()) return id.status();
  res.key = kind->key;
  res.identifier = std::move(*id);

  std::optional<std::string> address;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("ip-address", &address));
  if (address) {
    const std::string apath = r->PathOf("ip-address");
    const auto a = Ipv4Address::Parse(*address);
    if (!a || a->IsZero()) {
      return PathError(apath, Cat("\"", *address, "\" is not an IPv4 address"));
    }
    // A reservation may lie outside the pools (Kea's out-of-pool
    // reservation) but never outside its subnet.
    if (!subnet.prefix.Contains(*a)) {
      return PathError(apath, Cat(a->ToString(), " is outside subnet ", subnet.prefix.ToString()));
    }
    if (subnet.prefix.length() <= 30 &&
        (*a == subnet.prefix.network() || *a == subnet.prefix.broadcast())) {
      return PathError(apath, Cat(a->ToString(), " is the network or broadcast address ", "of ",
                                  subnet.prefix.ToString()));
    }
    for (const Interface& itf : config.interfaces) {
      if (itf.address == *a) {
        return PathError(apath, Cat(a->ToString(), " is the server's own address on ",
                                    "interface \"", itf.name, "\""));
      }
    }
    res.address = *a;
  }

  std::optional<std::string> hostname;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("hostname", &hostname));
  if (hostname && !hostname->empty()) {
    if (!IsValidHostname(*hostname)) {
      return PathError(r->PathOf("hostname"), Cat("\"", *hostname, "\" is not a valid host name"));
    }
    res.hostname = *hostname;
  }
  const Json* options = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetArray("option-data", &options));
  auto set = ParseOptionList(options, r->PathOf("option-data"));
  if (!set.ok()) return set.status();
  res.options = std::move(*set);
  return res;
}

absl::Status ParseReservations(const ObjectReader& r, const Config& config, Subnet& subnet) {
  const Json* list = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r.GetArray("reservations", &list));
  if (list == nullptr) return absl::OkStatus();
  const std::string list_path = r.PathOf("reservations");
  std::array<absl::flat_hash_map<std::string, size_t>, kNumReservationKeys> by_identifier;
  absl::flat_hash_map<uint32_t, size_t> by_address;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = IndexPath(list_path, i);
    auto res = ParseReservation((*list)[i], path, subnet, config);
    if (!res.ok()) return res.status();
    const std::string key(res->identifier.begin(), res->identifier.end());
    auto& ids = by_identifier[static_cast<size_t>(res->key)];
    if (const auto [it, added] = ids.emplace(key, i); !added) {
      const std::string_view kind = kIdentifierKinds[static_cast<size_t>(res->key)].json_key;
      return PathError(
          path, Cat(kind, " ", base::FormatHexBytes(res->identifier.data(), res->identifier.size()),
                    " is already reserved at ", IndexPath(list_path, it->second)));
    }
    if (!res->address.IsZero()) {
      if (const auto [it, added] = by_address.emplace(res->address.value(), i); !added) {
        return PathError(path, Cat("ip-address ", res->address.ToString(),
                                   " is already reserved at ", IndexPath(list_path, it->second)));
      }
    }
    subnet.reservations.push_back(std::move(*res));
  }
  return absl::OkStatus();
}

absl::StatusOr<Subnet> ParseSubnet(const Json& entry, const std::string& path,
                                   const ScopeParameters& global, const Config& config) {
  auto r = ObjectReader::Open(
      entry, path,
      {"id", "subnet", "interface", "pools", "option-data", "valid-lifetime", "renew-timer",
       "rebind-timer", "authoritative", "match-client-id", "relay", "reservations"});
  if (!r.ok()) return r.status();
  Subnet subnet;
  // 0 and 0xffffffff are not subnet ids (Kea: SUBNET_ID_UNUSED/MAX).
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireUint32("id", 1, 0xfffffffeu, &subnet.id));
  std::string text;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->RequireString("subnet", &text));
  const auto prefix = Ipv4Prefix::Parse(text);
  if (!prefix) {
    // "198.18.0.1/24": say which prefix was probably meant.
    const size_t slash = text.find('/');
    if (slash != std::string::npos) {
      const auto address = Ipv4Address::Parse(std::string_view(text).substr(0, slash));
      const auto length = Ipv4Prefix::Parse("0.0.0.0" + text.substr(slash));
      if (address && length) {
        return PathError(r->PathOf("subnet"),
                         Cat("\"", text, "\" has host bits set; did you mean ",
                             Ipv4Prefix(*address, length->length()).ToString(), "?"));
      }
    }
    return PathError(r->PathOf("subnet"), Cat("\"", text, "\" is not a prefix (a.b.c.d/len)"));
  }
  subnet.prefix = *prefix;

  std::optional<std::string> interface;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("interface", &interface));
  if (interface) {
    const auto named = [&](const Interface& itf) { return itf.name == *interface; };
    if (std::none_of(config.interfaces.begin(), config.interfaces.end(), named)) {
      return PathError(r->PathOf("interface"), Cat("\"", *interface, "\" is not in ",
                                                   "Dhcp4.interfaces-config.interfaces"));
    }
    subnet.interface = *interface;
  }

  ScopeParameters own;
  DPDHCP_CONFIG_RETURN_IF_ERROR(ReadTimerKeys(*r, own));
  auto timers = ResolveTimers(path, own, global);
  if (!timers.ok()) return timers.status();
  subnet.valid_lifetime = timers->valid;
  subnet.renew_timer = timers->renew;
  subnet.rebind_timer = timers->rebind;
  std::optional<bool> flag;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetBool("authoritative", &flag));
  subnet.authoritative = flag.value_or(global.authoritative);
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetBool("match-client-id", &flag));
  subnet.match_client_id = flag.value_or(global.match_client_id);

  const Json* relay = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetObject("relay", &relay));
  if (relay != nullptr) {
    auto rr = ObjectReader::Open(*relay, r->PathOf("relay"), {"ip-addresses"});
    if (!rr.ok()) return rr.status();
    const Json* list = nullptr;
    DPDHCP_CONFIG_RETURN_IF_ERROR(rr->GetArray("ip-addresses", &list));
    if (list == nullptr) return rr->Missing("ip-addresses");
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string apath = IndexPath(rr->PathOf("ip-addresses"), i);
      const Json& v = (*list)[i];
      const auto a = v.is_string() ? Ipv4Address::Parse(v.get<std::string>()) : std::nullopt;
      if (!a || a->IsZero() || a->IsBroadcast()) {
        return PathError(apath, Cat(v.dump(), " is not a relay IPv4 address"));
      }
      if (std::find(subnet.relay_addresses.begin(), subnet.relay_addresses.end(), *a) !=
          subnet.relay_addresses.end()) {
        return PathError(apath, Cat(a->ToString(), " is listed twice"));
      }
      subnet.relay_addresses.push_back(*a);
    }
  }

  const Json* list = nullptr;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetArray("option-data", &list));
  auto options = ParseOptionList(list, r->PathOf("option-data"));
  if (!options.ok()) return options.status();
  subnet.options = std::move(*options);

  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetArray("pools", &list));
  if (list != nullptr) {
    for (size_t i = 0; i < list->size(); ++i) {
      auto pool = ParsePool((*list)[i], IndexPath(r->PathOf("pools"), i), subnet);
      if (!pool.ok()) return pool.status();
      subnet.pools.push_back(std::move(*pool));
    }
  }
  DPDHCP_CONFIG_RETURN_IF_ERROR(ParseReservations(*r, config, subnet));
  return subnet;
}

// An address range with the JSON path that defined it, for overlap checks.
struct Span {
  uint32_t first, last;
  size_t order;  // config order: the later of two overlapping spans is blamed
  std::string path;
  std::string label;
};

// Sorts by first address and sweeps once: O(n log n) for any number of
// subnets or pools.
absl::Status CheckDisjoint(std::vector<Span> spans, std::string_view what) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.first != b.first ? a.first < b.first : a.order < b.order;
  });
  for (size_t i = 1, widest = 0; i < spans.size(); ++i) {
    if (spans[i].first <= spans[widest].last) {
      const Span& later = spans[i].order > spans[widest].order ? spans[i] : spans[widest];
      const Span& earlier = &later == &spans[i] ? spans[widest] : spans[i];
      return PathError(later.path, Cat(what, " ", later.label, " overlaps ", earlier.path, " (",
                                       earlier.label, ")"));
    }
    if (spans[i].last > spans[widest].last) widest = i;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseSubnets(const Json* list, std::string_view path, const ScopeParameters& global,
                          Config& config) {
  if (list == nullptr) return absl::OkStatus();
  absl::flat_hash_map<uint32_t, size_t> by_id, by_relay;
  std::vector<Span> subnet_spans, pool_spans;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string subnet_path = IndexPath(path, i);
    auto subnet = ParseSubnet((*list)[i], subnet_path, global, config);
    if (!subnet.ok()) return subnet.status();
    subnet->index = i;
    if (const auto [it, added] = by_id.emplace(subnet->id, i); !added) {
      return PathError(ChildPath(subnet_path, "id"),
                       Cat("id ", subnet->id, " is already used by ", IndexPath(path, it->second)));
    }
    for (size_t a = 0; a < subnet->relay_addresses.size(); ++a) {
      const Ipv4Address relay = subnet->relay_addresses[a];
      if (const auto [it, added] = by_relay.emplace(relay.value(), i); !added) {
        return PathError(
            IndexPath(ChildPath(subnet_path, "relay.ip-addresses"), a),
            Cat("relay ", relay.ToString(), " is already listed by ", IndexPath(path, it->second)));
      }
    }
    subnet_spans.push_back(Span{subnet->prefix.network().value(),
                                subnet->prefix.broadcast().value(), i, subnet_path,
                                subnet->prefix.ToString()});
    for (size_t p = 0; p < subnet->pools.size(); ++p) {
      const Pool& pool = subnet->pools[p];
      pool_spans.push_back(Span{pool.first.value(), pool.last.value(), pool_spans.size(),
                                IndexPath(ChildPath(subnet_path, "pools"), p),
                                RangeText(pool.first, pool.last)});
    }
    config.subnets.push_back(std::move(*subnet));
  }
  DPDHCP_CONFIG_RETURN_IF_ERROR(CheckDisjoint(std::move(subnet_spans), "subnet"));
  return CheckDisjoint(std::move(pool_spans), "pool");
}

}  // namespace dpdhcp::config::internal
