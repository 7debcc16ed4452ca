// control::ServerState over the running dataplane: what the control socket
// and the DPDK telemetry paths read and change.
//
// Reads are lock-free: leases and pool usage through control::LeaseStoreReader
// over the lease shards and the AddressSpace in force (LeaseControl::Current),
// counters from the workers' blocks. Mutations and config swaps go to the
// owning workers' command rings (runtime::LeaseControl) and are waited for,
// at most a second. Any control thread may call the read side; the
// mutations are serialised by LeaseControl.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "dpdhcp/control/server_state.h"
#include "dpdhcp/runtime/dataplane.h"

namespace dpdhcp::app {

class LeasePersistence;  // journal_setup.h

// status-get's durability: the journal's mode, health and sequence numbers
// (summed over the workers' streams); state "none" without a journal.
control::DurabilityStatus DurabilityOf(const LeasePersistence& persistence);

class DataplaneState : public control::ServerState {
 public:
  // `dataplane` must outlive this. `config_path`: what config-reload reads
  // (the file dpdhcpd was started with). `on_shutdown` is called once by the
  // shutdown command, after its answer is decided.
  DataplaneState(runtime::Dataplane& dataplane, std::string config_path,
                 std::function<void(int)> on_shutdown);

  // Where status-get reads the journal's state from (called on each
  // status-get). Unset: the configured mode and state "none".
  void SetDurabilitySource(std::function<control::DurabilityStatus()> source);
  // Called after every successful config swap (e.g. to log it).
  void SetReloadObserver(std::function<void(const std::string&)> observer);

  base::UnixSeconds Now() const override;
  std::shared_ptr<const config::Config> GetConfig() const override;
  control::ServerStatus GetStatus() const override;
  std::vector<stats::CounterTotals> GetWorkerCounters() const override;
  std::vector<control::SubnetUsage> GetPoolUsage() const override;
  std::optional<lease::Lease> GetLease(base::Ipv4Address address) const override;
  std::vector<lease::Lease> GetLeasesByHwAddress(base::ByteSpan hw) const override;
  std::vector<lease::Lease> GetLeasesByClientId(base::ByteSpan client_id) const override;
  std::vector<lease::Lease> GetLeases(const control::LeaseQuery& query) const override;
  absl::Status TestConfig(std::string_view json_text) override;
  absl::StatusOr<std::string> SetConfig(std::string_view json_text) override;
  absl::StatusOr<std::string> ReloadConfig() override;
  absl::Status AddLease(const lease::Lease& lease) override;
  absl::Status UpdateLease(const lease::Lease& lease, bool force_create) override;
  absl::Status DeleteLease(base::Ipv4Address address) override;
  absl::StatusOr<uint64_t> WipeLeases(std::optional<uint32_t> subnet_id) override;
  absl::StatusOr<uint64_t> ReclaimLeases(bool remove) override;
  absl::Status Shutdown(int exit_value) override;

  bool shutdown_requested() const { return shutdown_.load(std::memory_order_acquire); }
  int exit_value() const { return exit_value_.load(std::memory_order_relaxed); }

 private:
  absl::StatusOr<std::string> Apply(absl::StatusOr<std::shared_ptr<const config::Config>> parsed);

  runtime::Dataplane& dp_;
  runtime::LeaseControl& control_;
  const std::string config_path_;
  const std::function<void(int)> on_shutdown_;
  const base::UnixSeconds started_;
  std::atomic<base::UnixSeconds> reloaded_;
  mutable std::mutex mutex_;  // durability_, durability_source_, observer_
  control::DurabilityStatus durability_;
  std::function<control::DurabilityStatus()> durability_source_;
  std::function<void(const std::string&)> observer_;
  std::atomic<bool> shutdown_{false};
  std::atomic<int> exit_value_{0};
};

}  // namespace dpdhcp::app
