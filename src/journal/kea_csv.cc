#include "dpdhcp/journal/kea_csv.h"

#include <charconv>
#include <istream>
#include <ostream>
#include <unordered_map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/base/mac_address.h"
#include "dpdhcp/base/time.h"
#include "internal.h"

namespace dpdhcp::journal {
namespace {

using lease::ClientKey;
using lease::Lease;
using lease::LeaseState;

// Kea's lease states (Lease::STATE_DEFAULT, STATE_DECLINED,
// STATE_EXPIRED_RECLAIMED).
constexpr uint32_t kKeaDefault = 0;
constexpr uint32_t kKeaDeclined = 1;
constexpr uint32_t kKeaExpiredReclaimed = 2;

enum Column { kAddress, kHwaddr, kClientId, kValid, kExpire, kSubnetId, kState, kNumColumns };
constexpr absl::string_view kColumnNames[kNumColumns] = {
    "address", "hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id", "state"};
// All but state are needed to rebuild a lease.
constexpr bool kRequired[kNumColumns] = {true, true, true, true, true, true, false};

template <class T>
bool ParseUnsigned(absl::string_view s, T* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

struct KeyHash {
  size_t operator()(const ClientKey& k) const { return k.Hash(); }
};

// The engine's key for a DECLINE quarantine record: hardware type 0, which
// no client sends, and the address (engine.cc, RFC 2131 §4.3.3).
ClientKey QuarantineKey(base::Ipv4Address a) {
  uint8_t bytes[4];
  base::StoreBe32(bytes, a.value());
  return ClientKey::FromHardware(0, base::ByteSpan(bytes, 4));
}

}  // namespace

absl::StatusOr<KeaImport> ImportKeaCsv(std::istream& in, std::string_view source_name) {
  KeaImport out;
  std::string line;
  size_t line_no = 0;
  int column[kNumColumns];
  std::fill(std::begin(column), std::end(column), -1);
  size_t num_fields = 0;
  auto error = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(internal::Sv(source_name), ": line ", line_no, ": ", internal::Sv(what)));
  };

  // address -> index in out.leases (the last line of an address wins).
  std::unordered_map<uint32_t, size_t> by_address;
  std::vector<bool> removed;
  bool have_header = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    if (!have_header) {
      for (size_t i = 0; i < fields.size(); ++i) {
        for (int c = 0; c < kNumColumns; ++c) {
          if (fields[i] == kColumnNames[c]) column[c] = static_cast<int>(i);
        }
      }
      for (int c = 0; c < kNumColumns; ++c) {
        if (kRequired[c] && column[c] < 0) {
          return error(absl::StrCat("header lacks column \"", kColumnNames[c], "\""));
        }
      }
      num_fields = fields.size();
      have_header = true;
      continue;
    }
    if (fields.size() != num_fields) {
      return error(absl::StrCat(fields.size(), " fields where the header has ", num_fields));
    }
    ++out.stats.lines;
    auto field = [&](Column c) { return column[c] < 0 ? absl::string_view() : fields[column[c]]; };
    auto std_field = [&](Column c) { return std::string_view(field(c).data(), field(c).size()); };

    const auto address = base::Ipv4Address::Parse(std_field(kAddress));
    if (!address) return error(absl::StrCat("bad address \"", field(kAddress), "\""));
    std::string hw, client_id;
    if (!field(kHwaddr).empty()) {
      auto b = base::ParseHexBytes(std_field(kHwaddr));
      if (!b || b->size() > 16) return error(absl::StrCat("bad hwaddr \"", field(kHwaddr), "\""));
      hw = *std::move(b);
    }
    if (!field(kClientId).empty()) {
      auto b = base::ParseHexBytes(std_field(kClientId));
      if (!b) return error(absl::StrCat("bad client_id \"", field(kClientId), "\""));
      client_id = *std::move(b);
    }
    uint32_t valid = 0, subnet_id = 0, state = kKeaDefault;
    uint64_t expire = 0;
    if (!ParseUnsigned(field(kValid), &valid)) {
      return error(absl::StrCat("bad valid_lifetime \"", field(kValid), "\""));
    }
    if (!ParseUnsigned(field(kExpire), &expire)) {
      return error(absl::StrCat("bad expire \"", field(kExpire), "\""));
    }
    if (!ParseUnsigned(field(kSubnetId), &subnet_id)) {
      return error(absl::StrCat("bad subnet_id \"", field(kSubnetId), "\""));
    }
    if (column[kState] >= 0 && !ParseUnsigned(field(kState), &state)) {
      return error(absl::StrCat("bad state \"", field(kState), "\""));
    }

    // Kea's loader: a valid lifetime of 0 removes the address's lease.
    if (valid == 0) {
      if (const auto it = by_address.find(address->value()); it != by_address.end()) {
        removed[it->second] = true;
        by_address.erase(it);
        ++out.stats.deleted;
      }
      continue;
    }
    if (state > kKeaExpiredReclaimed) {
      return error(absl::StrCat("state ", state, " is none of 0 (assigned), 1 (declined), ",
                                "2 (expired-reclaimed)"));
    }
    Lease l;
    l.address = *address;
    l.subnet_id = subnet_id;
    if (valid == base::kInfiniteLifetime) {
      if (expire < base::kInfiniteLifetime) return error("expire is before cltt for an infinite lease");
      l.cltt = static_cast<base::UnixSeconds>(expire - base::kInfiniteLifetime);
      l.expire = base::kInfiniteLifetime;
    } else {
      if (expire < valid) return error(absl::StrCat("expire ", expire, " is less than valid_lifetime"));
      if (expire >= base::kInfiniteLifetime) {
        return error(absl::StrCat("expire ", expire, " does not fit 32-bit Unix time"));
      }
      l.expire = static_cast<base::UnixSeconds>(expire);
      l.cltt = static_cast<base::UnixSeconds>(expire - valid);
    }
    const base::ByteSpan hw_span(reinterpret_cast<const uint8_t*>(hw.data()), hw.size());
    l.SetHardware(1, hw_span);
    if (state == kKeaDeclined) {
      l.state = LeaseState::kDeclined;
      l.key = QuarantineKey(l.address);
    } else {
      l.state = state == kKeaDefault ? LeaseState::kBound : LeaseState::kExpired;
      if (!client_id.empty()) {
        l.key = ClientKey::FromClientId(
            base::ByteSpan(reinterpret_cast<const uint8_t*>(client_id.data()), client_id.size()));
      } else if (!hw.empty()) {
        l.key = ClientKey::FromHardware(1, hw_span);
      } else {
        return error("neither hwaddr nor client_id: the lease has no owner");
      }
    }
    if (const auto it = by_address.find(address->value()); it != by_address.end()) {
      out.leases[it->second] = l;
      ++out.stats.superseded;
    } else {
      by_address.emplace(address->value(), out.leases.size());
      out.leases.push_back(l);
      removed.push_back(false);
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(internal::Sv(source_name), ": read error"));
  if (!have_header) return absl::InvalidArgumentError(absl::StrCat(internal::Sv(source_name), ": no header line"));

  // One lease per client: Kea may hold a client's leases in several subnets;
  // the store keeps one, the most recent.
  absl::flat_hash_map<ClientKey, size_t, KeyHash> by_client;
  for (size_t i = 0; i < out.leases.size(); ++i) {
    if (removed[i]) continue;
    auto [it, inserted] = by_client.try_emplace(out.leases[i].key, i);
    if (inserted) continue;
    ++out.stats.duplicate_clients;
    if (out.leases[i].cltt >= out.leases[it->second].cltt) {
      removed[it->second] = true;
      it->second = i;
    } else {
      removed[i] = true;
    }
  }
  size_t kept = 0;
  for (size_t i = 0; i < out.leases.size(); ++i) {
    if (!removed[i]) out.leases[kept++] = out.leases[i];
  }
  out.leases.resize(kept);
  return out;
}

std::optional<std::string> FormatKeaLease4Line(const Lease& l, const KeaExportOptions& options) {
  uint32_t state;
  switch (l.state) {
    case LeaseState::kBound: state = kKeaDefault; break;
    case LeaseState::kDeclined: state = kKeaDeclined; break;
    case LeaseState::kReleased:
    case LeaseState::kExpired:
      if (!options.include_affinity_hints) return std::nullopt;
      state = kKeaExpiredReclaimed;
      break;
    default: return std::nullopt;
  }
  const base::ByteSpan hw = l.hw();
  std::string client_id;
  if (l.key.kind() == ClientKey::Kind::kClientId && !l.key.hashed()) {
    client_id = base::FormatHexBytes(l.key.bytes().data(), l.key.bytes().size());
  }
  // Kea writes cltt + valid_lifetime, 4294967295 for an infinite lease too.
  uint32_t valid = l.valid_lifetime();
  uint64_t expire = l.infinite() ? uint64_t{l.cltt} + base::kInfiniteLifetime : l.expire;
  if (valid == 0) {
    // A hint that ended in the second it began: 0 would tell Kea to delete it.
    valid = 1;
    expire = uint64_t{l.cltt} + 1;
  }
  return absl::StrFormat("%s,%s,%s,%u,%u,%u,0,0,,%u,", l.address.ToString(),
                         base::FormatHexBytes(hw.data(), hw.size()), client_id, valid, expire,
                         l.subnet_id, state);
}

absl::StatusOr<uint64_t> ExportKeaCsv(const lease::LeaseStore& leases, std::ostream& out,
                                      const KeaExportOptions& options) {
  out << kKeaLease4Header << '\n';
  uint64_t lines = 0;
  for (uint32_t s = 0; s < leases.num_shards(); ++s) {
    leases.shard(s).ForEach([&](uint32_t, const Lease& l) {
      if (const auto line = FormatKeaLease4Line(l, options)) {
        out << *line << '\n';
        ++lines;
      }
    });
  }
  out.flush();
  if (!out) return absl::DataLossError("Kea CSV export: write error");
  return lines;
}

}  // namespace dpdhcp::journal
