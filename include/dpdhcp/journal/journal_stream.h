// One worker's journal stream: a single-producer single-consumer ring of
// records between the worker (producer) and the journal thread (consumer).
//
// Producer side (Append, durable_sequence, last_sequence): the owning worker
// only. No allocation, no lock, no syscall, no read-modify-write: the ring is
// preallocated and every shared word has exactly one writer (DESIGN §3).
//
// Ordering (each acquire/release and what it prevents):
//  - Append writes the record's bytes, then stores head_ with release: the
//    journal thread's acquire load of head_ cannot see a position before the
//    bytes of the record at that position.
//  - The journal thread stores tail_ with release after the slots it frees
//    are on disk (it no longer reads them); Append loads tail_ with acquire
//    before it overwrites a slot: the worker never writes a slot the journal
//    thread may still be reading.
//  - The journal thread stores durable_ with release after fdatasync
//    returned; durable_sequence() loads it with acquire. A worker that sees
//    durable_sequence() >= s may send the ACK parked behind record s (RFC 2131
//    §3.1 step 4; DESIGN §5 invariant 2).
//
// Sequence numbers: record k of this run (k = 0, 1, ...) has sequence
// first_sequence() + k. They continue the stream's numbers of earlier runs,
// so a sequence number names one record of a stream for ever.
//
// Durability modes are the caller's business: kStrict parks an ACK until
// durable_sequence() passes its record; kRelaxed sends it at once (it may lose
// the last group-commit window on a crash, DESIGN §5 invariant 2).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "dpdhcp/journal/record.h"
#include "dpdhcp/lease/large_array.h"
#include "dpdhcp/lease/lease.h"

namespace dpdhcp::journal {

enum class Durability : uint8_t {
  kStrict,   // ACK sent once its record is durable (default, DESIGN §5 invariant 2)
  kRelaxed,  // ACK sent at once; a crash may lose the last group-commit window
};

class JournalStream {
 public:
  // capacity (records) is rounded up to a power of two, at least 2. The ring
  // (capacity * 64 bytes) is allocated here, never after.
  JournalStream(uint32_t index, uint32_t generation, uint64_t first_sequence, uint32_t capacity);
  JournalStream(const JournalStream&) = delete;
  JournalStream& operator=(const JournalStream&) = delete;

  // ---- Producer: the owning worker only. ----

  // Queues one record; returns its sequence number, or nullopt when the ring
  // is full (the journal thread is behind or the disk is failing: the caller
  // counts a drop and, in kStrict mode, must not send the ACK). Call it after
  // the lease change is stored in the LeaseStore: a snapshot relies on every
  // record it covers being visible in the store (docs/journal.md).
  std::optional<uint64_t> Append(RecordType type, const lease::Lease& lease) {
    const uint64_t pos = head_local_;
    if (pos - tail_cache_ >= capacity_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (pos - tail_cache_ >= capacity_) {
        drops_.store(drops_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        return std::nullopt;
      }
    }
    const uint64_t seq = first_sequence_ + pos;
    EncodeRecordBody(slots_[pos & mask_].bytes, type, generation_, seq, lease);
    head_local_ = pos + 1;
    head_.store(pos + 1, std::memory_order_release);
    return seq;
  }
  // The highest sequence number that is on disk (first_sequence() - 1 before
  // the first group commit of this run).
  uint64_t durable_sequence() const { return durable_.load(std::memory_order_acquire); }
  // The sequence number of the last record appended (first_sequence() - 1
  // when none).
  uint64_t last_sequence() const { return first_sequence_ + head_local_ - 1; }
  // Appends refused because the ring was full, since construction.
  uint64_t drops() const { return drops_.load(std::memory_order_relaxed); }

  // ---- Any thread. ----

  // Like last_sequence(), for another thread (acquire: the records up to it
  // are published, and so are the store changes made before them).
  uint64_t appended_sequence() const {
    return first_sequence_ + head_.load(std::memory_order_acquire) - 1;
  }
  uint32_t index() const { return index_; }
  uint32_t generation() const { return generation_; }
  uint64_t first_sequence() const { return first_sequence_; }
  uint32_t capacity() const { return static_cast<uint32_t>(capacity_); }

  // ---- Consumer: the journal thread only. Positions count records of this
  // run from 0 (sequence = first_sequence() + position). ----

  // Records [tail, published()) may be read.
  uint64_t published() const { return head_.load(std::memory_order_acquire); }
  uint8_t* slot(uint64_t position) { return slots_[position & mask_].bytes; }
  // The first byte of a run of contiguous slots starting at position, and
  // how many of the next `count` records it holds before the ring wraps.
  size_t ContiguousRun(uint64_t position, uint64_t count) const {
    const uint64_t to_end = capacity_ - (position & mask_);
    return static_cast<size_t>(count < to_end ? count : to_end);
  }
  // Records before `end` are durable: frees their slots and publishes
  // durable_sequence() = first_sequence() + end - 1.
  void Retire(uint64_t end) {
    durable_.store(first_sequence_ + end - 1, std::memory_order_release);
    tail_.store(end, std::memory_order_release);
  }
  uint64_t retired() const { return tail_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) Slot {
    uint8_t bytes[kRecordSize];
  };
  static_assert(sizeof(Slot) == kRecordSize);

  // Read-only after construction.
  const uint32_t index_;
  const uint32_t generation_;
  const uint64_t first_sequence_;
  const uint64_t capacity_;
  const uint64_t mask_;
  lease::LargeArray<Slot> slots_;

  // Producer-private (the worker's cache line).
  alignas(64) uint64_t head_local_ = 0;
  uint64_t tail_cache_ = 0;
  std::atomic<uint64_t> drops_{0};
  // Written by the producer.
  alignas(64) std::atomic<uint64_t> head_{0};
  // Written by the consumer.
  alignas(64) std::atomic<uint64_t> tail_{0};
  std::atomic<uint64_t> durable_;
};

}  // namespace dpdhcp::journal
