#include "dataplane_state.h"

#include <unistd.h>

#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "dpdhcp/control/store_reader.h"
#include "dpdhcp/journal/journal.h"
#include "dpdhcp/pool/address_space.h"
#include "journal_setup.h"

namespace dpdhcp::app {

namespace {

base::UnixSeconds WallNow() { return static_cast<base::UnixSeconds>(std::time(nullptr)); }

std::string_view ModeName(config::Durability d) {
  return d == config::Durability::kStrict ? "strict" : "relaxed";
}

}  // namespace

control::DurabilityStatus DurabilityOf(const LeasePersistence& persistence) {
  control::DurabilityStatus d;
  d.mode = std::string(ModeName(persistence.durability()));
  const journal::Journal* j = persistence.journal();
  if (j == nullptr) {
    d.state = "none";
    return d;
  }
  d.state = j->healthy() ? "ok" : "degraded: a journal write or fdatasync failed (see the log)";
  for (uint32_t i = 0; i < j->num_streams(); ++i) {
    const journal::JournalStream& s = j->stream(i);
    const uint64_t durable = s.durable_sequence();
    const uint64_t appended = s.appended_sequence();
    d.durable_sequence += durable;
    d.pending_records += appended > durable ? appended - durable : 0;
  }
  return d;
}

DataplaneState::DataplaneState(runtime::Dataplane& dataplane, std::string config_path,
                               std::function<void(int)> on_shutdown)
    : dp_(dataplane),
      control_(dataplane.control()),
      config_path_(std::move(config_path)),
      on_shutdown_(std::move(on_shutdown)),
      started_(WallNow()),
      reloaded_(started_) {
  // Until a journal reports its health: the configured mode, and no journal.
  durability_.mode = std::string(ModeName(control_.Current().config->durability));
  durability_.state = "none";
}

void DataplaneState::SetDurabilitySource(std::function<control::DurabilityStatus()> source) {
  std::lock_guard lock(mutex_);
  durability_source_ = std::move(source);
}

void DataplaneState::SetReloadObserver(std::function<void(const std::string&)> observer) {
  std::lock_guard lock(mutex_);
  observer_ = std::move(observer);
}

base::UnixSeconds DataplaneState::Now() const { return WallNow(); }

std::shared_ptr<const config::Config> DataplaneState::GetConfig() const {
  return control_.Current().config;
}

control::ServerStatus DataplaneState::GetStatus() const {
  control::ServerStatus s;
  const base::UnixSeconds now = Now();
  s.pid = getpid();
  s.uptime_seconds = now >= started_ ? now - started_ : 0;
  const base::UnixSeconds reloaded = reloaded_.load(std::memory_order_relaxed);
  s.seconds_since_reload = now >= reloaded ? now - reloaded : 0;
  s.workers = static_cast<uint32_t>(dp_.workers().size());
  const auto& ports = dp_.ports();
  for (size_t i = 0; i < ports.size(); ++i) {
    const runtime::PortSummary& p = ports[i];
    const runtime::PortLink link = dp_.ReadPortLink(i);
    s.ports.push_back(control::PortStatus{p.name, p.driver, p.mac.ToString(), link.up,
                                          link.speed_mbps, p.rx_queues, p.tx_queues});
  }
  for (const runtime::WorkerSummary& w : dp_.workers()) {
    for (const auto& [port_id, queue] : w.rx_queues) {
      std::string name = absl::StrCat(port_id);
      for (const runtime::PortSummary& p : ports) {
        if (p.port_id == port_id) name = p.name;
      }
      s.queues.push_back(control::QueueAssignment{w.index, name, queue});
    }
  }
  std::lock_guard lock(mutex_);
  s.durability = durability_source_ ? durability_source_() : durability_;
  return s;
}

std::vector<stats::CounterTotals> DataplaneState::GetWorkerCounters() const {
  const size_t subnets = GetConfig()->subnets.size();
  std::vector<stats::CounterTotals> out;
  for (const stats::WorkerCounters* block : dp_.counters()) {
    out.push_back(stats::Sum({block}));
    // Blocks have room for subnets a reload may add; only the config's count.
    out.back().subnets.resize(subnets);
  }
  return out;
}

std::vector<control::SubnetUsage> DataplaneState::GetPoolUsage() const {
  const runtime::ControlView v = control_.Current();
  return control::LeaseStoreReader(dp_.leases(), *v.addresses).PoolUsage(*v.config);
}

std::optional<lease::Lease> DataplaneState::GetLease(base::Ipv4Address address) const {
  const runtime::ControlView v = control_.Current();
  return control::LeaseStoreReader(dp_.leases(), *v.addresses).ByAddress(address);
}

std::vector<lease::Lease> DataplaneState::GetLeasesByHwAddress(base::ByteSpan hw) const {
  const runtime::ControlView v = control_.Current();
  return control::LeaseStoreReader(dp_.leases(), *v.addresses).ByHwAddress(hw);
}

std::vector<lease::Lease> DataplaneState::GetLeasesByClientId(base::ByteSpan client_id) const {
  const runtime::ControlView v = control_.Current();
  return control::LeaseStoreReader(dp_.leases(), *v.addresses).ByClientId(client_id);
}

std::vector<lease::Lease> DataplaneState::GetLeases(const control::LeaseQuery& query) const {
  const runtime::ControlView v = control_.Current();
  return control::LeaseStoreReader(dp_.leases(), *v.addresses).Query(query);
}

absl::Status DataplaneState::TestConfig(std::string_view json_text) {
  auto config = config::ParseConfig(json_text);
  if (!config.ok()) return config.status();
  return pool::AddressSpace::Build(**config).status();
}

absl::StatusOr<std::string> DataplaneState::SetConfig(std::string_view json_text) {
  return Apply(config::ParseConfig(json_text));
}

absl::StatusOr<std::string> DataplaneState::ReloadConfig() {
  if (config_path_.empty()) {
    return absl::FailedPreconditionError(
        "the server was not started from a configuration file; use config-set");
  }
  return Apply(config::LoadConfigFile(config_path_));
}

absl::StatusOr<std::string> DataplaneState::Apply(
    absl::StatusOr<std::shared_ptr<const config::Config>> parsed) {
  // Validation first: a bad config never reaches a worker and the old one
  // stays (the error text starts with the JSON path).
  if (!parsed.ok()) return parsed.status();
  auto report = control_.Reconfigure(*std::move(parsed));
  if (!report.ok()) return report.status();
  reloaded_.store(Now(), std::memory_order_relaxed);
  std::string note = absl::StrCat(report->leases_kept, " lease(s) kept");
  if (report->subnets_added != 0 || report->subnets_removed != 0) {
    absl::StrAppend(&note, ", ", report->subnets_added, " subnet(s) added, ",
                    report->subnets_removed, " removed");
  }
  if (report->leases_orphaned != 0) {
    std::vector<std::string> sample;
    for (const base::Ipv4Address& a : report->orphaned_sample) sample.push_back(a.ToString());
    absl::StrAppend(&note, "; ", report->leases_orphaned,
                    " lease(s) hold an address outside every pool (", absl::StrJoin(sample, ", "),
                    report->leases_orphaned > sample.size() ? ", ..." : "",
                    "): kept until they expire, never renewed");
  }
  absl::StrAppend(&note, " (workers paused at most ", report->pause_us, " us, switched in ",
                  report->switch_us, " us).");
  std::function<void(const std::string&)> observer;
  {
    std::lock_guard lock(mutex_);
    observer = observer_;
  }
  if (observer) observer(note);
  return note;
}

absl::Status DataplaneState::AddLease(const lease::Lease& lease) { return control_.AddLease(lease); }

absl::Status DataplaneState::UpdateLease(const lease::Lease& lease, bool force_create) {
  return control_.UpdateLease(lease, force_create);
}

absl::Status DataplaneState::DeleteLease(base::Ipv4Address address) {
  return control_.DeleteLease(address);
}

absl::StatusOr<uint64_t> DataplaneState::WipeLeases(std::optional<uint32_t> subnet_id) {
  return control_.WipeLeases(subnet_id);
}

absl::StatusOr<uint64_t> DataplaneState::ReclaimLeases(bool remove) {
  return control_.ReclaimLeases(remove);
}

absl::Status DataplaneState::Shutdown(int exit_value) {
  exit_value_.store(exit_value, std::memory_order_relaxed);
  if (shutdown_.exchange(true, std::memory_order_acq_rel)) return absl::OkStatus();
  if (on_shutdown_) on_shutdown_(exit_value);
  return absl::OkStatus();
}

}  // namespace dpdhcp::app
