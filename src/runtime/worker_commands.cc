// Worker side of the control commands: what a worker does with a command
// taken from its ring, between two bursts. Mirrors the reference behaviour
// of control::MemoryServerState (the same claims, holder words and gauge
// changes), on the one shard this worker owns.
#include "worker_commands.h"

#include <rte_cycles.h>
#include <rte_pause.h>

namespace dpdhcp::runtime::internal {
namespace {

using lease::Lease;
using lease::LeaseState;
using stats::SubnetCounter;

class Executor {
 public:
  Executor(WorkerCommand& c, uint32_t shard, stats::WorkerCounters& counters, ChangeSink sink,
           void* sink_ctx)
      : c_(c),
        shard_index_(shard),
        shard_(c.leases->shard(shard)),
        counters_(counters),
        sink_(sink),
        sink_ctx_(sink_ctx) {}

  void Add() { c_.outcome = AddRecord(c_.lease); }
  void Delete() { c_.outcome = RemoveAddress(c_.address); }

  void Update() {
    Lease old;
    uint32_t slot = 0;
    c_.outcome = FindHolding(c_.address, &slot, &old);
    if (c_.outcome != CommandOutcome::kOk) return;
    Remove(slot, old);
    c_.outcome = AddRecord(c_.lease);
    if (c_.outcome != CommandOutcome::kOk) {
      // A refused update changes nothing: the old record goes back (its
      // address and key were just freed, so this cannot be refused).
      const Lease blocker = c_.other;
      (void)AddRecord(old);
      c_.other = blocker;
    }
  }

  void Wipe() {
    uint64_t removed = 0;
    shard_.ForEach([&](uint32_t slot, const Lease& l) {
      if (!c_.all_subnets && l.subnet_id != c_.subnet_id) return;
      Remove(slot, l);
      ++removed;
    });
    c_.count = removed;
  }

  void Reclaim(base::UnixSeconds now, engine::Engine& engine) {
    c_.count = engine.ReclaimExpired(shard_index_, now, shard_.capacity(),
                                     [&](const engine::LeaseChange& change) {
                                       Journal(change);
                                       if (!c_.remove || change.event != engine::LeaseEvent::kExpired) {
                                         return;
                                       }
                                       // leases-reclaim "remove": no affinity hint either.
                                       if (const auto found = shard_.Find(change.lease.key)) {
                                         shard_.Erase(found->slot);
                                         Journal({engine::LeaseEvent::kDeleted, found->lease});
                                       }
                                     });
  }

  void Swap(std::unique_ptr<engine::Engine>& engine) {
    const uint64_t start = rte_rdtsc();
    SwapBarrier& b = *c_.barrier;
    if ((b.state.load(std::memory_order_acquire) & SwapBarrier::kAbort) != 0) {
      c_.outcome = CommandOutcome::kAborted;  // given up before this worker got to it
      return;
    }
    // Claim every address this shard holds in the new space. Only this
    // worker writes this shard, and no worker allocates from the new space
    // before everyone parked, so the claims cannot collide with a new grant.
    pool::AddressSpace& next = *c_.addresses;
    uint64_t kept = 0, orphaned = 0;
    shard_.ForEach([&](uint32_t slot, const Lease& l) {
      if (!lease::HoldsAddress(l.state)) return;
      if (ClaimIn(next, l.address)) {
        next.SetHolder(l.address, lease::MakeLeaseRef(shard_index_, slot));
        ++kept;
        return;
      }
      if (orphaned < c_.orphaned_sample.size()) c_.orphaned_sample[orphaned] = l.address;
      ++orphaned;
    });
    c_.count = kept;
    c_.orphaned = orphaned;
    // Park until every worker has claimed its shard's addresses (acq_rel:
    // our claims are published, and the others' are seen, before anyone
    // allocates from the new space).
    uint32_t s = b.state.fetch_add(1, std::memory_order_acq_rel) + 1;
    while ((s & SwapBarrier::kAbort) == 0 && (s & SwapBarrier::kCountMask) < b.workers) {
      rte_pause();
      s = b.state.load(std::memory_order_acquire);
    }
    if ((s & SwapBarrier::kAbort) != 0) {
      c_.outcome = CommandOutcome::kAborted;
      return;
    }
    RemapGauges();
    engine.swap(c_.engine);  // the old engine goes back to the control thread
    c_.paused_cycles = rte_rdtsc() - start;
  }

 private:
  static bool ClaimIn(pool::AddressSpace& a, base::Ipv4Address addr) {
    return a.IsReserved(addr) ? a.ClaimReserved(addr) : a.TryClaim(addr);
  }

  void Journal(const engine::LeaseChange& change) {
    if (sink_ != nullptr) sink_(sink_ctx_, change);
  }

  void Gauge(const Lease& l, int64_t delta) {
    const config::Subnet* s = c_.config->FindSubnetById(l.subnet_id);
    if (s == nullptr) return;
    if (l.state == LeaseState::kBound) {
      counters_.AddSubnet(s->index, SubnetCounter::kAssignedAddresses, delta);
    } else if (l.state == LeaseState::kDeclined) {
      counters_.AddSubnet(s->index, SubnetCounter::kDeclinedAddresses, delta);
    }
  }

  // The slot and record of this shard holding `address`.
  CommandOutcome FindHolding(base::Ipv4Address address, uint32_t* slot, Lease* out) {
    const uint32_t ref = c_.addresses->Holder(address);
    if (ref == pool::kNoHolder) return CommandOutcome::kNotFound;
    if (lease::LeaseRefShard(ref) != shard_index_) return CommandOutcome::kWrongShard;
    *slot = lease::LeaseRefSlot(ref);
    if (!shard_.ReadSlot(*slot, out) || out->address != address || !lease::HoldsAddress(out->state)) {
      return CommandOutcome::kNotFound;
    }
    return CommandOutcome::kOk;
  }

  void Remove(uint32_t slot, const Lease& l) {
    shard_.Erase(slot);
    pool::AddressSpace& a = *c_.addresses;
    if (lease::HoldsAddress(l.state) && a.Holder(l.address) == lease::MakeLeaseRef(shard_index_, slot)) {
      a.SetHolder(l.address, pool::kNoHolder);
      a.Release(l.address);
    }
    Gauge(l, -1);
    Journal({engine::LeaseEvent::kDeleted, l});
  }

  CommandOutcome RemoveAddress(base::Ipv4Address address) {
    Lease l;
    uint32_t slot = 0;
    const CommandOutcome found = FindHolding(address, &slot, &l);
    if (found == CommandOutcome::kOk) Remove(slot, l);
    return found;
  }

  CommandOutcome AddRecord(const Lease& l) {
    pool::AddressSpace& a = *c_.addresses;
    const bool holds = lease::HoldsAddress(l.state);
    if (holds) {
      const uint32_t ref = a.Holder(l.address);
      Lease o;
      if (ref != pool::kNoHolder && c_.leases->ReadByRef(ref, &o) && o.address == l.address &&
          lease::HoldsAddress(o.state)) {
        c_.other = o;
        return CommandOutcome::kAddressHeld;
      }
    }
    const auto current = shard_.Find(l.key);
    if (current && lease::HoldsAddress(current->lease.state)) {
      c_.other = current->lease;
      return CommandOutcome::kClientHolds;
    }
    if (holds && !ClaimIn(a, l.address)) {
      return a.Find(l.address) ? CommandOutcome::kCannotClaim : CommandOutcome::kNotInPool;
    }
    uint32_t slot = 0;
    if (current) {
      slot = current->slot;
      shard_.Store(slot, l);
    } else {
      const auto inserted = shard_.Insert(l);
      if (!inserted) {
        if (holds) a.Release(l.address);
        return CommandOutcome::kShardFull;
      }
      slot = *inserted;
    }
    if (holds) a.SetHolder(l.address, lease::MakeLeaseRef(shard_index_, slot));
    Gauge(l, +1);
    if (l.state == LeaseState::kBound) {
      if (const config::Subnet* s = c_.config->FindSubnetById(l.subnet_id)) {
        counters_.AddSubnet(s->index, SubnetCounter::kCumulativeAssignedAddresses, 1);
      }
    }
    Journal({engine::LeaseEvent::kGranted, l});
    return CommandOutcome::kOk;
  }

  // Per-subnet counters follow the subnet (by id) to its index in the new
  // config; a removed subnet's are dropped, a new subnet starts at zero.
  void RemapGauges() {
    const size_t old_count = c_.scratch.size();
    for (size_t i = 0; i < old_count && i < counters_.num_subnets(); ++i) {
      for (size_t k = 0; k < stats::kNumSubnetCounters; ++k) {
        c_.scratch[i][k] = counters_.GetSubnet(i, static_cast<SubnetCounter>(k));
      }
    }
    for (size_t i = 0; i < counters_.num_subnets(); ++i) {
      const int32_t from = i < c_.old_index_of.size() ? c_.old_index_of[i] : -1;
      for (size_t k = 0; k < stats::kNumSubnetCounters; ++k) {
        const auto counter = static_cast<SubnetCounter>(k);
        const int64_t target = from >= 0 ? c_.scratch[static_cast<size_t>(from)][k] : 0;
        counters_.AddSubnet(i, counter, target - counters_.GetSubnet(i, counter));
      }
    }
  }

  WorkerCommand& c_;
  const uint32_t shard_index_;
  lease::LeaseShard& shard_;
  stats::WorkerCounters& counters_;
  const ChangeSink sink_;
  void* const sink_ctx_;
};

}  // namespace

bool ExecuteCommand(WorkerCommand& c, uint32_t shard, base::UnixSeconds now,
                    std::unique_ptr<engine::Engine>& engine, stats::WorkerCounters& counters,
                    ChangeSink sink, void* sink_ctx) {
  if (c.kind == WorkerCommand::Kind::kSwap &&
      (c.barrier->state.load(std::memory_order_acquire) & SwapBarrier::kAbort) == 0 &&
      !c.barrier->armed.load(std::memory_order_acquire)) {
    return false;
  }
  c.outcome = CommandOutcome::kOk;
  c.count = 0;
  c.orphaned = 0;
  Executor x(c, shard, counters, sink, sink_ctx);
  switch (c.kind) {
    case WorkerCommand::Kind::kAdd: x.Add(); break;
    case WorkerCommand::Kind::kUpdate: x.Update(); break;
    case WorkerCommand::Kind::kDelete: x.Delete(); break;
    case WorkerCommand::Kind::kWipe: x.Wipe(); break;
    case WorkerCommand::Kind::kReclaim: x.Reclaim(now, *engine); break;
    case WorkerCommand::Kind::kSwap: x.Swap(engine); break;
  }
  return true;
}

}  // namespace dpdhcp::runtime::internal
