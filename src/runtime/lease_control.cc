// Control side of the worker command rings (dpdhcp/runtime/lease_control.h).
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "worker_commands.h"

namespace dpdhcp::runtime {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;
using lease::Lease;

// Interfaces decide ports, queues and the frame classifier, which are built
// once: a reload may change everything else.
bool SameInterfaces(const config::Config& a, const config::Config& b) {
  if (a.interfaces.size() != b.interfaces.size()) return false;
  for (size_t i = 0; i < a.interfaces.size(); ++i) {
    const config::Interface& x = a.interfaces[i];
    const config::Interface& y = b.interfaces[i];
    if (x.name != y.name || x.port != y.port || x.address != y.address ||
        !(x.prefix == y.prefix) || x.vlan != y.vlan || x.outer_vlan != y.outer_vlan ||
        x.mac != y.mac) {
      return false;
    }
  }
  return true;
}

}  // namespace

LeaseControlImpl::~LeaseControlImpl() {
  // Commands a worker never took (it stopped) go with their slots.
  for (PerWorker& w : workers) {
    if (w.ring != nullptr) rte_ring_free(w.ring);
  }
}

WorkerCommand* LeaseControlImpl::Acquire(uint32_t w) {
  for (auto& slot : workers[w].slots) {
    const uint32_t s = slot->state.load(std::memory_order_acquire);
    if (s == WorkerCommand::kQueued) continue;
    // Idle, or done (a command given up on that finished since): reusable.
    WorkerCommand& c = *slot;
    c.engine.reset();
    c.barrier.reset();
    c.old_index_of.clear();
    c.scratch.clear();
    c.outcome = CommandOutcome::kOk;
    c.count = c.orphaned = 0;
    c.paused_cycles = 0;
    c.config = view.config.get();
    c.addresses = addresses.get();
    c.leases = leases;
    c.state.store(WorkerCommand::kIdle, std::memory_order_relaxed);
    return &c;
  }
  return nullptr;
}

absl::Status LeaseControlImpl::Submit(uint32_t w, WorkerCommand* c) {
  c->state.store(WorkerCommand::kQueued, std::memory_order_relaxed);
  // rte_ring enqueue has release semantics: the worker sees every input.
  if (rte_ring_sp_enqueue(workers[w].ring, c) != 0) {
    c->state.store(WorkerCommand::kIdle, std::memory_order_relaxed);
    return absl::UnavailableError(absl::StrFormat("worker %u: command ring full", w));
  }
  return absl::OkStatus();
}

absl::Status LeaseControlImpl::Wait(uint32_t w, WorkerCommand* c, Clock::time_point deadline) {
  for (uint32_t spins = 0; c->state.load(std::memory_order_acquire) != WorkerCommand::kDone;
       ++spins) {
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrFormat(
          "worker %u did not take the command within %d ms (is it running?); it will still run "
          "it when it does",
          w, static_cast<int>(timeout.count())));
    }
    if (spins < 100) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
  return absl::OkStatus();
}

absl::Status LeaseControlImpl::Run(uint32_t w, WorkerCommand* c) {
  if (absl::Status s = Submit(w, c); !s.ok()) return s;
  if (absl::Status s = Wait(w, c, Clock::now() + timeout); !s.ok()) return s;
  return ToStatus(*c);
}

absl::Status LeaseControlImpl::ToStatus(const WorkerCommand& c) const {
  const Lease& l = c.kind == WorkerCommand::Kind::kDelete ? Lease{} : c.lease;
  switch (c.outcome) {
    case CommandOutcome::kOk:
      return absl::OkStatus();
    case CommandOutcome::kNotFound:
      return absl::NotFoundError(absl::StrCat("no lease for ", c.address.ToString()));
    case CommandOutcome::kAddressHeld:
      return absl::AlreadyExistsError(absl::StrCat("a lease for ", l.address.ToString(),
                                                   " already exists (", c.other.key.ToString(),
                                                   ")"));
    case CommandOutcome::kClientHolds:
      return absl::AlreadyExistsError(absl::StrCat("client ", l.key.ToString(), " already holds ",
                                                   c.other.address.ToString()));
    case CommandOutcome::kNotInPool:
      return absl::FailedPreconditionError(
          absl::StrCat(l.address.ToString(), " is not in a pool of subnet ", l.subnet_id));
    case CommandOutcome::kCannotClaim:
      return absl::FailedPreconditionError(
          absl::StrCat(l.address.ToString(), " cannot be claimed (in use or excluded)"));
    case CommandOutcome::kShardFull:
      return absl::ResourceExhaustedError("the lease shard of this client is full");
    case CommandOutcome::kWrongShard:
      return absl::InternalError("the command reached a worker that does not own the record");
    case CommandOutcome::kAborted:
      return absl::AbortedError("the configuration change was given up");
  }
  return absl::InternalError("unknown command outcome");
}

absl::Status LeaseControlImpl::AddLocked(const Lease& l) {
  const uint32_t w = leases->ShardFor(l.hw());
  WorkerCommand* c = Acquire(w);
  if (c == nullptr) return absl::UnavailableError(absl::StrFormat("worker %u is busy", w));
  c->kind = WorkerCommand::Kind::kAdd;
  c->lease = l;
  return Run(w, c);
}

absl::StatusOr<std::unique_ptr<LeaseControlImpl>> CreateLeaseControl(
    const std::string& name_prefix, const std::vector<int>& sockets,
    std::shared_ptr<const config::Config> config, std::shared_ptr<pool::AddressSpace> addresses,
    lease::LeaseStore* leases, std::vector<stats::WorkerCounters*> counters) {
  auto impl = std::make_unique<LeaseControlImpl>();
  impl->view.config = std::move(config);
  impl->view.addresses = addresses;
  impl->addresses = std::move(addresses);
  impl->leases = leases;
  impl->counters = std::move(counters);
  impl->counter_subnets = impl->counters.empty() ? 0 : impl->counters[0]->num_subnets();
  impl->workers.resize(sockets.size());
  for (size_t w = 0; w < sockets.size(); ++w) {
    const std::string name = absl::StrFormat("%s_cmd%u", name_prefix, w);
    rte_ring* ring = rte_ring_create(name.c_str(), kCommandRingSize, sockets[w],
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (ring == nullptr) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "cannot create the command ring of worker %u: %s", w, rte_strerror(rte_errno)));
    }
    impl->workers[w].ring = ring;
    for (uint32_t s = 0; s < kCommandSlots; ++s) {
      impl->workers[w].slots.push_back(std::make_unique<WorkerCommand>());
    }
  }
  return impl;
}

}  // namespace internal

using internal::CommandOutcome;
using internal::WorkerCommand;
using Clock = std::chrono::steady_clock;

LeaseControl::LeaseControl(std::unique_ptr<internal::LeaseControlImpl> impl)
    : impl_(std::move(impl)) {}
LeaseControl::~LeaseControl() = default;

ControlView LeaseControl::Current() const {
  std::lock_guard lock(impl_->view_mutex);
  return impl_->view;
}

void LeaseControl::set_timeout(std::chrono::milliseconds timeout) {
  std::lock_guard lock(impl_->mutex);
  impl_->timeout = timeout;
}

absl::Status LeaseControl::AddLease(const lease::Lease& l) {
  std::lock_guard lock(impl_->mutex);
  return impl_->AddLocked(l);
}

absl::Status LeaseControl::DeleteLease(base::Ipv4Address address) {
  std::lock_guard lock(impl_->mutex);
  const uint32_t ref = impl_->addresses->Holder(address);
  if (ref == pool::kNoHolder) return absl::NotFoundError(absl::StrCat("no lease for ", address.ToString()));
  const uint32_t w = lease::LeaseRefShard(ref);
  WorkerCommand* c = impl_->Acquire(w);
  if (c == nullptr) return absl::UnavailableError(absl::StrFormat("worker %u is busy", w));
  c->kind = WorkerCommand::Kind::kDelete;
  c->address = address;
  return impl_->Run(w, c);
}

absl::Status LeaseControl::UpdateLease(const lease::Lease& l, bool force_create) {
  std::lock_guard lock(impl_->mutex);
  internal::LeaseControlImpl& d = *impl_;
  const uint32_t ref = d.addresses->Holder(l.address);
  lease::Lease old;
  if (ref == pool::kNoHolder || !d.leases->ReadByRef(ref, &old) || old.address != l.address ||
      !lease::HoldsAddress(old.state)) {
    if (!force_create) return absl::NotFoundError(absl::StrCat("no lease for ", l.address.ToString()));
    return d.AddLocked(l);
  }
  const uint32_t from = lease::LeaseRefShard(ref);
  const uint32_t to = d.leases->ShardFor(l.hw());
  if (from == to) {
    WorkerCommand* c = d.Acquire(from);
    if (c == nullptr) return absl::UnavailableError(absl::StrFormat("worker %u is busy", from));
    c->kind = WorkerCommand::Kind::kUpdate;
    c->address = l.address;
    c->lease = l;
    return d.Run(from, c);
  }
  // Another hardware address: the record moves to another worker's shard.
  WorkerCommand* del = d.Acquire(from);
  if (del == nullptr) return absl::UnavailableError(absl::StrFormat("worker %u is busy", from));
  del->kind = WorkerCommand::Kind::kDelete;
  del->address = l.address;
  if (absl::Status s = d.Run(from, del); !s.ok()) return s;
  absl::Status added = d.AddLocked(l);
  if (!added.ok()) (void)d.AddLocked(old);
  return added;
}

namespace {

// Sends one command to every worker (fill sets its kind and arguments),
// waits for all, and sums their counts; the first failure is the answer.
template <class Fill>
absl::StatusOr<uint64_t> OnEveryWorker(internal::LeaseControlImpl& d, Fill fill) {
  std::vector<WorkerCommand*> sent;
  absl::Status status;
  for (uint32_t w = 0; w < d.workers.size() && status.ok(); ++w) {
    WorkerCommand* c = d.Acquire(w);
    if (c == nullptr) {
      status = absl::UnavailableError(absl::StrFormat("worker %u is busy", w));
      break;
    }
    fill(*c);
    status = d.Submit(w, c);
    if (status.ok()) sent.push_back(c);
  }
  const Clock::time_point deadline = Clock::now() + d.timeout;
  uint64_t total = 0;
  for (uint32_t w = 0; w < sent.size(); ++w) {
    absl::Status s = d.Wait(w, sent[w], deadline);
    if (s.ok()) total += sent[w]->count;
    if (status.ok() && !s.ok()) status = s;
  }
  if (!status.ok()) return status;
  return total;
}

}  // namespace

absl::StatusOr<uint64_t> LeaseControl::WipeLeases(std::optional<uint32_t> subnet_id) {
  std::lock_guard lock(impl_->mutex);
  return OnEveryWorker(*impl_, [&](WorkerCommand& c) {
    c.kind = WorkerCommand::Kind::kWipe;
    c.all_subnets = !subnet_id.has_value();
    c.subnet_id = subnet_id.value_or(0);
  });
}

absl::StatusOr<uint64_t> LeaseControl::ReclaimLeases(bool remove) {
  std::lock_guard lock(impl_->mutex);
  return OnEveryWorker(*impl_, [&](WorkerCommand& c) {
    c.kind = WorkerCommand::Kind::kReclaim;
    c.remove = remove;
  });
}

absl::StatusOr<ReconfigureReport> LeaseControl::Reconfigure(
    std::shared_ptr<const config::Config> config) {
  std::lock_guard lock(impl_->mutex);
  internal::LeaseControlImpl& d = *impl_;
  const config::Config& old = *d.view.config;
  if (!internal::SameInterfaces(old, *config)) {
    return absl::FailedPreconditionError(
        "Dhcp4.interfaces-config changed: ports and interfaces are set up at start; restart "
        "dpdhcpd to apply it");
  }
  if (config->subnets.size() > d.counter_subnets) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "Dhcp4.subnet4: %u subnets, more than the %u the running server sized its counters for; "
        "restart dpdhcpd to apply it",
        config->subnets.size(), d.counter_subnets));
  }
  auto built = pool::AddressSpace::Build(*config);
  if (!built.ok()) return built.status();
  std::shared_ptr<pool::AddressSpace> next(std::move(*built));

  ReconfigureReport report;
  std::vector<int32_t> old_index_of(config->subnets.size(), -1);
  for (const config::Subnet& s : config->subnets) {
    if (const config::Subnet* o = old.FindSubnetById(s.id)) {
      old_index_of[s.index] = static_cast<int32_t>(o->index);
    } else {
      ++report.subnets_added;
    }
  }
  for (const config::Subnet& s : old.subnets) {
    if (config->FindSubnetById(s.id) == nullptr) ++report.subnets_removed;
  }

  // Everything a worker needs, allocated here: the slots, the engines.
  const uint32_t n = static_cast<uint32_t>(d.workers.size());
  auto barrier = std::make_shared<internal::SwapBarrier>(n);
  std::vector<WorkerCommand*> cmds;
  for (uint32_t w = 0; w < n; ++w) {
    WorkerCommand* c = d.Acquire(w);
    if (c == nullptr) return absl::UnavailableError(absl::StrFormat("worker %u is busy", w));
    c->kind = WorkerCommand::Kind::kSwap;
    c->config = config.get();
    c->addresses = next.get();
    c->engine = std::make_unique<engine::Engine>(config, *next, *d.leases, *d.counters[w]);
    c->old_index_of = old_index_of;
    c->scratch.assign(old.subnets.size(), {});
    c->barrier = barrier;
    cmds.push_back(c);
  }
  std::vector<WorkerCommand*> sent;
  absl::Status status;
  const Clock::time_point started = Clock::now();
  for (uint32_t w = 0; w < n && status.ok(); ++w) {
    status = d.Submit(w, cmds[w]);
    if (status.ok()) sent.push_back(cmds[w]);
  }
  barrier->armed.store(status.ok(), std::memory_order_release);
  constexpr uint32_t kCount = internal::SwapBarrier::kCountMask;
  const Clock::time_point deadline = Clock::now() + d.timeout;
  while (status.ok() && (barrier->state.load(std::memory_order_acquire) & kCount) < n) {
    if (Clock::now() > deadline) {
      // Give up, unless the last worker parked meanwhile (then they switch).
      uint32_t s = barrier->state.load(std::memory_order_acquire);
      while ((s & kCount) < n &&
             !barrier->state.compare_exchange_weak(s, s | internal::SwapBarrier::kAbort,
                                                   std::memory_order_acq_rel)) {
      }
      if ((s & kCount) < n) {
        status = absl::DeadlineExceededError(absl::StrFormat(
            "only %u of %u workers reached a quiescent point within %d ms; the old "
            "configuration stays",
            s & kCount, n, static_cast<int>(d.timeout.count())));
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  if (!status.ok()) {
    // Workers that parked resume with their old engine; one that never got
    // to the command sees kAbort when it does and skips it.
    if ((barrier->state.load() & internal::SwapBarrier::kAbort) == 0) {
      barrier->state.fetch_or(internal::SwapBarrier::kAbort);  // a failed enqueue: none parked
    }
    return status;
  }
  // Every worker parked, so every worker switches: the view switches too.
  for (uint32_t w = 0; w < sent.size(); ++w) {
    (void)d.Wait(w, sent[w], Clock::now() + std::chrono::seconds(10));
  }
  report.switch_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
  for (WorkerCommand* c : sent) {
    if (c->state.load(std::memory_order_acquire) != WorkerCommand::kDone) continue;
    report.leases_kept += c->count;
    for (uint64_t i = 0; i < c->orphaned && i < c->orphaned_sample.size(); ++i) {
      if (report.orphaned_sample.size() < c->orphaned_sample.size()) {
        report.orphaned_sample.push_back(c->orphaned_sample[i]);
      }
    }
    report.leases_orphaned += c->orphaned;
    report.pause_us = std::max<uint64_t>(report.pause_us,
                                         c->paused_cycles * 1000000 / rte_get_tsc_hz());
    c->engine.reset();  // the worker's old engine, released here
  }
  {
    std::lock_guard view_lock(d.view_mutex);
    d.view.config = config;
    d.view.addresses = next;
    d.addresses = next;
  }
  if (d.on_swap) d.on_swap(config);
  return report;
}

}  // namespace dpdhcp::runtime
