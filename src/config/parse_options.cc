// "option-data" entries (Kea's shape) -> OptionSet.
#include <string>

#include "dpdhcp/proto/option_defs.h"
#include "json_reader.h"
#include "parse_internal.h"
#include "text_util.h"

namespace dpdhcp::config::internal {
namespace {

namespace opt = proto::option;

// Options whose value the server derives from the exchange itself; letting an
// operator fix them would break the protocol. 54 (server identifier) stays
// configurable: it overrides the interface address as server id.
std::string_view ServerOwnedHint(uint8_t code) {
  switch (code) {
    case opt::kRequestedAddress:      // RFC 2132 §9.1: client -> server only
    case opt::kOverload:              // RFC 2132 §9.3: set by the encoder
    case opt::kMessageType:           // RFC 2132 §9.6
    case opt::kParameterRequestList:  // RFC 2132 §9.8: client -> server only
    case opt::kMaxMessageSize:        // RFC 2132 §9.10: client -> server only
    case opt::kClientId:              // RFC 2132 §9.14: the client's own
    case opt::kRelayAgentInfo:        // RFC 3046 §2.2: echoed from the relay
      return "the server sets it from the exchange";
    case opt::kLeaseTime:  // RFC 2132 §9.2
      return "use \"valid-lifetime\"";
    case opt::kRenewalTime:  // RFC 2132 §9.11
      return "use \"renew-timer\"";
    case opt::kRebindingTime:  // RFC 2132 §9.12
      return "use \"rebind-timer\"";
    default:
      return {};
  }
}

std::string OptionLabel(uint8_t code, const proto::OptionDef* def) {
  return def != nullptr ? Cat("option ", code, " (", def->name, ")") : Cat("option ", code);
}

absl::StatusOr<OptionData> ParseOption(const Json& entry, const std::string& path) {
  auto r = ObjectReader::Open(entry, path,
                              {"name", "code", "data", "csv-format", "always-send", "space"});
  if (!r.ok()) return r.status();

  std::optional<std::string> space;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("space", &space));
  if (space && *space != "dhcp4") {
    return PathError(r->PathOf("space"), Cat("\"", *space, "\" is not supported (only \"dhcp4\")"));
  }

  // Kea: an option is named by "name", "code" or both; both must agree.
  std::optional<std::string> name;
  std::optional<uint32_t> code;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("name", &name));
  // 0 (pad) and 255 (end) are not options (RFC 2132 §3.1, §3.2).
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetUint32("code", 1, 254, &code));
  const proto::OptionDef* def = nullptr;
  if (name) {
    def = proto::FindOptionDef(*name);
    if (def == nullptr) {
      return PathError(r->PathOf("name"), Cat("unknown option name \"", *name,
                                              "\" (give \"code\" for other options)"));
    }
    if (code && *code != def->code) {
      return PathError(r->PathOf("code"), Cat("code ", *code, " does not match name \"", *name,
                                              "\" (option ", def->code, ")"));
    }
  } else if (code) {
    def = proto::FindOptionDef(static_cast<uint8_t>(*code));
  } else {
    return PathError(path, "\"name\" or \"code\" is required");
  }
  OptionData out;
  out.code = def != nullptr ? def->code : static_cast<uint8_t>(*code);

  if (const std::string_view hint = ServerOwnedHint(out.code); !hint.empty()) {
    return PathError(path, Cat(OptionLabel(out.code, def), " cannot be configured: ", hint));
  }

  std::optional<bool> csv, always_send;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetBool("csv-format", &csv));
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetBool("always-send", &always_send));
  out.always_send = always_send.value_or(false);
  std::optional<std::string> data;
  DPDHCP_CONFIG_RETURN_IF_ERROR(r->GetString("data", &data));

  const bool csv_format = csv.value_or(true);
  if (def == nullptr && csv_format) {
    return PathError(path, Cat(OptionLabel(out.code, def),
                               " has no definition; give its data as hex with "
                               "\"csv-format\": false"));
  }
  const proto::OptionFormat format = csv_format ? def->format : proto::OptionFormat::kBinary;
  auto bytes = EncodeOptionText(format, data.value_or(""));
  if (!bytes.ok()) {
    return PathError(r->PathOf("data"),
                     Cat(OptionLabel(out.code, def), ": ", bytes.status().message()));
  }
  out.data = std::move(*bytes);
  return out;
}

}  // namespace

absl::StatusOr<OptionSet> ParseOptionList(const Json* list, std::string_view path) {
  OptionSet set;
  if (list == nullptr) return set;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string entry_path = IndexPath(path, i);
    auto option = ParseOption((*list)[i], entry_path);
    if (!option.ok()) return option.status();
    for (size_t j = 0; j < set.options.size(); ++j) {
      if (set.options[j].code == option->code) {
        return PathError(entry_path,
                         Cat(OptionLabel(option->code, proto::FindOptionDef(option->code)),
                             " is already set at ", IndexPath(path, j)));
      }
    }
    set.options.push_back(std::move(*option));
  }
  return set;
}

}  // namespace dpdhcp::config::internal
