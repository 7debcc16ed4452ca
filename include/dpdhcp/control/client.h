// The client side of the control socket (dpdhcpctl, tests): connect, send one
// request, half-close, read the answer until the server closes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "dpdhcp/control/answer.h"

namespace dpdhcp::control {

inline constexpr std::string_view kDefaultSocketPath = "/run/dpdhcp/control.sock";

// Sends `request` as is and returns the raw answer text. Errors:
// Unavailable when the socket cannot be reached (no such file, refused,
// permission denied: the message says which), DeadlineExceeded when no whole
// answer arrives within `timeout`, Internal for other I/O failures.
absl::StatusOr<std::string> Exchange(const std::string& socket_path, std::string_view request,
                                     std::chrono::milliseconds timeout);

// {"command": command, "arguments": arguments} (no "arguments" when null),
// then ParseAnswer.
absl::StatusOr<Answer> SendCommand(const std::string& socket_path, std::string_view command,
                                   const Json& arguments, std::chrono::milliseconds timeout);

}  // namespace dpdhcp::control
