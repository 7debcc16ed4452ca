// Registration, and the server-level commands: version, status,
// configuration, shutdown.
#include "dpdhcp/control/commands.h"

#include <memory>
#include <span>
#include <utility>

#include "absl/strings/str_cat.h"
#include "text.h"
#include "arguments.h"
#include "commands_internal.h"
#include "dpdhcp/control/json_framer.h"

#ifndef DPDHCP_VERSION
#define DPDHCP_VERSION "unknown"
#endif

namespace dpdhcp::control {

using internal::Cat;
namespace {

using internal::Arguments;
using internal::CommandContext;

Json PortJson(const PortStatus& p) {
  return Json{{"name", p.name},          {"driver", p.driver},       {"mac", p.mac},
              {"link-up", p.link_up},    {"speed-mbps", p.speed_mbps}, {"rx-queues", p.rx_queues},
              {"tx-queues", p.tx_queues}};
}

Answer StatusGet(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("status-get", args, {}, false));
  (void)a;
  const ServerStatus s = c.state.GetStatus();
  Json ports = Json::array();
  for (const PortStatus& p : s.ports) ports.push_back(PortJson(p));
  Json queues = Json::array();
  for (const QueueAssignment& q : s.queues) {
    queues.push_back(Json{{"worker", q.worker}, {"port", q.port}, {"rx-queue", q.rx_queue}});
  }
  Json out = {
      // Kea's keys first (status-get.json), then dpdhcp's own.
      {"pid", s.pid},
      {"uptime", s.uptime_seconds},
      {"reload", s.seconds_since_reload},
      {"multi-threading-enabled", s.workers > 1},
      {"thread-pool-size", s.workers},
      {"sockets", {{"status", "ready"}}},
      {"dpdhcp",
       {{"version", Version()},
        {"workers", s.workers},
        {"ports", ports},
        {"queues", queues},
        {"durability",
         {{"mode", s.durability.mode},
          {"state", s.durability.state},
          {"durable-sequence", s.durability.durable_sequence},
          {"pending-records", s.durability.pending_records}}}}},
  };
  return Success("Server is up.", std::move(out));
}

Answer VersionGet(const CommandContext&, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("version-get", args, {}, false));
  (void)a;
  return Success(std::string(Version()),
                 Json{{"extended", Cat("dpdhcp ", Version(), " (DHCPv4 on DPDK)")}});
}

Answer ConfigGet(const CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("config-get", args, {}, false));
  (void)a;
  const auto config = c.state.GetConfig();
  if (config->source_json.empty()) return Success("Configuration retrieved.", Json::object());
  const std::string text = StripJsonComments(config->source_json);
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error("config-get: the configuration text is not plain JSON");
  return Success("Configuration retrieved.", std::move(j));
}

// config-test and config-set take the whole config as their arguments, as
// Kea does: {"command": "config-test", "arguments": {"Dhcp4": {...}}}.
absl::StatusOr<std::string> ConfigText(std::string_view command, const Json& args) {
  if (args.is_null()) {
    return absl::InvalidArgumentError(
        Cat(command, ": missing \"arguments\" (the configuration, {\"Dhcp4\": {...}})"));
  }
  if (!args.contains("Dhcp4")) {
    return absl::InvalidArgumentError(Cat(command, ": \"arguments\" must hold \"Dhcp4\""));
  }
  return DumpJson(args);
}

Answer ConfigTest(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const std::string text, ConfigText("config-test", args));
  const absl::Status s = c.state.TestConfig(text);
  if (!s.ok()) return Error(Cat("config-test: ", s.message()));
  return Success("Configuration seems sane.");
}

Answer ConfigSet(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const std::string text, ConfigText("config-set", args));
  const absl::StatusOr<std::string> s = c.state.SetConfig(text);
  if (!s.ok()) return Error(Cat("config-set: ", s.status().message()));
  return Success(s->empty() ? "Configuration successful." : Cat("Configuration successful. ", *s));
}

Answer ConfigReload(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a, Arguments::Open("config-reload", args, {}, false));
  (void)a;
  const absl::StatusOr<std::string> s = c.state.ReloadConfig();
  if (!s.ok()) return Error(Cat("config-reload: ", s.status().message()));
  return Success(s->empty() ? "Configuration successful." : Cat("Configuration successful. ", *s));
}

Answer ShutdownCommand(CommandContext& c, const Json& args) {
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const Arguments a,
                                  Arguments::Open("shutdown", args, {"exit-value"}, false));
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER(const auto exit_value, a.OptionalUint("exit-value", 0, 255));
  const absl::Status s = c.state.Shutdown(static_cast<int>(exit_value.value_or(0)));
  if (!s.ok()) return Error(Cat("shutdown: ", s.message()));
  return Success("Shutting down.");
}

}  // namespace

std::string_view Version() { return DPDHCP_VERSION; }

namespace internal {

absl::Status RegisterCommandTable(CommandRegistry& registry, const std::shared_ptr<CommandContext>& context,
                                  std::span<const CommandEntry> entries) {
  for (const CommandEntry& e : entries) {
    const absl::Status s = registry.Register(
        e.name, e.help, e.access, [context, fn = e.fn](const Json& a) { return fn(*context, a); });
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace internal

absl::Status RegisterServerCommands(CommandRegistry& registry, ServerState& state) {
  auto context = std::make_shared<CommandContext>(state);
  const internal::CommandEntry entries[] = {
      {"version-get", "Returns the server version.", Access::kRead, VersionGet},
      {"status-get", "Returns uptime, workers, ports, queue mapping and journal state.", Access::kRead,
       StatusGet},
      {"config-get", "Returns the configuration in force.", Access::kRead, ConfigGet},
      {"config-test", "Validates a configuration ({\"Dhcp4\": ...}) without applying it.", Access::kRead,
       ConfigTest},
      {"config-set", "Validates and applies a configuration ({\"Dhcp4\": ...}), keeping leases.",
       Access::kWrite, ConfigSet},
      {"config-reload", "Reads the configuration file again and applies it, keeping leases.",
       Access::kWrite, ConfigReload},
      {"shutdown", "Stops the server after answering.", Access::kWrite, ShutdownCommand},
  };
  for (absl::Status s : {
           internal::RegisterCommandTable(registry, context, entries),
           internal::RegisterStatisticCommands(registry, context),
           internal::RegisterLeaseCommands(registry, context),
       }) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace dpdhcp::control
