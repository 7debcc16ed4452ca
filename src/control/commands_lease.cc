// Lease commands (Kea's lease_cmds hook: lease4-get, -get-all, -get-page,
// -get-by-hw-address, -get-by-client-id, -add, -update, -del, -wipe) and
// leases-reclaim.
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "text.h"
#include "absl/strings/str_join.h"
#include "arguments.h"
#include "commands_internal.h"
#include "dpdhcp/control/lease_json.h"

namespace dpdhcp::control::internal {
namespace {

using lease::Lease;

base::ByteSpan Bytes(const std::string& s) {
  return base::ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// A listing's answer: {"leases": [...]}, result 3 when there is none.
Answer LeaseList(const std::vector<Lease>& leases, Json extra = Json::object()) {
  Json args = std::move(extra);
  args["leases"] = LeasesToJson(leases);
  const std::string text = Cat(leases.size(), " IPv4 lease(s) found.");
  return leases.empty() ? Empty(text, std::move(args)) : Success(text, std::move(args));
}

// lease4-get and lease4-del name a lease either by "ip-address" or by
// "identifier-type" + "identifier" + "subnet-id". Returns the lease, nullopt
// when there is none, or the argument error.
absl::StatusOr<std::optional<Lease>> FindNamedLease(const CommandContext& c, const Arguments& a) {
  const bool by_ip = a.Has("ip-address");
  const bool by_id = a.Has("identifier-type") || a.Has("identifier") || a.Has("subnet-id");
  if (by_ip && by_id) {
    return a.Error("give either \"ip-address\" or \"identifier-type\", \"identifier\" and \"subnet-id\"");
  }
  if (by_ip) {
    auto ip = a.RequiredAddress("ip-address");
    if (!ip.ok()) return ip.status();
    return c.state.GetLease(*ip);
  }
  if (!by_id) return a.Error("missing \"ip-address\" (or \"identifier-type\", \"identifier\" and \"subnet-id\")");
  auto type = a.RequiredString("identifier-type");
  if (!type.ok()) return type.status();
  auto subnet_id = a.RequiredUint("subnet-id", 1, 0xffffffffu);
  if (!subnet_id.ok()) return subnet_id.status();
  std::vector<Lease> candidates;
  if (*type == "hw-address") {
    auto id = a.RequiredHex("identifier", 1, 16);
    if (!id.ok()) return id.status();
    candidates = c.state.GetLeasesByHwAddress(Bytes(*id));
  } else if (*type == "client-id") {
    auto id = a.RequiredHex("identifier", 2, 255);
    if (!id.ok()) return id.status();
    candidates = c.state.GetLeasesByClientId(Bytes(*id));
  } else if (*type == "duid" || *type == "circuit-id" || *type == "flex-id") {
    return a.KeyError("identifier-type", Cat("\"", *type,
                                                      "\" is not supported (\"hw-address\" or \"client-id\")"));
  } else {
    return a.KeyError("identifier-type", Cat("\"", *type,
                                                      "\" is not an identifier type (\"hw-address\" or \"client-id\")"));
  }
  // A binding (offered, bound, declined) before an affinity hint.
  std::optional<Lease> hint;
  for (const Lease& l : candidates) {
    if (l.subnet_id != *subnet_id) continue;
    if (lease::HoldsAddress(l.state)) return std::optional<Lease>(l);
    if (!hint) hint = l;
  }
  return hint;
}

Answer Lease4Get(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(
      const Arguments a,
      Arguments::Open("lease4-get", args, {"ip-address", "identifier-type", "identifier", "subnet-id"}, true));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto found, FindNamedLease(c, a));
  if (!found) return Empty("Lease not found.");
  return Success("IPv4 lease found.", LeaseToJson(*found));
}

Answer Lease4GetAll(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("lease4-get-all", args, {"subnets"}, false));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto subnets, a.OptionalUintList("subnets", 1, 0xffffffffu));
  LeaseQuery q;
  if (subnets) {
    for (uint64_t id : *subnets) q.subnet_ids.push_back(static_cast<uint32_t>(id));
  }
  return LeaseList(c.state.GetLeases(q));
}

// Pages hold at most this many leases (an answer of ~200 bytes a lease).
constexpr uint64_t kMaxPageLimit = 100000;

Answer Lease4GetPage(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(
      const Arguments a, Arguments::Open("lease4-get-page", args, {"from", "limit", "subnets"}, true));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const std::string from, a.RequiredString("from"));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const uint64_t limit, a.RequiredUint("limit", 1, kMaxPageLimit));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto subnets, a.OptionalUintList("subnets", 1, 0xffffffffu));
  LeaseQuery q;
  q.limit = limit;
  if (from != "start") {
    const auto after = base::Ipv4Address::Parse(from);
    if (!after) {
      return Error(Cat("lease4-get-page: \"from\" must be \"start\" or an IPv4 address, not \"",
                                from, "\""));
    }
    q.after = *after;
  }
  if (subnets) {
    for (uint64_t id : *subnets) q.subnet_ids.push_back(static_cast<uint32_t>(id));
  }
  const std::vector<Lease> page = c.state.GetLeases(q);
  return LeaseList(page, Json{{"count", page.size()}});
}

Answer Lease4GetByHwAddress(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(
      const Arguments a, Arguments::Open("lease4-get-by-hw-address", args, {"hw-address"}, true));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const std::string hw, a.RequiredHex("hw-address", 1, 16));
  return LeaseList(c.state.GetLeasesByHwAddress(Bytes(hw)));
}

Answer Lease4GetByClientId(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(
      const Arguments a, Arguments::Open("lease4-get-by-client-id", args, {"client-id"}, true));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const std::string id, a.RequiredHex("client-id", 2, 255));
  return LeaseList(c.state.GetLeasesByClientId(Bytes(id)));
}

std::string IgnoredNote(const std::vector<std::string>& ignored) {
  if (ignored.empty()) return "";
  return Cat(" (not stored: ", absl::StrJoin(ignored, ", "), ")");
}

Answer Lease4Add(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const LeaseArguments la,
                                  LeaseFromArguments(args, *c.state.GetConfig(), c.state.Now(), false));
  const absl::Status s = c.state.AddLease(la.lease);
  if (!s.ok()) return Error(Cat("lease4-add: ", s.message()));
  return Success(Cat("Lease for address ", la.lease.address.ToString(), ", subnet-id ",
                              la.lease.subnet_id, " added.", IgnoredNote(la.ignored)));
}

Answer Lease4Update(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const LeaseArguments la,
                                  LeaseFromArguments(args, *c.state.GetConfig(), c.state.Now(), true));
  const absl::Status s = c.state.UpdateLease(la.lease, la.force_create);
  if (absl::IsNotFound(s)) {
    return Empty(Cat("lease4-update: no lease for ", la.lease.address.ToString(),
                              " (\"force-create\": true adds one)"));
  }
  if (!s.ok()) return Error(Cat("lease4-update: ", s.message()));
  return Success(Cat("IPv4 lease updated.", IgnoredNote(la.ignored)));
}

Answer Lease4Del(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(
      const Arguments a,
      Arguments::Open("lease4-del", args, {"ip-address", "identifier-type", "identifier", "subnet-id"}, true));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto found, FindNamedLease(c, a));
  if (!found || !lease::HoldsAddress(found->state)) return Empty("IPv4 lease not found.");
  const absl::Status s = c.state.DeleteLease(found->address);
  if (absl::IsNotFound(s)) return Empty("IPv4 lease not found.");
  if (!s.ok()) return Error(Cat("lease4-del: ", s.message()));
  return Success("IPv4 lease deleted.");
}

Answer Lease4Wipe(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("lease4-wipe", args, {"subnet-id"}, false));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto subnet_id, a.OptionalUint("subnet-id", 0, 0xffffffffu));
  std::optional<uint32_t> which;
  if (subnet_id.value_or(0) != 0) {
    which = static_cast<uint32_t>(*subnet_id);
    if (c.state.GetConfig()->FindSubnetById(*which) == nullptr) {
      return Error(Cat("lease4-wipe: \"subnet-id\" ", *which, " is not a configured subnet"));
    }
  }
  const auto removed = c.state.WipeLeases(which);
  if (!removed.ok()) return Error(Cat("lease4-wipe: ", removed.status().message()));
  const std::string text =
      which ? Cat("Deleted ", *removed, " IPv4 lease(s) from subnet(s) ", *which)
            : Cat("Deleted ", *removed, " IPv4 lease(s) from all subnets");
  return *removed == 0 ? Empty(text) : Success(text);
}

Answer LeasesReclaim(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("leases-reclaim", args, {"remove"}, true));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const bool remove, a.RequiredBool("remove"));
  const auto n = c.state.ReclaimLeases(remove);
  if (!n.ok()) return Error(Cat("leases-reclaim: ", n.status().message()));
  return Success(Cat("Reclamation of expired leases is complete (", *n, " reclaimed)."),
                 Json{{"reclaimed", *n}});
}

}  // namespace

absl::Status RegisterLeaseCommands(CommandRegistry& registry, std::shared_ptr<CommandContext> context) {
  const CommandEntry entries[] = {
      {"lease4-get", "One lease by \"ip-address\", or by identifier-type/identifier/subnet-id.",
       Access::kRead, Lease4Get},
      {"lease4-get-all", "Every lease, or those of \"subnets\": [ids].", Access::kRead, Lease4GetAll},
      {"lease4-get-page", "Up to \"limit\" leases after \"from\" (\"start\" or an address).",
       Access::kRead, Lease4GetPage},
      {"lease4-get-by-hw-address", "Leases of a hardware address.", Access::kRead, Lease4GetByHwAddress},
      {"lease4-get-by-client-id", "Leases of a client identifier.", Access::kRead, Lease4GetByClientId},
      {"lease4-add", "Adds a lease (ip-address, hw-address, ...).", Access::kWrite, Lease4Add},
      {"lease4-update", "Replaces the lease of ip-address (force-create adds it).", Access::kWrite,
       Lease4Update},
      {"lease4-del", "Deletes a lease and frees its address.", Access::kWrite, Lease4Del},
      {"lease4-wipe", "Deletes every lease of \"subnet-id\" (all subnets when absent).",
       Access::kWrite, Lease4Wipe},
      {"leases-reclaim", "Reclaims expired leases now ({\"remove\": bool}).", Access::kWrite,
       LeasesReclaim},
  };
  return RegisterCommandTable(registry, context, entries);
}

}  // namespace dpdhcp::control::internal
