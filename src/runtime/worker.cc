#include "worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_pause.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include <utility>

#include "dpdhcp/proto/frame.h"
#include "journal_record_type.h"
#include "unmap_guard.h"

namespace dpdhcp::runtime::internal {

using base::DropReason;
using stats::Counter;

namespace {

base::ByteSpan FrameOf(const rte_mbuf* m) {
  return base::ByteSpan(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
}

RxMeta MetaOf(const rte_mbuf* m) {
  RxMeta meta;
  meta.port = m->port;
  meta.vlan_stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;
  meta.vlan_tci = m->vlan_tci;
  return meta;
}

FrameBuffer BufferOf(rte_mbuf* m) {
  FrameBuffer f;
  f.base = static_cast<uint8_t*>(m->buf_addr);
  f.capacity = m->buf_len;
  f.data_off = m->data_off;
  f.data_len = m->data_len;
  return f;
}

// The mbuf now holds the reply f describes, in one segment, with no offload
// requested (checksums are in the frame, tags in the data).
void ApplyReply(rte_mbuf* m, const FrameBuffer& f) {
  if (m->next != nullptr) {
    rte_pktmbuf_free(m->next);
    m->next = nullptr;
    m->nb_segs = 1;
  }
  m->data_off = static_cast<uint16_t>(f.data_off);
  m->data_len = static_cast<uint16_t>(f.data_len);
  m->pkt_len = f.data_len;
  m->ol_flags = 0;
  m->vlan_tci = 0;
  m->vlan_tci_outer = 0;
}

}  // namespace

Worker::Worker(uint32_t index, unsigned lcore, const SharedState& shared,
               std::unique_ptr<engine::Engine> engine, stats::WorkerCounters& counters)
    : index_(index),
      lcore_(lcore),
      classifier_(*shared.classifier),
      leases_(*shared.leases),
      clock_(shared.clock),
      engine_(std::move(engine)),
      counters_(counters) {
  tx_by_port_.fill(-1);
}

void Worker::AddTxQueue(uint16_t port, uint16_t queue) {
  tx_by_port_[port] = static_cast<int16_t>(tx_.size());
  TxBuffer b;
  b.port = port;
  b.queue = queue;
  tx_.push_back(b);
}

void Worker::SetJournal(journal::Journal* journal, config::Durability durability) {
  journal_ = journal != nullptr ? &journal->stream(index_) : nullptr;
  journal_state_ = journal;
  park_acks_ = journal != nullptr && durability == config::Durability::kStrict;
  parked_ = park_acks_ ? FrameParking(kAckParkingFrames, kAckParkingBytes) : FrameParking();
}

bool Worker::JournalChange(const engine::LeaseChange& change) {
  if (journal_ == nullptr || change.event == engine::LeaseEvent::kNone) return true;
  return journal_->Append(RecordTypeOf(change.event), change.lease).has_value();
}

bool Worker::JournalDecision(const engine::Decision& d) {
  // Both are attempted: the store holds both changes already, and a record
  // the journal can take is better on disk than not.
  const bool prior = JournalChange(d.prior);
  const bool change = JournalChange(d.change);
  return prior && change;
}

void Worker::ReleaseParked() {
  if (parked_.empty()) return;
  const uint64_t durable = journal_->durable_sequence();  // acquire: after its fdatasync
  for (;;) {
    const uint32_t ready = parked_.CountUpTo(durable, kTxBufferSize);
    if (ready == 0) return;
    // One bulk allocation per TX burst, not one mempool call per ACK.
    std::array<rte_mbuf*, kTxBufferSize> mbufs;
    if (rte_pktmbuf_alloc_bulk(parking_pool_, mbufs.data(), ready) != 0) {
      // The pool is short of a whole burst: what one at a time still gets.
      parked_.ReleaseUpTo(durable, [this](const ParkedFrame& f) {
        rte_mbuf* m = rte_pktmbuf_alloc(parking_pool_);
        if (m == nullptr) return false;
        TransmitParked(m, f);
        return true;
      });
      return;
    }
    uint32_t used = 0;
    parked_.ReleaseUpTo(durable, [&](const ParkedFrame& f) {
      if (used == ready) return false;
      TransmitParked(mbufs[used++], f);
      return true;
    });
    if (ready < kTxBufferSize) return;
  }
}

void Worker::TransmitParked(rte_mbuf* m, const ParkedFrame& f) {
  if (f.length > rte_pktmbuf_tailroom(m)) {  // cannot happen: the pool's buffers hold an MTU frame
    DropFrame(m, DropReason::kReplyTooLarge);
    return;
  }
  rte_memcpy(rte_pktmbuf_mtod(m, uint8_t*), f.data, f.length);
  m->data_len = f.length;
  m->pkt_len = f.length;
  m->port = f.port;
  Transmit(m);
}

void Worker::ParkAck(rte_mbuf* m, const ClassifiedFrame& c, const engine::Decision& d) {
  const size_t length = proto::UdpFrameHeaderLength(c.vlans) + d.reply_length;
  if (length > FrameParking::kMaxFrame) {
    DropFrame(m, DropReason::kReplyTooLarge);
    return;
  }
  // The ACK is built straight into the parking ring (no copy), and the
  // request's mbuf freed while hot.
  uint8_t* slot = parked_.Reserve(static_cast<uint16_t>(length));
  if (slot == nullptr) {
    DropFrame(m, DropReason::kJournalUnavailable);
    return;
  }
  FrameBuffer f;
  f.base = slot;
  f.capacity = static_cast<uint32_t>(length);
  if (!WriteDhcpReply(f, 0, c.vlans, classifier_.interface(c.interface_index).mac, d.to,
                      base::ByteSpan(reply_.data(), d.reply_length))) {
    DropFrame(m, DropReason::kReplyTooLarge);  // cannot happen: the length was taken above
    return;
  }
  parked_.Commit(static_cast<uint16_t>(f.data_len), m->port, journal_->last_sequence());
  rte_pktmbuf_free(m);
}

void Worker::DrainParked(UnmapGuardReader& guard) {
  const uint64_t deadline = rte_rdtsc() + clock_.CyclesForMillis(kParkedDrainMs);
  while (!parked_.empty() && rte_rdtsc() < deadline) {
    guard.Quiescent();
    ReleaseParked();
    rte_pause();
  }
  ReleaseParked();
  // Never durable in time (the disk is failing), or no mbuf to send it in:
  // the client retries.
  parked_.DrainAll([this](const ParkedFrame&) {
    counters_.Drop(DropReason::kJournalUnavailable);
    return true;
  });
}

void Worker::SetOutboundRings(std::vector<rte_ring*> rings) {
  outbound_ = std::move(rings);
  steer_.assign(outbound_.size(), SteerBuffer{});
}

void Worker::Run(const std::atomic<bool>& stop) {
  const uint64_t reclaim_period = clock_.CyclesForMillis(kReclaimPeriodMs);
  uint64_t next_reclaim = rte_rdtsc() + reclaim_period;
  std::array<rte_mbuf*, kRxBurst> pkts;
  std::array<void*, kRxBurst> objs;

  uint32_t idle_loops = 0;
  UnmapGuardReader guard(unmap_guard_, index_);

  while (!stop.load(std::memory_order_relaxed)) {
    // Between iterations this worker holds no pointer into a PMD's memory: a
    // pending munmap() (a memif peer's disconnect) may go ahead.
    guard.Quiescent();
    const uint64_t tsc = rte_rdtsc();
    now_ = clock_.Now(tsc);
    bool worked = false;

    for (const RxQueueRef& q : rx_) {
      const uint16_t n = rte_eth_rx_burst(q.port, q.queue, pkts.data(), kRxBurst);
      if (n != 0) {
        ProcessRxBurst(q.port, pkts.data(), n);
        worked = true;
      }
    }
    for (rte_ring* ring : inbound_) {
      const unsigned n = rte_ring_sc_dequeue_burst(ring, objs.data(), kRxBurst, nullptr);
      for (unsigned i = 0; i < n; ++i) HandleSteered(static_cast<rte_mbuf*>(objs[i]));
      worked |= n != 0;
    }
    if (commands_ != nullptr) worked |= PollCommands();
    ReleaseParked();
    for (TxBuffer& b : tx_) {
      if (b.count != 0) Flush(b);
    }
    if (tsc >= next_reclaim) {
      // A reclaim whose record the ring refuses is redone at restart: the
      // replayed lease is past its expiry and is reclaimed again.
      engine_->ReclaimExpired(index_, now_, kReclaimBudget,
                              [this](const engine::LeaseChange& c) { JournalChange(c); });
      next_reclaim = tsc + reclaim_period;
    }
    // Off by default (a production worker owns its CPU). Parked ACKs do not
    // keep the worker awake: their group commit takes milliseconds, the
    // sleep a fraction of that.
    if (idle_sleep_us_ != 0) {
      if (worked) {
        idle_loops = 0;
      } else if (++idle_loops >= kIdleLoopsBeforeSleep) {
        // Offline while asleep: an munmap() need not wait for the sleep.
        guard.Offline();
        rte_delay_us_sleep(idle_sleep_us_);
        guard.Online();
      }
    }
  }
  DrainParked(guard);
  for (TxBuffer& b : tx_) {
    if (b.count != 0) Flush(b);
  }
}

void Worker::ProcessRxBurst(uint16_t port, rte_mbuf** pkts, uint16_t n) {
  counters_.Add(Counter::kFramesReceived, n);
  ClassifiedFrame& c = classified_;
  for (uint16_t i = 0; i < n; ++i) {
    if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void*));
    rte_mbuf* m = pkts[i];
    // Not every PMD sets it (net_ring does not); the reply and a steered
    // request need it.
    m->port = port;
    classifier_.Classify(FrameOf(m), MetaOf(m), &c);
    switch (c.action) {
      case FrameAction::kDrop:
        DropFrame(m, c.drop);
        break;
      case FrameAction::kArpReply: {
        FrameBuffer f = BufferOf(m);
        if (!MakeArpReply(f, c, classifier_.interface(c.interface_index))) {
          DropFrame(m, DropReason::kReplyTooLarge);
          break;
        }
        ApplyReply(m, f);
        counters_.Add(Counter::kArpReplySent);
        Transmit(m);
        break;
      }
      case FrameAction::kIcmpEchoReply: {
        FrameBuffer f = BufferOf(m);
        if (!MakeIcmpEchoReply(f, c, classifier_.interface(c.interface_index))) {
          DropFrame(m, DropReason::kReplyTooLarge);
          break;
        }
        ApplyReply(m, f);
        counters_.Add(Counter::kIcmpEchoReplySent);
        Transmit(m);
        break;
      }
      case FrameAction::kDhcp: {
        const uint32_t owner = DhcpShardOf(c.payload, leases_, index_);
        if (owner == index_) {
          HandleDhcp(m, c);
        } else {
          Steer(owner, m);
        }
        break;
      }
    }
  }
  FlushSteering();
}

void Worker::Steer(uint32_t owner, rte_mbuf* m) {
  SteerBuffer& s = steer_[owner];
  s.objs[s.count++] = m;  // at most one burst per flush: count <= kRxBurst
}

void Worker::FlushSteering() {
  for (uint32_t owner = 0; owner < steer_.size(); ++owner) {
    SteerBuffer& s = steer_[owner];
    if (s.count == 0) continue;
    const unsigned sent =
        rte_ring_sp_enqueue_burst(outbound_[owner], s.objs.data(), s.count, nullptr);
    counters_.Add(Counter::kFramesSteered, sent);
    for (unsigned i = sent; i < s.count; ++i) {
      DropFrame(static_cast<rte_mbuf*>(s.objs[i]), DropReason::kSteeringRingFull);
    }
    s.count = 0;
  }
}

void Worker::HandleSteered(rte_mbuf* m) {
  ClassifiedFrame& c = classified_;
  classifier_.Classify(FrameOf(m), MetaOf(m), &c);
  // Classify is a pure function of the bytes and metadata the sender
  // classified as DHCP, so this is DHCP again; were it not (a bug), the frame
  // is dropped under the reason found rather than handed to the engine.
  if (c.action == FrameAction::kDhcp) {
    HandleDhcp(m, c);
  } else {
    DropFrame(m, c.action == FrameAction::kDrop ? c.drop : DropReason::kUnsupportedIpProtocol);
  }
}

void Worker::HandleDhcp(rte_mbuf* m, const ClassifiedFrame& c) {
  const engine::RequestContext ctx = RequestContextOf(c, now_);
  // The engine counts the request and, when there is no reply, the drop.
  const engine::Decision d = engine_->HandlePayload(c.payload, ctx, reply_);
  // RFC 2131 §3.1 step 4: the binding is recorded before the ACK is sent.
  // OFFERs and NAKs change nothing durable and carry no change.
  const bool persisted = d.change.event != engine::LeaseEvent::kNone && journal_ != nullptr;
  // While the disk fails no ACK is sent in either mode: relaxed would send
  // records that wait in the ring for an unknown time, not one group window;
  // strict would park ACKs that leave only after the client gave up. The
  // record is still appended (the store holds the change): it is written
  // when the journal recovers.
  const bool recorded =
      !persisted || (JournalDecision(d) && journal_state_->healthy());
  if (d.reply == engine::ReplyKind::kNone) {
    rte_pktmbuf_free(m);
    return;
  }
  // Never acknowledge what could not be recorded, in either durability mode:
  // the client retries and is answered once the journal takes records again.
  if (!recorded) {
    DropFrame(m, DropReason::kJournalUnavailable);
    return;
  }
  if (persisted && park_acks_) {
    ParkAck(m, c, d);
    return;
  }
  FrameBuffer f = BufferOf(m);
  if (!WriteDhcpReply(f, RTE_PKTMBUF_HEADROOM, c.vlans,
                      classifier_.interface(c.interface_index).mac, d.to,
                      base::ByteSpan(reply_.data(), d.reply_length))) {
    DropFrame(m, DropReason::kReplyTooLarge);
    return;
  }
  ApplyReply(m, f);
  Transmit(m);
}

void Worker::Transmit(rte_mbuf* m) {
  const int16_t t = tx_by_port_[m->port];
  TxBuffer& b = tx_[static_cast<size_t>(t)];  // every serving port has a TX queue per worker
  b.pkts[b.count++] = m;
  if (b.count == kTxBufferSize) Flush(b);
}

void Worker::Flush(TxBuffer& b) {
  const uint16_t sent = rte_eth_tx_burst(b.port, b.queue, b.pkts.data(), b.count);
  counters_.Add(Counter::kFramesSent, sent);
  for (uint16_t i = sent; i < b.count; ++i) DropFrame(b.pkts[i], DropReason::kTxFull);
  b.count = 0;
}

bool Worker::PollCommands() {
  WorkerCommand* c = pending_command_;
  if (c == nullptr) {
    void* obj = nullptr;
    if (rte_ring_sc_dequeue(commands_, &obj) != 0) return false;
    c = static_cast<WorkerCommand*>(obj);
  }
  // Lease changes made for the control plane are journaled like the
  // engine's own. A record the journal ring refuses (full: the disk is
  // failing) is counted by the stream and shows in the journal's health; the
  // change itself is in the store and the command answers success.
  const bool done = ExecuteCommand(
      *c, index_, now_, engine_, counters_,
      [](void* self, const engine::LeaseChange& change) {
        static_cast<Worker*>(self)->JournalChange(change);
      },
      this);
  pending_command_ = done ? nullptr : c;
  if (done) c->state.store(WorkerCommand::kDone, std::memory_order_release);
  return true;
}

int WorkerMain(void* arg) {
  const auto* args = static_cast<const LaunchArgs*>(arg);
  args->worker->Run(*args->stop);
  return 0;
}

}  // namespace dpdhcp::runtime::internal
