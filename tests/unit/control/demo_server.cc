// control_demo_server SOCKET: serves the control tests' fixed state
// (test_state.h) on SOCKET until a "shutdown" command or SIGINT/SIGTERM, and
// keeps its packet counters moving so that `dpdhcpctl watch` shows rates.
#include <csignal>
#include <cstdio>
#include <thread>

#include "dpdhcp/control/commands.h"
#include "dpdhcp/control/socket_server.h"
#include "test_state.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  using namespace dpdhcp;
  if (argc != 2) {
    std::fprintf(stderr, "usage: control_demo_server SOCKET\n");
    return 2;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto state = control::testing::MakeTestState();
  state->SetShutdownCallback([](int) { g_stop = 1; });
  control::CommandRegistry registry;
  if (auto s = control::RegisterServerCommands(registry, *state); !s.ok()) return 1;
  control::ControlServerOptions o;
  o.path = argv[1];
  control::ControlServer server(registry, o);
  if (auto s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (uint32_t w = 0; w < 2; ++w) {
      auto& c = state->counters(w);
      c.Add(stats::Counter::kPktReceived, 100 + 20 * w);
      c.Add(stats::Counter::kPktOfferSent, 40 + 10 * w);
      c.Add(stats::Counter::kPktAckSent, 40 + 10 * w);
      c.Add(stats::Counter::kPktNakSent, w);
    }
  }
  server.Stop();
  return state->exit_value();
}
