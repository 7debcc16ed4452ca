// A MemoryServerState with a fixed config, leases and counters, shared by the
// control tests, the dpdhcpctl tests and control_demo_server, so that every
// screen they produce is deterministic.
#pragma once

#include <memory>
#include <string>

#include "dpdhcp/control/memory_server_state.h"

namespace dpdhcp::control::testing {

// Three subnets: 1 (198.18.0.0/24, one pool of 151), 2 (10.20.0.0/16, pools
// of 10 and 256), 30 (100.64.0.0/22, one pool of 20, match-client-id).
std::string TestConfig(const std::string& socket_path = "/tmp/dpdhcp-test.sock");

// Fixed clock (kTestNow). Leases: subnet 1: 120 bound (0a:00:00:00:00:00 +
// i, 198.18.0.100 + i) and 2 declined (198.18.0.240-241); subnet 2: 9 bound
// in pool 0 (90 %), 5 bound in pool 1; subnet 30: 18 bound keyed by
// client-id 01:02:00:00:00:00:NN. Counters on 2 workers.
inline constexpr uint32_t kTestNow = 1700000000;
std::unique_ptr<MemoryServerState> MakeTestState(const std::string& config_path = "");

// A unique empty directory under /tmp, removed with its files by the
// destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace dpdhcp::control::testing
