// The command registry: one core function per command, shared by every
// front-end (the Unix control socket now, DPDK telemetry callbacks later), so
// that a command given the same arguments answers the same JSON whichever way
// it arrives (../shared/STYLE.md: VPP's CLI and API call one function).
//
// A handler receives the request's "arguments" (null when the request had
// none, else a JSON map: the envelope is validated before any handler runs)
// and returns an Answer. Handlers run on the calling front-end's thread; the
// registry itself is immutable once serving starts, so Execute may be called
// from several threads at once if the handlers allow it (the server commands
// do: see commands.h).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dpdhcp/control/answer.h"

namespace dpdhcp::control {

// Requests larger than this are refused with result 1 "request too large".
inline constexpr size_t kMaxRequestBytes = size_t{1} << 20;

using Handler = std::function<Answer(const Json& arguments)>;

enum class Access : uint8_t {
  kRead,   // no effect on the server: safe to expose read-only (telemetry)
  kWrite,  // changes leases, statistics, configuration or the process
};

struct CommandInfo {
  std::string name;
  std::string help;  // one sentence, shown by `dpdhcpctl command --help` and docs
  Access access = Access::kRead;
  Handler handler;
};

// A validated request envelope.
struct Request {
  std::string command;
  Json arguments;  // null, or a map
};

// Parses and validates `{"command": "...", "arguments": {...}}`. Errors
// (InvalidArgument, text meant for the operator): not JSON (with the byte
// offset), nested deeper than kMaxRequestDepth, not a map, "command" missing
// or not a non-empty string, "arguments" not a map, an unknown top-level key
// ("service" is accepted and ignored, as Kea's control agent sends it).
absl::StatusOr<Request> ParseRequest(std::string_view text);

class CommandRegistry {
 public:
  // Registers "list-commands" itself.
  CommandRegistry();

  // AlreadyExists for a duplicate name, InvalidArgument for an empty one.
  absl::Status Register(std::string name, std::string help, Access access, Handler handler);

  // Runs `command`. Unknown command -> result 2 "'x' command not supported".
  // A handler that throws (it should not) answers result 1; the caller is
  // never affected.
  Answer Execute(std::string_view command, const Json& arguments) const;
  // ParseRequest, then Execute; a bad envelope answers result 1.
  Answer HandleRequest(std::string_view request_text) const;
  // Same, answered as the one line of JSON sent back on the socket.
  std::string HandleRequestText(std::string_view request_text) const;

  const CommandInfo* Find(std::string_view command) const;
  // Every command, sorted by name.
  std::vector<const CommandInfo*> Commands() const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, CommandInfo, std::less<>> commands_;
};

}  // namespace dpdhcp::control
