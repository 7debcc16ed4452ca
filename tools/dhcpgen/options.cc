#include "options.h"

#include <algorithm>
#include <iterator>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace dpdhcp::dhcpgen {

namespace {

absl::Status Bad(std::string_view flag, std::string_view value, std::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(flag), " \"", std::string(value), "\": ", std::string(want)));
}

absl::Status ToU32(std::string_view flag, std::string_view v, uint32_t* out) {
  uint32_t x = 0;
  if (!absl::SimpleAtoi(std::string(v), &x)) return Bad(flag, v, "want a non-negative integer");
  *out = x;
  return absl::OkStatus();
}

absl::Status ToU64(std::string_view flag, std::string_view v, uint64_t* out) {
  uint64_t x = 0;
  if (!absl::SimpleAtoi(std::string(v), &x)) return Bad(flag, v, "want a non-negative integer");
  *out = x;
  return absl::OkStatus();
}

absl::Status ToDouble(std::string_view flag, std::string_view v, double* out) {
  double x = 0;
  if (!absl::SimpleAtod(std::string(v), &x) || !std::isfinite(x) || x < 0) {
    return Bad(flag, v, "want a non-negative number");
  }
  *out = x;
  return absl::OkStatus();
}

absl::Status ToVid(std::string_view flag, std::string_view v, uint16_t* out) {
  uint32_t x = 0;
  if (!absl::SimpleAtoi(std::string(v), &x) || x < 1 || x > 4094) return Bad(flag, v, "want a VLAN id 1..4094");
  *out = static_cast<uint16_t>(x);
  return absl::OkStatus();
}

absl::Status ToMac(std::string_view flag, std::string_view v, base::MacAddress* out) {
  const auto m = base::MacAddress::Parse(v);
  if (!m) return Bad(flag, v, "want a MAC address aa:bb:cc:dd:ee:ff");
  *out = *m;
  return absl::OkStatus();
}

absl::Status ToIp(std::string_view flag, std::string_view v, base::Ipv4Address* out) {
  const auto a = base::Ipv4Address::Parse(v);
  if (!a) return Bad(flag, v, "want an IPv4 address");
  *out = *a;
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseMix(std::string_view text, std::array<uint32_t, kTxKinds>* mix) {
  std::array<uint32_t, kTxKinds> m{};
  const std::string spec(text);
  for (absl::string_view piece : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    const std::string_view item(piece.data(), piece.size());
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Bad("--mix", item, "want KIND=WEIGHT");
    const std::string_view name = item.substr(0, eq);
    size_t k = 0;
    while (k < kTxKinds && name != TxKindName(static_cast<TxKind>(k))) ++k;
    if (k == kTxKinds) {
      return Bad("--mix", item, "kinds are dora, renew, rebind, release, decline");
    }
    if (absl::Status s = ToU32("--mix", item.substr(eq + 1), &m[k]); !s.ok()) return s;
  }
  uint64_t total = 0;
  for (uint32_t w : m) total += w;
  if (total == 0) return Bad("--mix", text, "at least one weight must be positive");
  *mix = m;
  return absl::OkStatus();
}

absl::StatusOr<CliOptions> ParseCommandLine(const std::vector<std::string>& args) {
  CliOptions o;
  GeneratorConfig& g = o.gen;
  std::vector<AddressRange> pools;
  uint16_t vlan = 0, outer_vlan = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i];
    if (flag == "--") {
      o.eal_extra.assign(args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (flag == "--help" || flag == "-h") {
      o.help = true;
      return o;
    }
    std::string value;
    bool has_value = false;
    if (const size_t eq = flag.find('='); eq != std::string::npos && flag.starts_with("--")) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    // Boolean flags take no value.
    bool* boolean = flag == "--client-id"        ? &g.client_id
                    : flag == "--broadcast-flag" ? &g.broadcast_flag
                    : flag == "--expect-options" ? &g.expect_options
                    : flag == "--per-second"     ? &o.per_second
                                                 : nullptr;
    if (boolean != nullptr) {
      if (has_value) return Bad(flag, value, "takes no value");
      *boolean = true;
      continue;
    }
    if (flag == "--no-option82") {
      g.option82 = false;
      continue;
    }
    static constexpr std::string_view kValued[] = {
        "--port",       "--eal-profile", "--clients",  "--mac-base",     "--vlan",
        "--outer-vlan", "--relay",       "--relay-mac", "--server-ip",   "--server-mac",
        "--mix",        "--rate",        "--window",    "--timeout",     "--retransmits",
        "--pool",       "--transactions", "--duration", "--json",        "--link-timeout",
        "--burst",      "--mbufs"};
    if (std::find(std::begin(kValued), std::end(kValued), flag) == std::end(kValued)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag \"", flag, "\" (see --help; EAL arguments go after --)"));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value (see --help)"));
      }
      value = args[++i];
    }
    absl::Status s;
    if (flag == "--port") {
      o.port = value;
    } else if (flag == "--eal-profile") {
      o.eal_profile = value;
    } else if (flag == "--clients") {
      s = ToU32(flag, value, &g.clients);
    } else if (flag == "--mac-base") {
      s = ToMac(flag, value, &g.mac_base);
    } else if (flag == "--vlan") {
      s = ToVid(flag, value, &vlan);
    } else if (flag == "--outer-vlan") {
      s = ToVid(flag, value, &outer_vlan);
    } else if (flag == "--relay") {
      s = ToIp(flag, value, &g.giaddr);
    } else if (flag == "--relay-mac") {
      s = ToMac(flag, value, &g.relay_mac);
    } else if (flag == "--server-ip") {
      s = ToIp(flag, value, &g.server_ip);
    } else if (flag == "--server-mac") {
      s = ToMac(flag, value, &g.server_mac);
    } else if (flag == "--mix") {
      s = ParseMix(value, &g.mix);
    } else if (flag == "--rate") {
      s = ToDouble(flag, value, &g.rate);
    } else if (flag == "--window") {
      s = ToU32(flag, value, &g.window);
    } else if (flag == "--timeout") {
      s = ToDouble(flag, value, &g.timeout_s);
    } else if (flag == "--retransmits") {
      s = ToU32(flag, value, &g.retransmits);
    } else if (flag == "--pool") {
      auto r = ParseAddressRange(value);
      if (!r.ok()) return r.status();
      pools.push_back(*r);
    } else if (flag == "--transactions") {
      s = ToU64(flag, value, &g.max_transactions);
    } else if (flag == "--duration") {
      s = ToDouble(flag, value, &o.duration_s);
    } else if (flag == "--json") {
      o.json_path = value;
    } else if (flag == "--link-timeout") {
      s = ToDouble(flag, value, &o.link_timeout_s);
    } else if (flag == "--burst") {
      s = ToU32(flag, value, &o.burst);
      if (s.ok() && (o.burst == 0 || o.burst > 512)) s = Bad(flag, value, "want 1..512");
    } else if (flag == "--mbufs") {
      s = ToU32(flag, value, &o.mbufs);
      if (s.ok() && o.mbufs < 1023) s = Bad(flag, value, "want at least 1023");
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag \"", flag, "\" (see --help; EAL arguments go after --)"));
    }
    if (!s.ok()) return s;
  }
  if (o.port.empty()) return absl::InvalidArgumentError("--port is required (see --help)");
  if (pools.empty()) {
    return absl::InvalidArgumentError(
        "--pool FIRST-LAST is required: every offered address is checked against the pools");
  }
  g.pools = std::move(pools);
  if (outer_vlan != 0 && vlan == 0) {
    return absl::InvalidArgumentError("--outer-vlan needs --vlan (the inner, customer tag)");
  }
  if (vlan != 0) {
    if (outer_vlan != 0) {
      g.vlans.count = 2;
      g.vlans.outer_tpid = proto::kEtherTypeQinQ;
      g.vlans.outer_tci = outer_vlan;
      g.vlans.inner_tci = vlan;
    } else {
      g.vlans.count = 1;
      g.vlans.outer_tpid = proto::kEtherTypeVlan;
      g.vlans.outer_tci = vlan;
    }
  }
  if (!g.giaddr.IsZero() && g.server_ip.IsZero()) {
    return absl::InvalidArgumentError("--relay needs --server-ip (where a relay sends)");
  }
  if (o.duration_s <= 0 && g.max_transactions == 0) {
    return absl::InvalidArgumentError("--duration 0 needs --transactions N (the run must end)");
  }
  return o;
}

std::string UsageText() {
  return R"(Usage: dhcpgen --port DEVARGS --pool FIRST-LAST [flags] [-- EAL arguments]

DHCPv4 load generator on DPDK: emulates many clients on one port, runs DORA,
renew, rebind, release and decline against a server, validates every reply and
reports transactions/s, latency percentiles, timeouts, NAKs and invalid replies.
Runs on the EAL main lcore (pin it: -- --lcores 0@1).

Port and EAL:
  --port DEVARGS        DPDK port: "net_memif0,role=client,socket=/tmp/m.sock,
                        socket-abstract=no", "net_af_packet0,iface=veth1", a PCI
                        address. Required.
  --eal-profile FILE    EAL arguments from a file ('#' comments), before the
                        ones after --. A --file-prefix dhcpgen-<pid> is added
                        unless one is given; the EAL runtime folder of the
                        prefix is removed at exit.
  --link-timeout S      Wait at most S seconds for the link (memif: the peer)
                        to come up. Default 10.
  --burst N             Frames per RX/TX burst, 1..512. Default 32.
  --mbufs N             Mbufs in the pool (>= 1023). Default 8191.

Clients:
  --clients N           Emulated clients, 1..16777216. Client i has MAC
                        mac-base + i and xid (i << 8 | seq). Default 1000.
  --mac-base MAC        Default 02:00:00:00:00:00.
  --client-id           Send option 61 (type 0, "dg", 4-byte client index).
  --vlan VID            One 802.1Q tag on every frame (the C-tag with QinQ).
  --outer-vlan VID      QinQ: an 802.1ad S-tag (0x88a8) outside --vlan.
  --broadcast-flag      Set the BROADCAST bit in DISCOVER and REQUEST.
  --relay GIADDR        Relay mode: send as a relay agent from GIADDR:67
                        (giaddr, hops 1, option 82) unicast to --server-ip;
                        replies are expected at GIADDR:67.
  --relay-mac MAC       The relay's MAC. Default: the port's.
  --no-option82         Relay mode without option 82 (by default circuit-id is
                        the 4-byte client index and remote-id the client MAC,
                        and every reply must echo it).
  --server-ip IP        The server (relay mode: required).
  --server-mac MAC      Destination MAC of unicast requests. Default: learnt
                        from the first valid reply (broadcast until then).

Load:
  --mix SPEC            Weights of the transaction kinds, e.g.
                        "dora=4,renew=2,rebind=1,release=1,decline=1".
                        A kind that needs a bound client falls back to DORA
                        while none is idle; a DORA with no unbound client left
                        restarts a bound one from INIT. Default dora=1.
  --rate R              Transactions started per second; 0 runs flat out,
                        bounded by --window only. Default 0.
  --window N            Outstanding transactions at most. Default 1024.
  --timeout S           Seconds an exchange waits for its reply. Default 1.
  --retransmits N       Resends (same xid) before a timeout counts. Default 0.
  --duration S          Stop starting transactions after S seconds, then wait
                        for the outstanding ones. Default 10.
  --transactions N      Stop after starting N transactions (0: no limit).
                        With 10k clients and dora=1, --transactions 10000
                        gives every client one DORA.

Validation:
  --pool FIRST-LAST     A pool range of the server; repeatable; required.
                        Every yiaddr must be inside one, and no address may be
                        bound to two clients at once.
  --expect-options      Also require option 1 (subnet mask) and option 3
                        (routers) in OFFER and ACK. Options 53, 54 (and 51 in
                        OFFER/ACK) are always required.

Output:
  --per-second          One line per second: sent, tps, dora/s, p50/p99
                        latency, timeouts, naks, invalid.
  --json PATH           Write the final result as JSON (tools/dhcpgen/README.md
                        lists the keys).
  --help                This text.

Exit status: 0 when every reply was valid; 3 when any reply was invalid
(including duplicate addresses); 1 on a usage, EAL or port error.
)";
}

}  // namespace dpdhcp::dhcpgen
