#include "dpdhcp/control/lease_json.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "text.h"
#include "arguments.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/mac_address.h"

namespace dpdhcp::control {

using internal::Cat;
namespace {

using internal::Arguments;
using lease::Lease;
using lease::LeaseState;

base::ByteSpan Bytes(const std::string& s) {
  return base::ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

int KeaLeaseState(LeaseState state) {
  switch (state) {
    case LeaseState::kDeclined:
      return kKeaStateDeclined;
    case LeaseState::kReleased:
    case LeaseState::kExpired:
      return kKeaStateExpiredReclaimed;
    default:
      return kKeaStateDefault;
  }
}

Json LeaseToJson(const Lease& l) {
  Json j = Json::object();
  j["ip-address"] = l.address.ToString();
  const base::ByteSpan hw = l.hw();
  j["hw-address"] = base::FormatHexBytes(hw.data(), hw.size());
  if (l.key.kind() == lease::ClientKey::Kind::kClientId && !l.key.hashed()) {
    const base::ByteSpan id = l.key.bytes();
    j["client-id"] = base::FormatHexBytes(id.data(), id.size());
  }
  // Kea's pair: expire = cltt + valid-lft. For an offer the record's cltt may
  // be 0 (no transaction completed); the sum still gives the right expiry.
  j["valid-lft"] = l.valid_lifetime();
  j["cltt"] = l.cltt;
  j["subnet-id"] = l.subnet_id;
  j["state"] = KeaLeaseState(l.state);
  j["hostname"] = "";
  j["fqdn-fwd"] = false;
  j["fqdn-rev"] = false;
  return j;
}

Json LeasesToJson(const std::vector<Lease>& leases) {
  Json a = Json::array();
  for (const Lease& l : leases) a.push_back(LeaseToJson(l));
  return a;
}

absl::StatusOr<LeaseArguments> LeaseFromArguments(const Json& arguments,
                                                  const config::Config& config,
                                                  base::UnixSeconds now, bool update) {
  const std::string_view command = update ? "lease4-update" : "lease4-add";
  auto opened = update ? Arguments::Open(command, arguments,
                                         {"ip-address", "hw-address", "client-id", "valid-lft",
                                          "cltt", "expire", "subnet-id", "state", "hostname",
                                          "fqdn-fwd", "fqdn-rev", "user-context", "comment",
                                          "force-create"},
                                         true)
                       : Arguments::Open(command, arguments,
                                         {"ip-address", "hw-address", "client-id", "valid-lft",
                                          "cltt", "expire", "subnet-id", "state", "hostname",
                                          "fqdn-fwd", "fqdn-rev", "user-context", "comment"},
                                         true);
  if (!opened.ok()) return opened.status();
  const Arguments& a = *opened;
  LeaseArguments out;
  Lease& l = out.lease;

  auto address = a.RequiredAddress("ip-address");
  if (!address.ok()) return address.status();
  l.address = *address;

  auto subnet_id = a.OptionalUint("subnet-id", 0, 0xffffffffu);
  if (!subnet_id.ok()) return subnet_id.status();
  const config::Subnet* subnet = nullptr;
  if (subnet_id->value_or(0) != 0) {
    subnet = config.FindSubnetById(static_cast<uint32_t>(**subnet_id));
    if (subnet == nullptr) return a.KeyError("subnet-id", Cat(**subnet_id, " is not a configured subnet"));
    if (!subnet->prefix.Contains(l.address)) {
      return a.KeyError("ip-address", Cat(l.address.ToString(), " is not in subnet ",
                                                   subnet->id, " (", subnet->prefix.ToString(), ")"));
    }
  } else {
    subnet = config.FindSubnetContaining(l.address);
    if (subnet == nullptr) {
      return a.KeyError("ip-address", Cat(l.address.ToString(), " is in no configured subnet"));
    }
  }
  l.subnet_id = subnet->id;

  auto hw = a.RequiredHex("hw-address", 1, 16);
  if (!hw.ok()) return hw.status();
  auto client_id = a.OptionalHex("client-id", 2, 255);
  if (!client_id.ok()) return client_id.status();

  auto state = a.OptionalUint("state", 0, 2);
  if (!state.ok()) return state.status();
  switch (state->value_or(kKeaStateDefault)) {
    case kKeaStateDeclined:
      l.state = LeaseState::kDeclined;
      break;
    case kKeaStateExpiredReclaimed:
      l.state = LeaseState::kExpired;
      break;
    default:
      l.state = LeaseState::kBound;
      break;
  }

  // Ethernet (htype 1) is the only hardware type an operator can name here.
  constexpr uint8_t kHtypeEthernet = 1;
  l.SetHardware(kHtypeEthernet, Bytes(*hw));
  if (l.state == LeaseState::kDeclined) {
    // As the engine quarantines a DECLINEd address: keyed by the address
    // itself with hardware type 0, which no client can send (RFC 2131 §4.3.3).
    uint8_t addr[4];
    base::StoreBe32(addr, l.address.value());
    l.key = lease::ClientKey::FromHardware(0, base::ByteSpan(addr, 4));
  } else if (client_id->has_value() && subnet->match_client_id) {
    l.key = lease::ClientKey::FromClientId(Bytes(**client_id));
  } else {
    l.key = lease::ClientKey::FromHardware(kHtypeEthernet, Bytes(*hw));
  }

  auto valid = a.OptionalUint("valid-lft", 1, base::kInfiniteLifetime);
  if (!valid.ok()) return valid.status();
  const uint32_t lifetime = static_cast<uint32_t>(valid->value_or(subnet->valid_lifetime));
  auto cltt = a.OptionalUint("cltt", 0, 0xfffffffeu);
  if (!cltt.ok()) return cltt.status();
  auto expire = a.OptionalUint("expire", 0, 0xfffffffeu);
  if (!expire.ok()) return expire.status();
  if (cltt->has_value() && expire->has_value()) {
    return a.Error("give \"cltt\" or \"expire\", not both");
  }
  if (lifetime == base::kInfiniteLifetime) {
    l.cltt = static_cast<base::UnixSeconds>(cltt->value_or(now));
    l.expire = base::kInfiniteLifetime;
  } else if (expire->has_value()) {
    if (**expire < lifetime) return a.KeyError("expire", "is earlier than \"valid-lft\" after the epoch");
    l.expire = static_cast<base::UnixSeconds>(**expire);
    l.cltt = l.expire - lifetime;
  } else {
    l.cltt = static_cast<base::UnixSeconds>(cltt->value_or(now));
    l.expire = base::ExpiryAfter(l.cltt, lifetime);
  }

  auto hostname = a.OptionalString("hostname");
  if (!hostname.ok()) return hostname.status();
  if (hostname->has_value() && !(*hostname)->empty()) out.ignored.push_back("hostname");
  for (std::string_view flag : {"fqdn-fwd", "fqdn-rev"}) {
    auto f = a.OptionalBool(flag);
    if (!f.ok()) return f.status();
    if (f->value_or(false)) out.ignored.emplace_back(flag);
  }
  if (auto s = a.CheckMap("user-context"); !s.ok()) return s;
  if (a.Has("user-context")) out.ignored.push_back("user-context");
  auto comment = a.OptionalString("comment");
  if (!comment.ok()) return comment.status();
  if (comment->has_value()) out.ignored.push_back("comment");
  if (update) {
    auto force = a.OptionalBool("force-create");
    if (!force.ok()) return force.status();
    out.force_create = force->value_or(false);
  }
  return out;
}

}  // namespace dpdhcp::control
