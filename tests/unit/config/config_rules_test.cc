// Every validation rule, as a table: a valid base config, an edit, and either
// success or the exact "path: reason" text the error must contain.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dpdhcp/config/config.h"

namespace dpdhcp::config {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kBase = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [
    {"name": "lab0", "port": "net_af_packet0", "address": "198.18.0.1/24"},
    {"name": "lab1", "port": "net_af_packet0", "address": "198.18.1.1/24", "vlan": 100}]},
  "subnet4": [
    {"id": 1, "subnet": "198.18.0.0/24", "interface": "lab0",
     "pools": [{"pool": "198.18.0.100 - 198.18.0.199"}],
     "reservations": [{"hw-address": "02:00:00:00:00:10", "ip-address": "198.18.0.10"}]},
    {"id": 2, "subnet": "198.18.2.0/24", "relay": {"ip-addresses": ["198.18.2.1"]},
     "pools": [{"pool": "198.18.2.10-198.18.2.20"}, {"pool": "198.18.2.128/25"}]}]
}})";

constexpr const char* kRemove = "<remove>";

struct Edit {
  std::string pointer;  // RFC 6901; "/-" appends to an array
  std::string value;    // JSON text, or kRemove (object members only)
};

struct RuleCase {
  std::string name;
  std::vector<Edit> edits;
  std::string error;  // empty: must parse; else a substring of the error
};

std::ostream& operator<<(std::ostream& os, const RuleCase& c) { return os << c.name; }

std::string Apply(const std::vector<Edit>& edits) {
  Json j = Json::parse(kBase);
  for (const Edit& e : edits) {
    const Json::json_pointer ptr(e.pointer);
    if (e.value == kRemove) {
      j.at(ptr.parent_pointer()).erase(ptr.back());
    } else {
      j[ptr] = Json::parse(e.value);
    }
  }
  return j.dump();
}

class ConfigRuleTest : public testing::TestWithParam<RuleCase> {};

TEST_P(ConfigRuleTest, AcceptsOrNamesPathAndReason) {
  const RuleCase& c = GetParam();
  const std::string text = Apply(c.edits);
  const auto config = ParseConfig(text);
  if (c.error.empty()) {
    EXPECT_TRUE(config.ok()) << config.status() << "\n" << text;
  } else {
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(config.status().message()), testing::HasSubstr(c.error)) << text;
  }
}

const RuleCase kStructureCases[] = {
    {"Base", {}, ""},
    {"OtherTopLevelKey", {{"/Dhcp6", "{}"}}, "Dhcp6: unexpected top-level key"},
    {"TopLevelComment", {{"/comment", R"("lab")"}}, ""},
    {"MissingDhcp4", {{"/Dhcp4", kRemove}}, R"((root): "Dhcp4" is required)"},
    {"Dhcp4NotObject", {{"/Dhcp4", "[]"}}, "Dhcp4: expected an object, got an array"},
    {"UnknownGlobalKey", {{"/Dhcp4/loggers", "[]"}}, "Dhcp4.loggers: unknown key"},
    {"UserContextAnywhere",
     {{"/Dhcp4/user-context", R"({"a": {"b": [1]}})"},
      {"/Dhcp4/subnet4/0/pools/0/user-context", "{}"},
      {"/Dhcp4/subnet4/0/reservations/0/comment", R"("cpe")"},
      {"/Dhcp4/interfaces-config/comment", R"("x")"}},
     ""},
    {"UnknownSubnetKey",
     {{"/Dhcp4/subnet4/0/shared-network", "1"}},
     "Dhcp4.subnet4[0].shared-network: unknown key"},
    {"UnknownPoolKey",
     {{"/Dhcp4/subnet4/1/pools/1/client-class", R"("x")"}},
     "Dhcp4.subnet4[1].pools[1].client-class: unknown key"},
    {"UnknownInterfacesConfigKey",
     {{"/Dhcp4/interfaces-config/dhcp-socket-type", R"("raw")"}},
     "Dhcp4.interfaces-config.dhcp-socket-type: unknown key"},
    {"Subnet4NotArray",
     {{"/Dhcp4/subnet4", "{}"}},
     "Dhcp4.subnet4: expected an array, got an object"},
    {"SubnetNotObject",
     {{"/Dhcp4/subnet4/1", R"("x")"}},
     "Dhcp4.subnet4[1]: expected an object, got a string"},
};

const RuleCase kGlobalCases[] = {
    {"ValidLifetimeString",
     {{"/Dhcp4/valid-lifetime", R"("3600")"}},
     "Dhcp4.valid-lifetime: expected an integer, got a string"},
    {"ValidLifetimeFloat",
     {{"/Dhcp4/valid-lifetime", "1.5"}},
     "Dhcp4.valid-lifetime: expected an integer, got a floating-point number"},
    {"ValidLifetimeNegative",
     {{"/Dhcp4/valid-lifetime", "-1"}},
     "Dhcp4.valid-lifetime: -1 is out of range 1..4294967295"},
    {"ValidLifetimeZero",
     {{"/Dhcp4/valid-lifetime", "0"}},
     "Dhcp4.valid-lifetime: 0 is out of range"},
    {"ValidLifetimeTooBig",
     {{"/Dhcp4/valid-lifetime", "4294967296"}},
     "Dhcp4.valid-lifetime: 4294967296 is out of range"},
    {"ValidLifetimeInfinite", {{"/Dhcp4/valid-lifetime", "4294967295"}}, ""},
    {"RenewBelowDerivedRebind", {{"/Dhcp4/renew-timer", "6000"}}, ""},
    {"RenewNotBelowRebind",
     {{"/Dhcp4/renew-timer", "7000"}},
     "Dhcp4: renew-timer 7000 (Dhcp4.renew-timer) must be less than rebind-timer 6300 (87.5% of "
     "valid-lifetime)"},
    {"RebindNotBelowValid",
     {{"/Dhcp4/rebind-timer", "7200"}},
     "Dhcp4: rebind-timer 7200 (Dhcp4.rebind-timer) must be less than valid-lifetime 7200 (the "
     "default)"},
    {"SubnetRenewAboveRebind",
     {{"/Dhcp4/subnet4/0/renew-timer", "300"}, {"/Dhcp4/subnet4/0/rebind-timer", "200"}},
     "Dhcp4.subnet4[0]: renew-timer 300 (Dhcp4.subnet4[0].renew-timer) must be less than "
     "rebind-timer 200 (Dhcp4.subnet4[0].rebind-timer)"},
    {"InheritedRenewAboveSubnetValid",
     {{"/Dhcp4/renew-timer", "1800"}, {"/Dhcp4/subnet4/1/valid-lifetime", "600"}},
     "Dhcp4.subnet4[1]: renew-timer 1800 (Dhcp4.renew-timer) must be less than rebind-timer 525"},
    {"InfiniteValidFiniteRebindInfiniteRenew",
     {{"/Dhcp4/valid-lifetime", "4294967295"},
      {"/Dhcp4/renew-timer", "4294967295"},
      {"/Dhcp4/rebind-timer", "3600"}},
     "Dhcp4: renew-timer 4294967295 (infinite) (Dhcp4.renew-timer) must be less than rebind-timer "
     "3600"},
    {"AuthoritativeNotBool",
     {{"/Dhcp4/authoritative", R"("yes")"}},
     "Dhcp4.authoritative: expected true or false, got a string"},
    {"MatchClientIdNotBool",
     {{"/Dhcp4/subnet4/0/match-client-id", "1"}},
     "Dhcp4.subnet4[0].match-client-id: expected true or false, got an integer"},
    {"DeclineProbationZero", {{"/Dhcp4/decline-probation-period", "0"}}, ""},
    {"OfferLifetimeNegative",
     {{"/Dhcp4/offer-lifetime", "-5"}},
     "Dhcp4.offer-lifetime: -5 is out of range"},
    {"ControlSocket",
     {{"/Dhcp4/control-socket", R"({"socket-type": "unix", "socket-name": "/run/x.sock"})"}},
     ""},
    {"ControlSocketType",
     {{"/Dhcp4/control-socket", R"({"socket-type": "http", "socket-name": "/run/x.sock"})"}},
     R"(Dhcp4.control-socket.socket-type: "http" is not supported)"},
    {"ControlSocketName",
     {{"/Dhcp4/control-socket", R"({"socket-type": "unix"})"}},
     R"(Dhcp4.control-socket: "socket-name" is required)"},
    {"LeaseDatabaseRelaxed",
     {{"/Dhcp4/lease-database",
       R"({"type": "journal", "name": "/tmp/x", "durability": "relaxed"})"}},
     ""},
    {"LeaseDatabaseType",
     {{"/Dhcp4/lease-database", R"({"type": "memfile"})"}},
     R"(Dhcp4.lease-database.type: "memfile" is not supported)"},
    {"LeaseDatabaseDurability",
     {{"/Dhcp4/lease-database", R"({"type": "journal", "durability": "fast"})"}},
     R"(Dhcp4.lease-database.durability: "fast" is not "strict" or "relaxed")"},
    {"LeaseDatabaseUnknownKey",
     {{"/Dhcp4/lease-database", R"({"type": "journal", "lfc-intervall": 1})"}},
     "Dhcp4.lease-database.lfc-intervall: unknown key"},
    {"LeaseDatabaseMemory", {{"/Dhcp4/lease-database", R"({"type": "memory"})"}}, ""},
    {"LeaseDatabaseLfc",
     {{"/Dhcp4/lease-database",
       R"({"type": "journal", "lfc-interval": 0, "lfc-max-journal-mb": 1024})"}},
     ""},
    {"LeaseDatabaseLfcNegative",
     {{"/Dhcp4/lease-database", R"({"type": "journal", "lfc-interval": -1})"}},
     "Dhcp4.lease-database.lfc-interval: -1 is out of range"},
    {"LeaseDatabaseLfcMbTooLarge",
     {{"/Dhcp4/lease-database", R"({"type": "journal", "lfc-max-journal-mb": 2000000})"}},
     "Dhcp4.lease-database.lfc-max-journal-mb: 2000000 is out of range"},
};

const RuleCase kInterfaceCases[] = {
    {"DuplicateName",
     {{"/Dhcp4/interfaces-config/interfaces/1/name", R"("lab0")"}},
     R"(Dhcp4.interfaces-config.interfaces[1].name: interface "lab0" is already defined at )"
     "Dhcp4.interfaces-config.interfaces[0]"},
    {"PortMissing",
     {{"/Dhcp4/interfaces-config/interfaces/0/port", kRemove}},
     R"(Dhcp4.interfaces-config.interfaces[0]: "port" is required)"},
    {"PortEmpty",
     {{"/Dhcp4/interfaces-config/interfaces/0/port", R"("")"}},
     "Dhcp4.interfaces-config.interfaces[0].port: must name a DPDK port"},
    {"AddressMissing",
     {{"/Dhcp4/interfaces-config/interfaces/0/address", kRemove}},
     R"(Dhcp4.interfaces-config.interfaces[0]: "address" is required)"},
    {"AddressWithoutLength",
     {{"/Dhcp4/interfaces-config/interfaces/0/address", R"("198.18.0.1")"}},
     R"(Dhcp4.interfaces-config.interfaces[0].address: "198.18.0.1" is not an address with a prefix length)"},
    {"AddressLength33",
     {{"/Dhcp4/interfaces-config/interfaces/0/address", R"("198.18.0.1/33")"}},
     "Dhcp4.interfaces-config.interfaces[0].address: \"198.18.0.1/33\" is not"},
    {"AddressIsNetwork",
     {{"/Dhcp4/interfaces-config/interfaces/0/address", R"("198.18.0.0/24")"}},
     "Dhcp4.interfaces-config.interfaces[0].address: 198.18.0.0 is not a host address in "
     "198.18.0.0/24"},
    {"VlanMax", {{"/Dhcp4/interfaces-config/interfaces/1/vlan", "4094"}}, ""},
    {"VlanZero",
     {{"/Dhcp4/interfaces-config/interfaces/1/vlan", "0"}},
     "Dhcp4.interfaces-config.interfaces[1].vlan: 0 is out of range 1..4094"},
    {"Vlan4095",
     {{"/Dhcp4/interfaces-config/interfaces/1/vlan", "4095"}},
     "Dhcp4.interfaces-config.interfaces[1].vlan: 4095 is out of range 1..4094"},
    {"QinQ", {{"/Dhcp4/interfaces-config/interfaces/1/outer-vlan", "200"}}, ""},
    {"OuterVlanRange",
     {{"/Dhcp4/interfaces-config/interfaces/1/outer-vlan", "4095"}},
     "Dhcp4.interfaces-config.interfaces[1].outer-vlan: 4095 is out of range 1..4094"},
    {"OuterVlanWithoutVlan",
     {{"/Dhcp4/interfaces-config/interfaces/0/outer-vlan", "200"}},
     R"(Dhcp4.interfaces-config.interfaces[0].outer-vlan: needs "vlan")"},
    {"SamePortSameTags",
     {{"/Dhcp4/interfaces-config/interfaces/1/vlan", kRemove}},
     R"(Dhcp4.interfaces-config.interfaces[1]: same port "net_af_packet0" and VLAN tags as )"
     "Dhcp4.interfaces-config.interfaces[0] (lab0)"},
    {"Mac", {{"/Dhcp4/interfaces-config/interfaces/0/mac", R"("02:00:00:00:00:01")"}}, ""},
    {"MacMalformed",
     {{"/Dhcp4/interfaces-config/interfaces/0/mac", R"("02:00:00")"}},
     R"(Dhcp4.interfaces-config.interfaces[0].mac: "02:00:00" is not a MAC address)"},
    {"MacMulticast",
     {{"/Dhcp4/interfaces-config/interfaces/0/mac", R"("01:00:5e:00:00:01")"}},
     "Dhcp4.interfaces-config.interfaces[0].mac: 01:00:5e:00:00:01 is not a unicast MAC address"},
    {"KeaInterfaceName",
     {{"/Dhcp4/interfaces-config/interfaces/1", R"("eth0")"}},
     "Dhcp4.interfaces-config.interfaces[1]: an interface is an object here"},
    {"NoInterfaces",
     {{"/Dhcp4/interfaces-config", kRemove}, {"/Dhcp4/subnet4/0/interface", kRemove}},
     ""},
};

const RuleCase kSubnetCases[] = {
    {"UnknownInterface",
     {{"/Dhcp4/subnet4/0/interface", R"("lab9")"}},
     R"(Dhcp4.subnet4[0].interface: "lab9" is not in Dhcp4.interfaces-config.interfaces)"},
    {"IdMissing", {{"/Dhcp4/subnet4/0/id", kRemove}}, R"(Dhcp4.subnet4[0]: "id" is required)"},
    {"IdZero",
     {{"/Dhcp4/subnet4/0/id", "0"}},
     "Dhcp4.subnet4[0].id: 0 is out of range 1..4294967294"},
    {"IdMax", {{"/Dhcp4/subnet4/0/id", "4294967294"}}, ""},
    {"IdUnused",
     {{"/Dhcp4/subnet4/0/id", "4294967295"}},
     "Dhcp4.subnet4[0].id: 4294967295 is out of range"},
    {"IdDuplicate",
     {{"/Dhcp4/subnet4/1/id", "1"}},
     "Dhcp4.subnet4[1].id: id 1 is already used by Dhcp4.subnet4[0]"},
    {"PrefixMissing",
     {{"/Dhcp4/subnet4/1/subnet", kRemove}},
     R"(Dhcp4.subnet4[1]: "subnet" is required)"},
    {"PrefixHostBits",
     {{"/Dhcp4/subnet4/0/subnet", R"("198.18.0.1/24")"}},
     R"(Dhcp4.subnet4[0].subnet: "198.18.0.1/24" has host bits set; did you mean 198.18.0.0/24?)"},
    {"PrefixGarbage",
     {{"/Dhcp4/subnet4/0/subnet", R"("lab")"}},
     R"(Dhcp4.subnet4[0].subnet: "lab" is not a prefix)"},
    {"OverlappingSubnetsInside",
     {{"/Dhcp4/subnet4/1/subnet", R"("198.18.0.128/25")"}, {"/Dhcp4/subnet4/1/pools", "[]"}},
     "Dhcp4.subnet4[1]: subnet 198.18.0.128/25 overlaps Dhcp4.subnet4[0] (198.18.0.0/24)"},
    {"OverlappingSubnetsAround",
     {{"/Dhcp4/subnet4/1/subnet", R"("198.18.0.0/16")"}},
     "Dhcp4.subnet4[1]: subnet 198.18.0.0/16 overlaps Dhcp4.subnet4[0] (198.18.0.0/24)"},
    {"SameSubnetTwice",
     {{"/Dhcp4/subnet4/1/subnet", R"("198.18.0.0/24")"}, {"/Dhcp4/subnet4/1/pools", "[]"}},
     "Dhcp4.subnet4[1]: subnet 198.18.0.0/24 overlaps Dhcp4.subnet4[0]"},
    {"OverlappingPoolsAcrossSubnets",
     {{"/Dhcp4/subnet4/1/subnet", R"("198.18.0.0/23")"},
      {"/Dhcp4/subnet4/1/pools", R"([{"pool": "198.18.0.150-198.18.1.10"}])"}},
     "overlaps Dhcp4.subnet4[0]"},
    {"RelayAddressInvalid",
     {{"/Dhcp4/subnet4/1/relay/ip-addresses/0", R"("300.1.1.1")"}},
     R"(Dhcp4.subnet4[1].relay.ip-addresses[0]: "300.1.1.1" is not a relay IPv4 address)"},
    {"RelayAddressNotString",
     {{"/Dhcp4/subnet4/1/relay/ip-addresses/0", "7"}},
     "Dhcp4.subnet4[1].relay.ip-addresses[0]: 7 is not a relay IPv4 address"},
    {"RelayWithoutAddresses",
     {{"/Dhcp4/subnet4/1/relay", "{}"}},
     R"(Dhcp4.subnet4[1].relay: "ip-addresses" is required)"},
    {"RelaySingularKey",
     {{"/Dhcp4/subnet4/1/relay/ip-address", R"("198.18.2.1")"}},
     "Dhcp4.subnet4[1].relay.ip-address: unknown key"},
    {"RelayListedTwice",
     {{"/Dhcp4/subnet4/1/relay/ip-addresses/-", R"("198.18.2.1")"}},
     "Dhcp4.subnet4[1].relay.ip-addresses[1]: 198.18.2.1 is listed twice"},
    {"RelayInTwoSubnets",
     {{"/Dhcp4/subnet4/0/relay", R"({"ip-addresses": ["198.18.2.1"]})"}},
     "Dhcp4.subnet4[1].relay.ip-addresses[0]: relay 198.18.2.1 is already listed by "
     "Dhcp4.subnet4[0]"},
};

const RuleCase kPoolCases[] = {
    {"Reversed",
     {{"/Dhcp4/subnet4/1/pools/0/pool", R"("198.18.2.20 - 198.18.2.10")"}},
     "Dhcp4.subnet4[1].pools[0]: range 198.18.2.20-198.18.2.10 is reversed"},
    {"SingleAddress", {{"/Dhcp4/subnet4/1/pools/0/pool", R"("198.18.2.5-198.18.2.5")"}}, ""},
    {"PrefixForm", {{"/Dhcp4/subnet4/1/pools/0/pool", R"(" 198.18.2.0/26 ")"}}, ""},
    {"PrefixHostBits",
     {{"/Dhcp4/subnet4/1/pools/0/pool", R"("198.18.2.1/26")"}},
     R"(Dhcp4.subnet4[1].pools[0]: "198.18.2.1/26" is not a prefix)"},
    {"HalfRange",
     {{"/Dhcp4/subnet4/1/pools/0/pool", R"("198.18.2.10 -")"}},
     R"(Dhcp4.subnet4[1].pools[0]: "198.18.2.10 -" is not "first - last" or a prefix)"},
    {"OutsideSubnet",
     {{"/Dhcp4/subnet4/1/pools/0/pool", R"("198.18.2.250-198.18.3.5")"}},
     "Dhcp4.subnet4[1].pools[0]: pool 198.18.2.250-198.18.3.5 is outside subnet 198.18.2.0/24"},
    {"OverlapWithinSubnet",
     {{"/Dhcp4/subnet4/1/pools/1/pool", R"("198.18.2.15-198.18.2.30")"}},
     "Dhcp4.subnet4[1].pools[1]: pool 198.18.2.15-198.18.2.30 overlaps Dhcp4.subnet4[1].pools[0] "
     "(198.18.2.10-198.18.2.20)"},
    {"OverlapEarlierPoolIsHigher",
     {{"/Dhcp4/subnet4/1/pools/1/pool", R"("198.18.2.0-198.18.2.10")"}},
     "Dhcp4.subnet4[1].pools[1]: pool 198.18.2.0-198.18.2.10 overlaps Dhcp4.subnet4[1].pools[0]"},
    {"Adjacent", {{"/Dhcp4/subnet4/1/pools/1/pool", R"("198.18.2.21-198.18.2.30")"}}, ""},
    {"PoolMissing",
     {{"/Dhcp4/subnet4/1/pools/0", "{}"}},
     R"(Dhcp4.subnet4[1].pools[0]: "pool" is required)"},
    {"PoolOptions",
     {{"/Dhcp4/subnet4/1/pools/0/option-data", R"([{"name": "routers", "data": "198.18.2.1"}])"}},
     ""},
    {"PoolOptionError",
     {{"/Dhcp4/subnet4/1/pools/0/option-data", R"([{"name": "routers", "data": "198.18.2"}])"}},
     R"(Dhcp4.subnet4[1].pools[0].option-data[0].data: option 3 (routers): "198.18.2" is not an IPv4 address)"},
};

const RuleCase kReservationCases[] = {
    {"HwAddressNotHex",
     {{"/Dhcp4/subnet4/0/reservations/0/hw-address", R"("zz")"}},
     R"(Dhcp4.subnet4[0].reservations[0].hw-address: "zz" is not hex)"},
    {"HwAddressQuoted",
     {{"/Dhcp4/subnet4/0/reservations/0/hw-address", R"("'cpe'")"}},
     "Dhcp4.subnet4[0].reservations[0].hw-address: must be hex, not quoted text"},
    {"HwAddressTooLong",
     {{"/Dhcp4/subnet4/0/reservations/0/hw-address", R"("0102030405060708090a0b0c0d0e0f1011")"}},
     "Dhcp4.subnet4[0].reservations[0].hw-address: is 17 bytes; hw-address takes 1 to 16"},
    {"ClientIdTooShort",
     {{"/Dhcp4/subnet4/0/reservations/-", R"({"client-id": "01", "ip-address": "198.18.0.11"})"}},
     "Dhcp4.subnet4[0].reservations[1].client-id: is 1 bytes; client-id takes 2 to 255"},
    {"CircuitIdQuoted",
     {{"/Dhcp4/subnet4/0/reservations/-",
       R"({"circuit-id": "'eth0/1/1:100'", "ip-address": "198.18.0.12"})"}},
     ""},
    {"CircuitIdHex", {{"/Dhcp4/subnet4/0/reservations/-", R"({"circuit-id": "00:04:00:01"})"}}, ""},
    {"OutsideSubnet",
     {{"/Dhcp4/subnet4/0/reservations/0/ip-address", R"("198.18.5.10")"}},
     "Dhcp4.subnet4[0].reservations[0].ip-address: 198.18.5.10 is outside subnet 198.18.0.0/24"},
    {"OutOfPoolInSubnet",
     {{"/Dhcp4/subnet4/0/reservations/0/ip-address", R"("198.18.0.250")"}},
     ""},
    {"NotAnAddress",
     {{"/Dhcp4/subnet4/0/reservations/0/ip-address", R"("198.18.0")"}},
     R"(Dhcp4.subnet4[0].reservations[0].ip-address: "198.18.0" is not an IPv4 address)"},
    {"ServerOwnAddress",
     {{"/Dhcp4/subnet4/0/reservations/0/ip-address", R"("198.18.0.1")"}},
     R"(Dhcp4.subnet4[0].reservations[0].ip-address: 198.18.0.1 is the server's own address on interface "lab0")"},
    {"BroadcastAddress",
     {{"/Dhcp4/subnet4/0/reservations/0/ip-address", R"("198.18.0.255")"}},
     "Dhcp4.subnet4[0].reservations[0].ip-address: 198.18.0.255 is the network or broadcast"},
    {"OptionsOnly", {{"/Dhcp4/subnet4/0/reservations/0/ip-address", kRemove}}, ""},
    {"DuplicateIdentifier",
     {{"/Dhcp4/subnet4/0/reservations/-",
       R"({"hw-address": "02-00-00-00-00-10", "ip-address": "198.18.0.11"})"}},
     "Dhcp4.subnet4[0].reservations[1]: hw-address 02:00:00:00:00:10 is already reserved at "
     "Dhcp4.subnet4[0].reservations[0]"},
    {"DuplicateOptionsOnlyIdentifier",
     {{"/Dhcp4/subnet4/0/reservations/-", R"({"client-id": "01:02:03"})"},
      {"/Dhcp4/subnet4/0/reservations/-", R"({"client-id": "010203"})"}},
     "Dhcp4.subnet4[0].reservations[2]: client-id 01:02:03 is already reserved at "
     "Dhcp4.subnet4[0].reservations[1]"},
    {"DuplicateAddress",
     {{"/Dhcp4/subnet4/0/reservations/-",
       R"({"hw-address": "02:00:00:00:00:11", "ip-address": "198.18.0.10"})"}},
     "Dhcp4.subnet4[0].reservations[1]: ip-address 198.18.0.10 is already reserved at "
     "Dhcp4.subnet4[0].reservations[0]"},
    {"SameBytesOtherKeyKind",
     {{"/Dhcp4/subnet4/0/reservations/-",
       R"({"client-id": "02:00:00:00:00:10", "ip-address": "198.18.0.11"})"}},
     ""},
    {"SameIdentifierOtherSubnet",
     {{"/Dhcp4/subnet4/1/reservations",
       R"([{"hw-address": "02:00:00:00:00:10", "ip-address": "198.18.2.50"}])"}},
     ""},
    {"TwoIdentifiers",
     {{"/Dhcp4/subnet4/0/reservations/0/client-id", R"("01:02:03")"}},
     R"(Dhcp4.subnet4[0].reservations[0]: has both "hw-address" and "client-id")"},
    {"NoIdentifier",
     {{"/Dhcp4/subnet4/0/reservations/0/hw-address", kRemove}},
     R"(Dhcp4.subnet4[0].reservations[0]: needs an identifier)"},
    {"DuidUnsupported",
     {{"/Dhcp4/subnet4/0/reservations/0/duid", R"("01:02")"}},
     "Dhcp4.subnet4[0].reservations[0].duid: unknown key"},
    {"Hostname", {{"/Dhcp4/subnet4/0/reservations/0/hostname", R"("cpe10.lab")"}}, ""},
    {"HostnameInvalid",
     {{"/Dhcp4/subnet4/0/reservations/0/hostname", R"("cpe 10")"}},
     R"(Dhcp4.subnet4[0].reservations[0].hostname: "cpe 10" is not a valid host name)"},
    {"ReservationOptions",
     {{"/Dhcp4/subnet4/0/reservations/0/option-data", R"([{"name": "bogus", "data": "1"}])"}},
     R"(Dhcp4.subnet4[0].reservations[0].option-data[0].name: unknown option name "bogus")"},
};

const RuleCase kOptionCases[] = {
    {"ByName", {{"/Dhcp4/option-data", R"([{"name": "routers", "data": "198.18.0.1"}])"}}, ""},
    {"ByCode", {{"/Dhcp4/option-data", R"([{"code": 3, "data": "198.18.0.1"}])"}}, ""},
    {"NameAndCodeAgree",
     {{"/Dhcp4/option-data", R"([{"name": "routers", "code": 3, "data": "198.18.0.1"}])"}},
     ""},
    {"NameAndCodeDisagree",
     {{"/Dhcp4/option-data", R"([{"name": "routers", "code": 4, "data": "198.18.0.1"}])"}},
     R"(Dhcp4.option-data[0].code: code 4 does not match name "routers" (option 3))"},
    {"NeitherNameNorCode",
     {{"/Dhcp4/option-data", R"([{"data": "198.18.0.1"}])"}},
     R"(Dhcp4.option-data[0]: "name" or "code" is required)"},
    {"UnknownName",
     {{"/Dhcp4/option-data", R"([{"name": "no-such-option", "data": "1"}])"}},
     R"(Dhcp4.option-data[0].name: unknown option name "no-such-option")"},
    {"CodeZero",
     {{"/Dhcp4/option-data", R"([{"code": 0, "data": ""}])"}},
     "Dhcp4.option-data[0].code: 0 is out of range 1..254"},
    {"CodeEnd",
     {{"/Dhcp4/option-data", R"([{"code": 255, "data": ""}])"}},
     "Dhcp4.option-data[0].code: 255 is out of range 1..254"},
    {"ServerIdOverride", {{"/Dhcp4/option-data", R"([{"code": 54, "data": "198.18.0.1"}])"}}, ""},
    {"UnknownCodeHex",
     {{"/Dhcp4/option-data", R"([{"code": 224, "csv-format": false, "data": "01:02"}])"}},
     ""},
    {"UnknownCodeCsv",
     {{"/Dhcp4/option-data", R"([{"code": 224, "data": "01:02"}])"}},
     R"(Dhcp4.option-data[0]: option 224 has no definition; give its data as hex with "csv-format": false)"},
    {"Duplicate",
     {{"/Dhcp4/option-data",
       R"([{"name": "routers", "data": "198.18.0.1"}, {"code": 3, "data": "198.18.0.2"}])"}},
     "Dhcp4.option-data[1]: option 3 (routers) is already set at Dhcp4.option-data[0]"},
    {"SameCodeOtherLevels",
     {{"/Dhcp4/option-data", R"([{"name": "routers", "data": "198.18.0.1"}])"},
      {"/Dhcp4/subnet4/0/option-data", R"([{"name": "routers", "data": "198.18.0.1"}])"}},
     ""},
    {"BadData",
     {{"/Dhcp4/subnet4/0/option-data", R"([{"name": "routers", "data": "1.2.3"}])"}},
     R"(Dhcp4.subnet4[0].option-data[0].data: option 3 (routers): "1.2.3" is not an IPv4 address)"},
    {"BadHex",
     {{"/Dhcp4/option-data", R"([{"name": "routers", "csv-format": false, "data": "c6:12:0g"}])"}},
     R"(Dhcp4.option-data[0].data: option 3 (routers): "c6:12:0g" is not valid hex)"},
    {"OtherSpace",
     {{"/Dhcp4/option-data", R"([{"name": "routers", "space": "dhcp6", "data": "1.2.3.4"}])"}},
     R"(Dhcp4.option-data[0].space: "dhcp6" is not supported)"},
    {"AlwaysSendNotBool",
     {{"/Dhcp4/option-data", R"([{"name": "routers", "always-send": 1, "data": "1.2.3.4"}])"}},
     "Dhcp4.option-data[0].always-send: expected true or false"},
    {"NotAnArray", {{"/Dhcp4/option-data", "{}"}}, "Dhcp4.option-data: expected an array"},
};

INSTANTIATE_TEST_SUITE_P(Structure, ConfigRuleTest, testing::ValuesIn(kStructureCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Global, ConfigRuleTest, testing::ValuesIn(kGlobalCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Interface, ConfigRuleTest, testing::ValuesIn(kInterfaceCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Subnet, ConfigRuleTest, testing::ValuesIn(kSubnetCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Pool, ConfigRuleTest, testing::ValuesIn(kPoolCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Reservation, ConfigRuleTest, testing::ValuesIn(kReservationCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Option, ConfigRuleTest, testing::ValuesIn(kOptionCases),
                         [](const auto& info) { return info.param.name; });

// Options the server owns (RFC 2132 §9) are refused by name and by code; 54
// is the one exception (tested above).
class ServerOwnedOptionTest : public testing::TestWithParam<int> {};

TEST_P(ServerOwnedOptionTest, IsRefusedWithPath) {
  const int code = GetParam();
  const auto config =
      ParseConfig(Apply({{"/Dhcp4/subnet4/1/option-data",
                          "[{\"code\": " + std::to_string(code) + ", \"data\": \"\"}]"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(
      std::string(config.status().message()),
      testing::HasSubstr("Dhcp4.subnet4[1].option-data[0]: option " + std::to_string(code) + " ("));
  EXPECT_THAT(std::string(config.status().message()), testing::HasSubstr("cannot be configured"));
}

INSTANTIATE_TEST_SUITE_P(Codes, ServerOwnedOptionTest,
                         testing::Values(50, 51, 52, 53, 55, 57, 58, 59, 61, 82));

TEST(ServerOwnedOptionTest, LeaseTimeNamesTheKeyToUse) {
  const auto config = ParseConfig(
      Apply({{"/Dhcp4/option-data", R"([{"name": "dhcp-lease-time", "data": "3600"}])"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              testing::HasSubstr("Dhcp4.option-data[0]: option 51 (dhcp-lease-time) cannot be "
                                 "configured: use \"valid-lifetime\""));
}

}  // namespace
}  // namespace dpdhcp::config
