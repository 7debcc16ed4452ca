// Per-call working state of the engine, shared by engine.cc and reply.cc.
// Internal: not a public header.
#pragma once

#include <optional>

#include "dpdhcp/engine/engine.h"
#include "dpdhcp/proto/relay_agent_info.h"

namespace dpdhcp::engine {

// Offered, bound and declined records hold their address's claim in the
// AddressSpace until they are reclaimed, even past their expiry
// (lease::HoldsAddress); released and expired records are affinity hints.

// Everything one request needs, worked out once.
struct Engine::Request {
  const proto::DhcpMessage& msg;
  const RequestContext& ctx;
  base::MutableByteSpan reply;
  const config::Config& cfg;
  const config::Interface* iface = nullptr;
  const config::Subnet* subnet = nullptr;
  proto::RelayAgentInfo rai{};
  bool relayed_info = false;     // option 82 present
  lease::ClientKey key{};
  uint32_t shard_index = 0;
  lease::LeaseShard* shard = nullptr;
  std::optional<lease::LeaseShard::Found> current{};  // the client's record, any state
  const config::Reservation* reservation = nullptr;
  base::Ipv4Address server_id{};  // what goes into option 54

  // Does the client's own record hold the claim on `a` (offered or bound)?
  bool Holds(base::Ipv4Address a) const {
    return current && lease::HoldsAddress(current->lease.state) &&
           current->lease.state != lease::LeaseState::kDeclined && current->lease.address == a;
  }
};

}  // namespace dpdhcp::engine
