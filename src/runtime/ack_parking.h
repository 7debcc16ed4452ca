// ACKs waiting for their journal record to be durable (durability: strict).
//
// RFC 2131 §3.1 step 4: the server commits the binding to persistent storage
// before it sends the DHCPACK. A worker cannot wait for the journal thread's
// fdatasync, so it parks the ACK here with the sequence number of its record
// and keeps polling; once JournalStream::durable_sequence() reaches that
// number the ACK leaves with the next TX burst (DESIGN §2, §5 invariant 2).
//
// A stream's sequence numbers grow by one per record and the worker parks in
// the order it appends, so the queue is sorted: releasing is popping from the
// front while front.sequence <= durable. Fixed capacity, allocated in the
// constructor (set-up), never after: Push on a full queue returns false and
// the caller drops the ACK under a named reason.
//
// Single-threaded: the owning worker only. Generic over the item so that the
// in-process benchmark drives the same code without DPDK.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace dpdhcp::runtime::internal {

// ACKs a worker may hold while their journal records become durable
// (durability: strict): the strict ACK rate of a worker is at most this many
// per group-commit time (8 ms of commits at 1 M ACKs/s; perf/README.md has
// the measured trade-off). The mbuf pools are sized for them
// (Dataplane::Impl::CreatePools) for a reserve of kAckParkingMbufReserve
// each: all 8192 would be ~20 MiB per worker, more than the lab's
// --no-huge -m 256 EAL can give two workers.
inline constexpr uint32_t kAckParkingCapacity = 8192;
inline constexpr uint32_t kAckParkingMbufReserve = 1024;

template <class T>
class AckParking {
 public:
  // capacity is rounded up to a power of two (at least 1).
  explicit AckParking(uint32_t capacity = 1)
      : entries_(std::bit_ceil(capacity == 0 ? 1u : capacity)), mask_(entries_.size() - 1) {}

  // False (nothing parked) when full.
  bool Push(T* item, uint64_t sequence) {
    if (tail_ - head_ == entries_.size()) return false;
    entries_[tail_ & mask_] = Entry{item, sequence};
    ++tail_;
    return true;
  }

  // Hands every item whose sequence <= durable to fn, oldest first, and
  // returns how many.
  template <class Fn>
  uint32_t ReleaseUpTo(uint64_t durable, Fn&& fn) {
    uint32_t n = 0;
    while (head_ != tail_) {
      const Entry& e = entries_[head_ & mask_];
      if (e.sequence > durable) break;
      // A group commit releases thousands at once, each parked for
      // milliseconds and cold by now: start loading a few items ahead (an
      // mbuf's first line, which the TX step reads) so the misses overlap.
      if (tail_ - head_ > kPrefetchAhead) {
        __builtin_prefetch(entries_[(head_ + kPrefetchAhead) & mask_].item);
      }
      T* item = e.item;
      ++head_;
      ++n;
      fn(item);
    }
    return n;
  }

  // Hands every item to fn regardless of its sequence (shutdown).
  template <class Fn>
  uint32_t DrainAll(Fn&& fn) {
    return ReleaseUpTo(UINT64_MAX, fn);
  }

  bool empty() const { return head_ == tail_; }
  uint64_t size() const { return tail_ - head_; }
  uint64_t capacity() const { return entries_.size(); }
  // The oldest parked sequence; meaningful when !empty().
  uint64_t front_sequence() const { return entries_[head_ & mask_].sequence; }

 private:
  static constexpr uint64_t kPrefetchAhead = 8;
  struct Entry {
    T* item = nullptr;
    uint64_t sequence = 0;
  };
  std::vector<Entry> entries_;
  uint64_t mask_;
  uint64_t head_ = 0;  // next to release
  uint64_t tail_ = 0;  // next free
};

}  // namespace dpdhcp::runtime::internal
