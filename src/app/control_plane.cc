#include "control_plane.h"

#include <pthread.h>
#include <rte_telemetry.h>
#include <sched.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <mutex>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/control/commands.h"

namespace dpdhcp::app {
namespace {

using control::Json;

// The registry the telemetry callbacks use: they are plain C callbacks with
// no context pointer, run on the EAL's telemetry thread.
std::mutex g_telemetry_mutex;
const control::CommandRegistry* g_registry = nullptr;

// DPDK 22.11 accepts only [A-Za-z0-9_/] in dictionary keys.
std::string KeyPart(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '/') c = '_';
  }
  return out;
}

class Flattener {
 public:
  explicit Flattener(rte_tel_data* d) : d_(d) {}

  void Add(const std::string& key, const Json& v) {
    if (v.is_null()) return;
    if (v.is_object()) {
      // Kea's result-set: one entry per cell, "<row>/<column>".
      if (v.size() == 1 && v.contains("result-set") && v["result-set"].is_object()) {
        const Json& rs = v["result-set"];
        const Json& columns = rs.value("columns", Json::array());
        const Json& rows = rs.value("rows", Json::array());
        for (size_t r = 0; r < rows.size(); ++r) {
          for (size_t c = 0; c < rows[r].size() && c < columns.size(); ++c) {
            Add(Join(key, absl::StrCat(r, "/", columns[c].get<std::string>())), rows[r][c]);
          }
        }
        return;
      }
      for (const auto& [k, item] : v.items()) Add(Join(key, k), item);
      return;
    }
    if (v.is_array()) {
      // A Kea statistic: [[value, "timestamp"], ...] -> its latest value.
      if (!v.empty() && v[0].is_array() && v[0].size() == 2 && v[0][0].is_number() &&
          v[0][1].is_string()) {
        Add(key, v[0][0]);
        return;
      }
      for (size_t i = 0; i < v.size(); ++i) Add(Join(key, absl::StrCat(i)), v[i]);
      return;
    }
    if (entries_ + 1 >= RTE_TEL_MAX_DICT_ENTRIES) {
      truncated_ = true;
      return;
    }
    const std::string name = KeyPart(key.empty() ? "value" : key);
    if (v.is_number_unsigned()) {
      rte_tel_data_add_dict_u64(d_, name.c_str(), v.get<uint64_t>());
    } else if (v.is_number_integer()) {
      rte_tel_data_add_dict_int(d_, name.c_str(), static_cast<int>(v.get<int64_t>()));
    } else if (v.is_boolean()) {
      rte_tel_data_add_dict_int(d_, name.c_str(), v.get<bool>() ? 1 : 0);
    } else if (v.is_string()) {
      rte_tel_data_add_dict_string(d_, name.c_str(), v.get<std::string>().c_str());
    } else {
      rte_tel_data_add_dict_string(d_, name.c_str(), control::DumpJson(v).c_str());
    }
    ++entries_;
  }

  void Finish() {
    if (truncated_) rte_tel_data_add_dict_string(d_, "truncated", "yes: use dpdhcpctl --json");
  }

 private:
  static std::string Join(const std::string& a, std::string_view b) {
    return a.empty() ? std::string(b) : a + "/" + std::string(b);
  }

  rte_tel_data* d_;
  size_t entries_ = 0;
  bool truncated_ = false;
};

// Which command a telemetry path runs, with what arguments.
bool RequestFor(std::string_view path, std::string_view params, std::string* command, Json* args) {
  *args = nullptr;
  if (path == "/dpdhcp/status") {
    *command = "status-get";
  } else if (path == "/dpdhcp/version") {
    *command = "version-get";
  } else if (path == "/dpdhcp/stats") {
    *command = "statistic-get-all";
  } else if (path == "/dpdhcp/subnets") {
    *command = "stat-lease4-get";
  } else if (path == "/dpdhcp/pools") {
    *command = "stat-pool4-get";
    if (!params.empty()) {
      uint32_t id = 0;
      for (char c : params) {
        if (c < '0' || c > '9' || id > 100000000) return false;
        id = id * 10 + static_cast<uint32_t>(c - '0');
      }
      *args = Json{{"subnet-id", id}};
    }
  } else if (path == "/dpdhcp/lease") {
    if (params.empty()) return false;
    if (base::Ipv4Address::Parse(params)) {
      *command = "lease4-get";
      *args = Json{{"ip-address", std::string(params)}};
    } else {
      *command = "lease4-get-by-hw-address";
      *args = Json{{"hw-address", std::string(params)}};
    }
  } else {
    return false;
  }
  return true;
}

int TelemetryCallback(const char* cmd, const char* params, rte_tel_data* d) {
  std::string command;
  Json args;
  rte_tel_data_start_dict(d);
  if (!RequestFor(cmd, params == nullptr ? "" : params, &command, &args)) {
    rte_tel_data_add_dict_int(d, "result", 1);
    rte_tel_data_add_dict_string(d, "text", "bad parameter (see /help for this path)");
    return 0;
  }
  std::lock_guard lock(g_telemetry_mutex);
  if (g_registry == nullptr) {
    rte_tel_data_add_dict_int(d, "result", 1);
    rte_tel_data_add_dict_string(d, "text", "dpdhcpd is shutting down");
    return 0;
  }
  const control::Answer a = g_registry->Execute(command, args);
  rte_tel_data_add_dict_int(d, "result", static_cast<int>(a.result));
  rte_tel_data_add_dict_string(d, "text", a.text.c_str());
  Flattener f(d);
  f.Add("", a.arguments);
  f.Finish();
  return 0;
}

struct TelemetryPath {
  const char* path;
  const char* help;
};
constexpr TelemetryPath kTelemetryPaths[] = {
    {"/dpdhcp/status", "dpdhcpd status-get: uptime, workers, ports, queues, durability"},
    {"/dpdhcp/version", "dpdhcpd version-get"},
    {"/dpdhcp/stats", "dpdhcpd statistic-get-all: every statistic, summed over the workers"},
    {"/dpdhcp/subnets", "dpdhcpd stat-lease4-get: per subnet totals. No parameters"},
    {"/dpdhcp/pools", "dpdhcpd stat-pool4-get: per pool usage. Parameter: optional subnet id"},
    {"/dpdhcp/lease", "dpdhcpd lease lookup. Parameter: an IPv4 address or a MAC address"},
};

}  // namespace

ControlPlane::ControlPlane(control::ServerState& state) : state_(state) {}

ControlPlane::~ControlPlane() { Stop(); }

absl::Status ControlPlane::Start(const std::string& socket_path, const std::string& group) {
  if (absl::Status s = control::RegisterServerCommands(registry_, state_); !s.ok()) return s;
  if (socket_path.empty()) return absl::OkStatus();
  control::ControlServerOptions o;
  o.path = socket_path;
  o.group = group;
  o.mode = group.empty() ? 0600 : 0660;
  server_ = std::make_unique<control::ControlServer>(registry_, o);
  // The socket thread inherits the caller's CPUs: the EAL pinned the main
  // lcore's thread to worker 0's CPU, where it would wait for time slices
  // behind a busy poller. Let it run on any online CPU instead.
  cpu_set_t saved;
  const bool have_saved = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
  cpu_set_t all;
  CPU_ZERO(&all);
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  for (long c = 0; c < cpus && c < CPU_SETSIZE; ++c) CPU_SET(static_cast<int>(c), &all);
  if (have_saved) pthread_setaffinity_np(pthread_self(), sizeof all, &all);
  absl::Status started = server_->Start();
  if (have_saved) pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
  return started;
}

absl::Status ControlPlane::StartTelemetry() {
  // Registered once per process: DPDK 22.11 has no way to unregister a path.
  static const int registered = [] {
    for (const TelemetryPath& p : kTelemetryPaths) {
      const int ret = rte_telemetry_register_cmd(p.path, TelemetryCallback, p.help);
      if (ret != 0) return ret;
    }
    return 0;
  }();
  if (registered != 0) {
    return absl::InternalError(
        absl::StrCat("cannot register the /dpdhcp telemetry paths: error ", -registered));
  }
  std::lock_guard lock(g_telemetry_mutex);
  g_registry = &registry_;
  telemetry_ = true;
  return absl::OkStatus();
}

void ControlPlane::Stop() {
  if (telemetry_) {
    std::lock_guard lock(g_telemetry_mutex);
    if (g_registry == &registry_) g_registry = nullptr;
    telemetry_ = false;
  }
  if (server_) server_->Stop();
}

}  // namespace dpdhcp::app
