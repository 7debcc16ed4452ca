#include "dpdhcp/control/memory_server_state.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "text.h"

namespace dpdhcp::control {

using internal::Cat;
namespace {

using lease::Lease;
using lease::LeaseState;
using stats::SubnetCounter;

// Counter blocks are sized once (WorkerCounters cannot grow); a config with
// more subnets than this is refused by this test double only.
constexpr size_t kMaxSubnets = 1024;

}  // namespace

absl::StatusOr<std::unique_ptr<MemoryServerState>> MemoryServerState::Create(
    std::string_view config_json, const Options& options) {
  auto config = config::ParseConfig(config_json);
  if (!config.ok()) return config.status();
  if ((*config)->subnets.size() > kMaxSubnets) {
    return absl::InvalidArgumentError(Cat("more than ", kMaxSubnets, " subnets"));
  }
  auto addresses = pool::AddressSpace::Build(**config);
  if (!addresses.ok()) return addresses.status();
  auto view = std::make_shared<View>();
  view->config = *std::move(config);
  view->addresses = *std::move(addresses);
  return std::unique_ptr<MemoryServerState>(new MemoryServerState(options, std::move(view)));
}

MemoryServerState::MemoryServerState(const Options& options, std::shared_ptr<View> view)
    : options_(options),
      now_(options.now),
      leases_(options.workers, options.lease_capacity_per_worker),
      view_(std::move(view)),
      started_(options.now),
      reloaded_(options.now) {
  for (uint32_t w = 0; w < leases_.num_shards(); ++w) {
    counters_.push_back(std::make_unique<stats::WorkerCounters>(kMaxSubnets));
  }
  status_.workers = leases_.num_shards();
  status_.durability.mode =
      view_->config->durability == config::Durability::kStrict ? "strict" : "relaxed";
  status_.durability.state = "none";
}

MemoryServerState::~MemoryServerState() = default;

void MemoryServerState::SetStatus(const ServerStatus& status) {
  std::lock_guard lock(status_mutex_);
  status_ = status;
}

void MemoryServerState::SetShutdownCallback(std::function<void(int)> callback) {
  std::lock_guard lock(status_mutex_);
  on_shutdown_ = std::move(callback);
}

std::shared_ptr<const MemoryServerState::View> MemoryServerState::CurrentView() const {
  std::lock_guard lock(view_mutex_);
  return view_;
}

std::shared_ptr<const config::Config> MemoryServerState::GetConfig() const {
  return CurrentView()->config;
}

ServerStatus MemoryServerState::GetStatus() const {
  ServerStatus s;
  {
    std::lock_guard lock(status_mutex_);
    s = status_;
  }
  const base::UnixSeconds now = Now();
  s.pid = getpid();
  s.uptime_seconds = now >= started_ ? now - started_ : 0;
  const base::UnixSeconds reloaded = reloaded_.load(std::memory_order_relaxed);
  s.seconds_since_reload = now >= reloaded ? now - reloaded : 0;
  return s;
}

std::vector<stats::CounterTotals> MemoryServerState::GetWorkerCounters() const {
  std::vector<stats::CounterTotals> out;
  const size_t subnets = GetConfig()->subnets.size();
  for (const auto& block : counters_) {
    out.push_back(stats::Sum({block.get()}));
    out.back().subnets.resize(subnets);
  }
  return out;
}

std::vector<SubnetUsage> MemoryServerState::GetPoolUsage() const {
  const auto v = CurrentView();
  return LeaseStoreReader(leases_, *v->addresses).PoolUsage(*v->config);
}

std::optional<Lease> MemoryServerState::GetLease(base::Ipv4Address address) const {
  const auto v = CurrentView();
  return LeaseStoreReader(leases_, *v->addresses).ByAddress(address);
}

std::vector<Lease> MemoryServerState::GetLeasesByHwAddress(base::ByteSpan hw) const {
  const auto v = CurrentView();
  return LeaseStoreReader(leases_, *v->addresses).ByHwAddress(hw);
}

std::vector<Lease> MemoryServerState::GetLeasesByClientId(base::ByteSpan client_id) const {
  const auto v = CurrentView();
  return LeaseStoreReader(leases_, *v->addresses).ByClientId(client_id);
}

std::vector<Lease> MemoryServerState::GetLeases(const LeaseQuery& query) const {
  const auto v = CurrentView();
  return LeaseStoreReader(leases_, *v->addresses).Query(query);
}

absl::Status MemoryServerState::TestConfig(std::string_view json_text) {
  auto config = config::ParseConfig(json_text);
  if (!config.ok()) return config.status();
  return pool::AddressSpace::Build(**config).status();
}

absl::StatusOr<std::string> MemoryServerState::SetConfig(std::string_view json_text) {
  auto config = config::ParseConfig(json_text);
  if (!config.ok()) return config.status();
  return ApplyConfig(*std::move(config));
}

absl::StatusOr<std::string> MemoryServerState::ReloadConfig() {
  if (options_.config_path.empty()) {
    return absl::FailedPreconditionError(
        "the server was not started from a configuration file; use config-set");
  }
  auto config = config::LoadConfigFile(options_.config_path);
  if (!config.ok()) return config.status();
  return ApplyConfig(*std::move(config));
}

absl::StatusOr<std::string> MemoryServerState::ApplyConfig(
    std::shared_ptr<const config::Config> config) {
  if (config->subnets.size() > kMaxSubnets) {
    return absl::InvalidArgumentError(Cat("more than ", kMaxSubnets, " subnets"));
  }
  auto built = pool::AddressSpace::Build(*config);
  if (!built.ok()) return built.status();
  std::lock_guard writer(writer_mutex_);
  const auto old = CurrentView();
  auto next = std::make_shared<View>();
  next->config = std::move(config);
  next->addresses = *std::move(built);

  // Leases survive: each held address is claimed again in the new address
  // space (a record whose address left every pool keeps its record, without
  // a claim, until it expires).
  uint64_t orphaned = 0;
  std::vector<std::vector<std::array<int64_t, 2>>> gauges(
      counters_.size(), std::vector<std::array<int64_t, 2>>(next->config->subnets.size()));
  for (uint32_t sh = 0; sh < leases_.num_shards(); ++sh) {
    leases_.shard(sh).ForEach([&](uint32_t slot, const Lease& l) {
      if (!lease::HoldsAddress(l.state)) return;
      pool::AddressSpace& a = *next->addresses;
      const bool claimed = a.IsReserved(l.address) ? a.ClaimReserved(l.address) : a.TryClaim(l.address);
      if (claimed) {
        a.SetHolder(l.address, lease::MakeLeaseRef(sh, slot));
      } else {
        ++orphaned;
      }
      if (const config::Subnet* s = next->config->FindSubnetById(l.subnet_id)) {
        if (l.state == LeaseState::kBound) ++gauges[sh][s->index][0];
        if (l.state == LeaseState::kDeclined) ++gauges[sh][s->index][1];
      }
    });
  }
  // Gauges follow the new subnet order; the cumulative counters follow the
  // subnet id.
  for (size_t w = 0; w < counters_.size(); ++w) {
    stats::WorkerCounters& c = *counters_[w];
    std::vector<std::array<int64_t, stats::kNumSubnetCounters>> by_new(next->config->subnets.size());
    for (const config::Subnet& s : old->config->subnets) {
      if (const config::Subnet* n = next->config->FindSubnetById(s.id)) {
        for (size_t k = 0; k < stats::kNumSubnetCounters; ++k) {
          by_new[n->index][k] = c.GetSubnet(s.index, static_cast<SubnetCounter>(k));
        }
      }
    }
    for (size_t i = 0; i < kMaxSubnets; ++i) {
      for (size_t k = 0; k < stats::kNumSubnetCounters; ++k) {
        const auto counter = static_cast<SubnetCounter>(k);
        int64_t target = i < by_new.size() ? by_new[i][k] : 0;
        if (i < by_new.size() && counter == SubnetCounter::kAssignedAddresses) target = gauges[w][i][0];
        if (i < by_new.size() && counter == SubnetCounter::kDeclinedAddresses) target = gauges[w][i][1];
        c.AddSubnet(i, counter, target - c.GetSubnet(i, counter));
      }
    }
  }
  {
    std::lock_guard lock(view_mutex_);
    view_ = std::move(next);
  }
  reloaded_.store(Now(), std::memory_order_relaxed);
  if (orphaned == 0) return std::string();
  return Cat(orphaned, " lease(s) hold an address outside every pool; kept until they expire");
}

void MemoryServerState::GaugesFor(const View& v, const Lease& l, uint32_t shard, int64_t delta) {
  const config::Subnet* s = v.config->FindSubnetById(l.subnet_id);
  if (s == nullptr) return;
  if (l.state == LeaseState::kBound) {
    counters_[shard]->AddSubnet(s->index, SubnetCounter::kAssignedAddresses, delta);
  } else if (l.state == LeaseState::kDeclined) {
    counters_[shard]->AddSubnet(s->index, SubnetCounter::kDeclinedAddresses, delta);
  }
}

absl::Status MemoryServerState::AddLocked(const View& v, const Lease& l) {
  LeaseStoreReader reader(leases_, *v.addresses);
  const bool holds = lease::HoldsAddress(l.state);
  if (holds) {
    if (const auto existing = reader.ByAddress(l.address)) {
      return absl::AlreadyExistsError(
          Cat("a lease for ", l.address.ToString(), " already exists"));
    }
  }
  const uint32_t sh = leases_.ShardFor(l.hw());
  lease::LeaseShard& shard = leases_.shard(sh);
  const auto current = shard.Find(l.key);
  if (current && lease::HoldsAddress(current->lease.state)) {
    return absl::AlreadyExistsError(Cat("client ", l.key.ToString(), " already holds ",
                                                 current->lease.address.ToString()));
  }
  pool::AddressSpace& a = *v.addresses;
  if (holds) {
    const bool claimed = a.IsReserved(l.address) ? a.ClaimReserved(l.address) : a.TryClaim(l.address);
    if (!claimed) {
      if (!a.Find(l.address)) {
        return absl::FailedPreconditionError(
            Cat(l.address.ToString(), " is not in a pool of subnet ", l.subnet_id));
      }
      return absl::FailedPreconditionError(
          Cat(l.address.ToString(), " cannot be claimed (in use or excluded)"));
    }
  }
  uint32_t slot;
  if (current) {
    slot = current->slot;
    shard.Store(slot, l);
  } else {
    const auto inserted = shard.Insert(l);
    if (!inserted) {
      if (holds) a.Release(l.address);
      return absl::ResourceExhaustedError(Cat("lease shard ", sh, " is full"));
    }
    slot = *inserted;
  }
  if (holds) a.SetHolder(l.address, lease::MakeLeaseRef(sh, slot));
  GaugesFor(v, l, sh, +1);
  return absl::OkStatus();
}

void MemoryServerState::RemoveLocked(const View& v, uint32_t sh, uint32_t slot, const Lease& l) {
  leases_.shard(sh).Erase(slot);
  if (lease::HoldsAddress(l.state) &&
      v.addresses->Holder(l.address) == lease::MakeLeaseRef(sh, slot)) {
    v.addresses->SetHolder(l.address, pool::kNoHolder);
    v.addresses->Release(l.address);
  }
  GaugesFor(v, l, sh, -1);
}

absl::Status MemoryServerState::AddLease(const Lease& l) {
  std::lock_guard writer(writer_mutex_);
  const auto v = CurrentView();
  auto status = AddLocked(*v, l);
  if (status.ok() && l.state == LeaseState::kBound) {
    if (const config::Subnet* s = v->config->FindSubnetById(l.subnet_id)) {
      counters_[leases_.ShardFor(l.hw())]->AddSubnet(
          s->index, SubnetCounter::kCumulativeAssignedAddresses, 1);
    }
  }
  return status;
}

absl::Status MemoryServerState::UpdateLease(const Lease& l, bool force_create) {
  std::unique_lock writer(writer_mutex_);
  const auto v = CurrentView();
  const uint32_t ref = v->addresses->Holder(l.address);
  Lease old;
  if (ref == pool::kNoHolder || !leases_.ReadByRef(ref, &old) || old.address != l.address ||
      !lease::HoldsAddress(old.state)) {
    if (!force_create) {
      return absl::NotFoundError(Cat("no lease for ", l.address.ToString()));
    }
    writer.unlock();
    return AddLease(l);
  }
  const uint32_t sh = lease::LeaseRefShard(ref), slot = lease::LeaseRefSlot(ref);
  RemoveLocked(*v, sh, slot, old);
  if (auto status = AddLocked(*v, l); !status.ok()) {
    // Put the old record back so that a refused update changes nothing.
    (void)AddLocked(*v, old);
    return status;
  }
  return absl::OkStatus();
}

absl::Status MemoryServerState::DeleteLease(base::Ipv4Address address) {
  std::lock_guard writer(writer_mutex_);
  const auto v = CurrentView();
  const uint32_t ref = v->addresses->Holder(address);
  Lease l;
  if (ref == pool::kNoHolder || !leases_.ReadByRef(ref, &l) || l.address != address ||
      !lease::HoldsAddress(l.state)) {
    return absl::NotFoundError(Cat("no lease for ", address.ToString()));
  }
  RemoveLocked(*v, lease::LeaseRefShard(ref), lease::LeaseRefSlot(ref), l);
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> MemoryServerState::WipeLeases(std::optional<uint32_t> subnet_id) {
  std::lock_guard writer(writer_mutex_);
  const auto v = CurrentView();
  uint64_t removed = 0;
  for (uint32_t sh = 0; sh < leases_.num_shards(); ++sh) {
    std::vector<std::pair<uint32_t, Lease>> doomed;
    leases_.shard(sh).ForEach([&](uint32_t slot, const Lease& l) {
      if (!subnet_id || l.subnet_id == *subnet_id) doomed.emplace_back(slot, l);
    });
    for (const auto& [slot, l] : doomed) RemoveLocked(*v, sh, slot, l);
    removed += doomed.size();
  }
  return removed;
}

absl::StatusOr<uint64_t> MemoryServerState::ReclaimLeases(bool remove) {
  std::lock_guard writer(writer_mutex_);
  const auto v = CurrentView();
  const base::UnixSeconds now = Now();
  uint64_t reclaimed = 0;
  for (uint32_t sh = 0; sh < leases_.num_shards(); ++sh) {
    lease::LeaseShard& shard = leases_.shard(sh);
    stats::WorkerCounters& c = *counters_[sh];
    reclaimed += shard.CollectExpired(now, shard.capacity(), [&](uint32_t slot, const Lease& l) {
      const config::Subnet* s = v->config->FindSubnetById(l.subnet_id);
      if (l.state == LeaseState::kDeclined) {
        c.Add(stats::Counter::kReclaimedDeclined);
        if (s) c.AddSubnet(s->index, SubnetCounter::kReclaimedDeclinedAddresses, 1);
      } else if (l.state == LeaseState::kBound) {
        c.Add(stats::Counter::kReclaimedLeases);
        if (s) c.AddSubnet(s->index, SubnetCounter::kReclaimedLeases, 1);
      }
      // The engine's rule: a declined address's record goes once its
      // probation is over; a binding stays as an affinity hint unless asked
      // to remove it.
      if (remove || l.state == LeaseState::kDeclined) {
        RemoveLocked(*v, sh, slot, l);
        return;
      }
      v->addresses->SetHolder(l.address, pool::kNoHolder);
      v->addresses->Release(l.address);
      GaugesFor(*v, l, sh, -1);
      Lease expired = l;
      expired.state = LeaseState::kExpired;
      shard.Store(slot, expired);
    });
  }
  return reclaimed;
}

absl::Status MemoryServerState::Shutdown(int exit_value) {
  exit_value_.store(exit_value, std::memory_order_relaxed);
  if (shutdown_.exchange(true, std::memory_order_acq_rel)) return absl::OkStatus();
  std::function<void(int)> callback;
  {
    std::lock_guard lock(status_mutex_);
    callback = on_shutdown_;
  }
  if (callback) callback(exit_value);
  return absl::OkStatus();
}

}  // namespace dpdhcp::control
