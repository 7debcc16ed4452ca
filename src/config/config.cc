// The read-only lookups of a Config snapshot. Built once at parse time; every
// Find* is a hash probe or a binary search, with no allocation.
#include "dpdhcp/config/config.h"

#include <algorithm>

#include "absl/strings/string_view.h"

namespace dpdhcp::config {
namespace {

// Identifier bytes as the key of a string-keyed map (char may alias any
// object, so this view is well defined). absl::string_view: Debian's abseil
// has its own type, and the maps look up by it without building a string.
absl::string_view AsKey(base::ByteSpan bytes) {
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

uint64_t PrefixKey(uint8_t length, uint32_t network) { return uint64_t{length} << 32 | network; }

}  // namespace

void Subnet::BuildLookups() {
  for (auto& map : by_identifier_) map.clear();
  by_address_.clear();
  pools_by_address_.clear();
  for (size_t i = 0; i < reservations.size(); ++i) {
    const Reservation& r = reservations[i];
    by_identifier_[static_cast<size_t>(r.key)].try_emplace(std::string(AsKey(r.identifier)),
                                                           static_cast<uint32_t>(i));
    if (!r.address.IsZero()) {
      by_address_.try_emplace(r.address.value(), static_cast<uint32_t>(i));
    }
  }
  for (size_t i = 0; i < pools.size(); ++i) {
    pools_by_address_.push_back(
        PoolSpan{pools[i].first.value(), pools[i].last.value(), static_cast<uint32_t>(i)});
  }
  std::sort(pools_by_address_.begin(), pools_by_address_.end(),
            [](const PoolSpan& a, const PoolSpan& b) { return a.first < b.first; });
}

const Reservation* Subnet::FindReservation(ReservationKey key, base::ByteSpan identifier) const {
  const size_t k = static_cast<size_t>(key);
  if (k >= by_identifier_.size()) return nullptr;
  const auto it = by_identifier_[k].find(AsKey(identifier));
  return it == by_identifier_[k].end() ? nullptr : &reservations[it->second];
}

const Reservation* Subnet::FindReservationByAddress(base::Ipv4Address a) const {
  const auto it = by_address_.find(a.value());
  return it == by_address_.end() ? nullptr : &reservations[it->second];
}

const Pool* Subnet::FindPool(base::Ipv4Address a) const {
  // Pools are disjoint: the only candidate is the last one starting at or
  // below the address.
  const auto it = std::upper_bound(pools_by_address_.begin(), pools_by_address_.end(), a.value(),
                                   [](uint32_t v, const PoolSpan& span) { return v < span.first; });
  if (it == pools_by_address_.begin()) return nullptr;
  const PoolSpan& span = *(it - 1);
  return a.value() <= span.last ? &pools[span.pool] : nullptr;
}

void Config::BuildLookups() {
  by_id_.clear();
  by_relay_.clear();
  by_prefix_.clear();
  prefix_lengths_.clear();
  interface_by_name_.clear();
  subnet_for_interface_.assign(interfaces.size(), kNoSubnet);
  for (size_t i = 0; i < subnets.size(); ++i) {
    Subnet& s = subnets[i];
    s.BuildLookups();
    const auto index = static_cast<uint32_t>(i);
    by_id_.try_emplace(s.id, index);
    for (base::Ipv4Address relay : s.relay_addresses) by_relay_.try_emplace(relay.value(), index);
    by_prefix_.try_emplace(PrefixKey(s.prefix.length(), s.prefix.network().value()), index);
    if (std::find(prefix_lengths_.begin(), prefix_lengths_.end(), s.prefix.length()) ==
        prefix_lengths_.end()) {
      prefix_lengths_.push_back(s.prefix.length());
    }
  }
  std::sort(prefix_lengths_.begin(), prefix_lengths_.end(), std::greater<>());
  for (size_t i = 0; i < interfaces.size(); ++i) {
    interface_by_name_.try_emplace(interfaces[i].name, static_cast<uint32_t>(i));
    for (size_t j = 0; j < subnets.size(); ++j) {
      if (subnets[j].interface == interfaces[i].name) {
        subnet_for_interface_[i] = static_cast<uint32_t>(j);
        break;
      }
    }
    if (subnet_for_interface_[i] == kNoSubnet) {
      if (const Subnet* s = FindSubnetContaining(interfaces[i].address)) {
        subnet_for_interface_[i] = static_cast<uint32_t>(s - subnets.data());
      }
    }
  }
}

const Subnet* Config::FindSubnetById(uint32_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &subnets[it->second];
}

const Subnet* Config::FindSubnetContaining(base::Ipv4Address a) const {
  // Longest prefix first; there are only as many probes as distinct lengths.
  for (uint8_t length : prefix_lengths_) {
    const auto it =
        by_prefix_.find(PrefixKey(length, a.value() & base::Ipv4Prefix::MaskFor(length)));
    if (it != by_prefix_.end()) return &subnets[it->second];
  }
  return nullptr;
}

const Subnet* Config::FindSubnetForRelay(base::Ipv4Address giaddr) const {
  const auto it = by_relay_.find(giaddr.value());
  if (it != by_relay_.end()) return &subnets[it->second];
  return FindSubnetContaining(giaddr);
}

const Interface* Config::FindInterface(std::string_view name) const {
  const auto it = interface_by_name_.find(absl::string_view(name.data(), name.size()));
  return it == interface_by_name_.end() ? nullptr : &interfaces[it->second];
}

const Subnet* Config::FindSubnetForInterface(size_t interface_index) const {
  if (interface_index >= subnet_for_interface_.size()) return nullptr;
  const uint32_t s = subnet_for_interface_[interface_index];
  return s == kNoSubnet ? nullptr : &subnets[s];
}

}  // namespace dpdhcp::config
