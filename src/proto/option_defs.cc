#include "dpdhcp/proto/option_defs.h"

#include <array>

namespace dpdhcp::proto {
namespace {

using F = OptionFormat;

// Options the server itself manages (50-59, 61, 82, 118) are listed so that
// they can be recognised by name, but config validation refuses to let an
// operator set the ones only the server may set (see config).
constexpr std::array kDefs = {
    OptionDef{1, "subnet-mask", F::kIpv4Address},
    OptionDef{2, "time-offset", F::kInt32},
    OptionDef{3, "routers", F::kIpv4AddressList},
    OptionDef{4, "time-servers", F::kIpv4AddressList},
    OptionDef{5, "name-servers", F::kIpv4AddressList},
    OptionDef{6, "domain-name-servers", F::kIpv4AddressList},
    OptionDef{7, "log-servers", F::kIpv4AddressList},
    OptionDef{12, "host-name", F::kString},
    OptionDef{13, "boot-size", F::kUint16},
    OptionDef{15, "domain-name", F::kString},
    OptionDef{19, "ip-forwarding", F::kBoolean},
    OptionDef{23, "default-ip-ttl", F::kUint8},
    OptionDef{26, "interface-mtu", F::kUint16},
    OptionDef{28, "broadcast-address", F::kIpv4Address},
    OptionDef{33, "static-routes", F::kIpv4AddressPairs},
    OptionDef{35, "arp-cache-timeout", F::kUint32},
    OptionDef{40, "nis-domain", F::kString},
    OptionDef{41, "nis-servers", F::kIpv4AddressList},
    OptionDef{42, "ntp-servers", F::kIpv4AddressList},
    OptionDef{43, "vendor-encapsulated-options", F::kBinary},
    OptionDef{44, "netbios-name-servers", F::kIpv4AddressList},
    OptionDef{46, "netbios-node-type", F::kUint8},
    OptionDef{50, "dhcp-requested-address", F::kIpv4Address},
    OptionDef{51, "dhcp-lease-time", F::kUint32},
    OptionDef{52, "dhcp-option-overload", F::kUint8},
    OptionDef{53, "dhcp-message-type", F::kUint8},
    OptionDef{54, "dhcp-server-identifier", F::kIpv4Address},
    OptionDef{55, "dhcp-parameter-request-list", F::kUint8List},
    OptionDef{56, "dhcp-message", F::kString},
    OptionDef{57, "dhcp-max-message-size", F::kUint16},
    OptionDef{58, "dhcp-renewal-time", F::kUint32},
    OptionDef{59, "dhcp-rebinding-time", F::kUint32},
    OptionDef{60, "vendor-class-identifier", F::kBinary},
    OptionDef{61, "dhcp-client-identifier", F::kBinary},
    OptionDef{66, "tftp-server-name", F::kString},
    OptionDef{67, "boot-file-name", F::kString},
    OptionDef{69, "smtp-server", F::kIpv4AddressList},
    OptionDef{72, "www-server", F::kIpv4AddressList},
    OptionDef{82, "dhcp-agent-options", F::kBinary},
    OptionDef{118, "subnet-selection", F::kIpv4Address},
    OptionDef{119, "domain-search", F::kFqdnList},
    OptionDef{121, "classless-static-route", F::kClasslessRoutes},
    OptionDef{150, "tftp-server-address", F::kIpv4AddressList},
};

}  // namespace

std::span<const OptionDef> StdOptionDefs() { return kDefs; }

const OptionDef* FindOptionDef(std::string_view name) {
  for (const OptionDef& d : kDefs) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const OptionDef* FindOptionDef(uint8_t code) {
  for (const OptionDef& d : kDefs) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

}  // namespace dpdhcp::proto
