// ServerState over one process's own config, LeaseStore, AddressSpace and
// per-worker counter blocks, with no workers: mutations change the store
// directly (serialised by a mutex: the store allows one writer per shard).
// For tests (the control socket and dpdhcpctl are tested against it) and as
// the reference behaviour of every mutation: dpdhcpd's workers must do the
// same claims, holder words and gauge changes when they run these commands.
//
// Shard i stands for worker i: its counter block takes the gauge changes of
// the records in shard i, as the owning worker's would.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/control/server_state.h"
#include "dpdhcp/control/store_reader.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"
#include "dpdhcp/stats/counters.h"

namespace dpdhcp::control {

class MemoryServerState : public ServerState {
 public:
  struct Options {
    uint32_t workers = 2;
    uint32_t lease_capacity_per_worker = 4096;
    std::string config_path;  // what config-reload reads; empty: no file
    base::UnixSeconds now = 1700000000;
  };

  // Parses the config and builds the store and address space.
  static absl::StatusOr<std::unique_ptr<MemoryServerState>> Create(std::string_view config_json,
                                                                   const Options& options);
  ~MemoryServerState() override;

  // ---- Test controls ----
  void SetNow(base::UnixSeconds now) { now_.store(now, std::memory_order_relaxed); }
  // The block worker i's counters live in (tests bump packet counters here).
  stats::WorkerCounters& counters(uint32_t worker) { return *counters_[worker]; }
  void SetStatus(const ServerStatus& status);
  // Called (once) by Shutdown, after the answer is decided.
  void SetShutdownCallback(std::function<void(int)> callback);
  bool shutdown_requested() const { return shutdown_.load(std::memory_order_acquire); }
  int exit_value() const { return exit_value_.load(std::memory_order_relaxed); }
  uint32_t workers() const { return static_cast<uint32_t>(counters_.size()); }

  // ---- ServerState ----
  base::UnixSeconds Now() const override { return now_.load(std::memory_order_relaxed); }
  std::shared_ptr<const config::Config> GetConfig() const override;
  ServerStatus GetStatus() const override;
  std::vector<stats::CounterTotals> GetWorkerCounters() const override;
  std::vector<SubnetUsage> GetPoolUsage() const override;
  std::optional<lease::Lease> GetLease(base::Ipv4Address address) const override;
  std::vector<lease::Lease> GetLeasesByHwAddress(base::ByteSpan hw) const override;
  std::vector<lease::Lease> GetLeasesByClientId(base::ByteSpan client_id) const override;
  std::vector<lease::Lease> GetLeases(const LeaseQuery& query) const override;
  absl::Status TestConfig(std::string_view json_text) override;
  absl::StatusOr<std::string> SetConfig(std::string_view json_text) override;
  absl::StatusOr<std::string> ReloadConfig() override;
  absl::Status AddLease(const lease::Lease& lease) override;
  absl::Status UpdateLease(const lease::Lease& lease, bool force_create) override;
  absl::Status DeleteLease(base::Ipv4Address address) override;
  absl::StatusOr<uint64_t> WipeLeases(std::optional<uint32_t> subnet_id) override;
  absl::StatusOr<uint64_t> ReclaimLeases(bool remove) override;
  absl::Status Shutdown(int exit_value) override;

 private:
  // What a config change swaps: the config and the address space built from
  // it. Readers take a shared_ptr copy under view_mutex_.
  struct View {
    std::shared_ptr<const config::Config> config;
    std::unique_ptr<pool::AddressSpace> addresses;
  };

  MemoryServerState(const Options& options, std::shared_ptr<View> view);
  std::shared_ptr<const View> CurrentView() const;
  // Writer helpers; writer_mutex_ held.
  absl::Status AddLocked(const View& v, const lease::Lease& l);
  void RemoveLocked(const View& v, uint32_t shard, uint32_t slot, const lease::Lease& l);
  void GaugesFor(const View& v, const lease::Lease& l, uint32_t shard, int64_t delta);
  absl::StatusOr<std::string> ApplyConfig(std::shared_ptr<const config::Config> config);

  const Options options_;
  std::atomic<base::UnixSeconds> now_;
  lease::LeaseStore leases_;
  std::vector<std::unique_ptr<stats::WorkerCounters>> counters_;
  mutable std::mutex view_mutex_;
  std::shared_ptr<View> view_;
  std::mutex writer_mutex_;  // one writer for the store (and config swaps)
  mutable std::mutex status_mutex_;
  ServerStatus status_;
  std::function<void(int)> on_shutdown_;
  std::atomic<bool> shutdown_{false};
  std::atomic<int> exit_value_{0};
  const base::UnixSeconds started_;
  std::atomic<base::UnixSeconds> reloaded_;
};

}  // namespace dpdhcp::control
