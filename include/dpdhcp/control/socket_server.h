// The control socket: a Unix domain stream socket serving a CommandRegistry
// on one dedicated thread (never a worker), Kea's way: one request per
// connection, read until the JSON object is complete or the peer half-closes,
// one answer, close.
//
// The thread multiplexes every connection with poll(2), so a client that
// connects and sends nothing (or stops reading the answer) only holds its own
// connection until its idle timeout; other clients are served meanwhile. A
// command runs to completion on this thread before the next one starts.
//
// Socket file: created under a temporary name, given `mode` and `group`, then
// renamed to `path`, so it is never reachable with looser permissions. A
// stale socket at `path` (nobody accepting) is replaced; a live one (another
// server answering) is an error, as is any other kind of file there.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "dpdhcp/control/registry.h"

namespace dpdhcp::control {

struct ControlServerOptions {
  std::string path;                 // Config::control_socket
  mode_t mode = 0600;               // permissions of the socket file
  std::string group;                // group name or number owning it; empty: unchanged
  size_t max_request_bytes = kMaxRequestBytes;
  // A connection with no progress (bytes read or written) for this long is
  // closed; one that never completed its request first gets result 1.
  std::chrono::milliseconds idle_timeout{5000};
  size_t max_connections = 64;      // more are answered result 1 "busy" and closed
};

class ControlServer {
 public:
  // `registry` must outlive the server.
  ControlServer(const CommandRegistry& registry, ControlServerOptions options);
  ~ControlServer();  // Stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the socket and starts the thread. Errors name the path.
  absl::Status Start();
  // Stops the thread (a command in progress finishes first), closes every
  // connection and removes the socket file if it is still ours. Idempotent.
  void Stop();

  const std::string& path() const { return options_.path; }

  struct Stats {
    uint64_t accepted = 0;   // connections
    uint64_t answered = 0;   // answers sent whole
    uint64_t timed_out = 0;  // connections closed for idleness
    uint64_t too_large = 0;  // requests over max_request_bytes
    uint64_t busy = 0;       // connections refused over max_connections
  };
  Stats stats() const;

 private:
  void Run();

  const CommandRegistry& registry_;
  const ControlServerOptions options_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop() wakes poll
  dev_t socket_dev_ = 0;
  ino_t socket_ino_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> accepted_{0}, answered_{0}, timed_out_{0}, too_large_{0}, busy_{0};
};

}  // namespace dpdhcp::control
