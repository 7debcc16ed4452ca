// libFuzzer target for the control channel's request handling: any byte
// string, whole or split where the socket might split it, must frame and
// parse consistently and be answered with a well-formed Kea answer — never a
// crash, a hang, a leak or an escaped exception — by the real command
// handlers over an in-memory server.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "dpdhcp/control/commands.h"
#include "dpdhcp/control/json_framer.h"
#include "dpdhcp/control/memory_server_state.h"
#include "dpdhcp/control/registry.h"

namespace {

using dpdhcp::control::CommandRegistry;
using dpdhcp::control::Json;
using dpdhcp::control::JsonFramer;
using dpdhcp::control::MemoryServerState;

void Check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kConfig = R"({"Dhcp4": {
  "valid-lifetime": 600,
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.10 - 198.18.0.20"}]},
              {"id": 2, "subnet": "10.0.0.0/30", "pools": [{"pool": "10.0.0.1 - 10.0.0.2"}]}]}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // Framing does not depend on where the stream is cut.
  JsonFramer whole;
  whole.Feed(text);
  if (size > 0) {
    const size_t cut = data[0] % size;
    JsonFramer split;
    split.Feed(text.substr(0, cut));
    split.Feed(text.substr(cut));
    Check(split.state() == whole.state());
    if (whole.state() == JsonFramer::State::kComplete) Check(split.end() == whole.end());
  }

  // A fresh small server per input, so that one input's lease changes do
  // not decide the next one's path.
  MemoryServerState::Options options;
  options.workers = 2;
  options.lease_capacity_per_worker = 16;
  auto state = MemoryServerState::Create(kConfig, options);
  Check(state.ok());
  CommandRegistry registry;
  Check(dpdhcp::control::RegisterServerCommands(registry, **state).ok());

  const std::string request =
      whole.state() == JsonFramer::State::kComplete ? std::string(text.substr(0, whole.end())) : std::string(text);
  const std::string answer = registry.HandleRequestText(request);
  const Json j = Json::parse(answer, nullptr, /*allow_exceptions=*/false);
  Check(j.is_object());
  Check(j.contains("result") && j["result"].is_number_integer());
  const int64_t result = j["result"].get<int64_t>();
  Check(result >= 0 && result <= 3);
  Check(j.contains("text") && j["text"].is_string());
  return 0;
}
