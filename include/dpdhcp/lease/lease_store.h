// Lease shards: the server's bindings, split by client MAC (DESIGN §2) so
// that each shard has exactly one writer, the worker that owns it.
//
// A shard is a preallocated array of records plus a key index; nothing
// allocates after construction.
//
// Writer side (Find, Insert, Store, Erase, CollectExpired): the owning
// worker thread only. No allocation, no lock, no syscall, no read-modify-
// write: single-writer stores only.
//
// Reader side (ReadByKey, ReadSlot, ForEach, size): any thread, lock-free, and
// never delays the writer:
//  - each record is guarded by a seqlock (Boehm, "Can seqlocks get along with
//    programming language memory models?", 2012): the writer makes the
//    sequence odd, release fence, stores the record's words (relaxed atomics),
//    stores the even sequence with release; a reader loads the sequence
//    (acquire), copies the words with relaxed loads, acquire fence, reloads
//    the sequence and retries if it moved or was odd. Every access is atomic,
//    so there is no data race under the C++ memory model, and a copy a reader
//    returns is one the writer stored whole.
//  - the key index never moves an entry once written (no backward shift, no
//    rehash): buckets of 15 entries on one cache line, linear probing between
//    buckets, and per-bucket overflow counts (the number of keys that were
//    placed past this bucket from a home at or before it) that tell a lookup
//    when to stop — the scheme of Facebook's F14 tables. An entry is written
//    or cleared with one atomic store, so a concurrent reader can miss only
//    the key being inserted or erased; the key of a live record it is
//    looking for stays in place. This is why no structural sequence is
//    needed. A reader that follows an entry to a slot being reused for
//    another client sees the other key in its consistent copy and moves on.
//
// Memory per lease (capacity fully used): record 48 + affinity queue link 4 +
// index 64/12 ≈ 5.3 = ≈ 57.3 bytes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/time.h"
#include "dpdhcp/lease/large_array.h"
#include "dpdhcp/lease/lease.h"

namespace dpdhcp::lease {

class alignas(64) LeaseShard {
 public:
  // Preallocates capacity records and their index. capacity is clamped to
  // kMaxShardCapacity.
  LeaseShard(uint32_t shard_index, uint32_t capacity);
  LeaseShard(const LeaseShard&) = delete;
  LeaseShard& operator=(const LeaseShard&) = delete;
  ~LeaseShard();

  // ---- Writer side: the owning worker thread only. ----

  struct Found {
    uint32_t slot;
    Lease lease;
  };
  // The record of `key`, in any state but kFree.
  std::optional<Found> Find(const ClientKey& key) const;
  // Starts loading the index bucket Find(key) will read first: call it for
  // every request of a burst before handling the first (DPDK l3fwd_em_hlm.h
  // style) so that the bucket misses overlap. Any thread; no effect on state.
  void Prefetch(const ClientKey& key) const {
    __builtin_prefetch(&buckets_[HomeBucket(key.Hash())]);
  }
  // Adds a record for a key that is not present; returns its slot. When the
  // shard is full it first evicts the affinity hint (kReleased / kExpired)
  // that became one the longest ago; nullopt when there is none to evict or
  // lease.state is kFree.
  std::optional<uint32_t> Insert(const Lease& lease);
  // Overwrites the record in `slot` (normally with the same key; a new key is
  // re-indexed). A kFree state erases the record.
  void Store(uint32_t slot, const Lease& lease);
  // Frees the slot; nothing for a free slot.
  void Erase(uint32_t slot);
  // Calls fn(slot, lease) for each record in state kOffered, kBound or
  // kDeclined whose expire <= now (never an infinite one), visiting at most
  // min(budget, slots ever used) slots from a cursor that carries over between
  // calls and wraps. fn may Store or Erase the slot it is given. Returns how
  // many records fn was called for.
  template <class Fn>
  size_t CollectExpired(base::UnixSeconds now, uint32_t budget, Fn&& fn);

  // ---- Reader side: any thread, lock-free. ----

  bool ReadByKey(const ClientKey& key, Lease* out) const;
  // false for a free or out-of-range slot.
  bool ReadSlot(uint32_t slot, Lease* out) const;
  // fn(slot, lease) for every record not free, each copy consistent. Records
  // inserted or erased during the walk may or may not be seen.
  template <class Fn>
  void ForEach(Fn&& fn) const;

  uint32_t size() const { return size_.load(std::memory_order_relaxed); }
  uint32_t capacity() const { return capacity_; }
  uint32_t shard_index() const { return shard_index_; }
  // Affinity hints evicted to make room, since construction.
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  size_t MemoryBytes() const;

 private:
  static constexpr size_t kWords = sizeof(Lease) / sizeof(uint32_t);
  static_assert(sizeof(Lease) % sizeof(uint32_t) == 0);
  struct Record {
    std::atomic<uint32_t> seq;  // odd while the writer is storing
    std::atomic<uint32_t> words[kWords];
  };
  static_assert(sizeof(Record) == 48);

  // An index entry is tag << 24 | (slot + 1); 0 is empty.
  static constexpr uint32_t kBucketEntries = 15;
  struct alignas(64) Bucket {
    std::atomic<uint32_t> overflow;  // keys homed at or before this bucket, placed after it
    std::atomic<uint32_t> entries[kBucketEntries];
  };
  static_assert(sizeof(Bucket) == 64);

  // Affinity queue links (fifo_next_): kNotQueued, or kDirty | next slot (or
  // kFifoEnd). Writer-private.
  static constexpr uint32_t kNotQueued = 0xffffffffu;
  static constexpr uint32_t kFifoEnd = 0xffffffu;
  static constexpr uint32_t kLinkMask = 0xffffffu;
  static constexpr uint32_t kDirty = 0x80000000u;
  static constexpr uint32_t kNoSlot = 0xffffffffu;

  uint32_t HomeBucket(uint64_t hash) const {
    return static_cast<uint32_t>(((hash & 0xffffffffu) * num_buckets_) >> 32);
  }
  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 56); }
  uint32_t NextBucket(uint32_t b) const { return b + 1 == num_buckets_ ? 0 : b + 1; }

  // Writer: the record as last stored (no seqlock needed by its only writer).
  Lease LoadOwn(uint32_t slot) const {
    uint32_t w[kWords];
    for (size_t i = 0; i < kWords; ++i)
      w[i] = records_[slot].words[i].load(std::memory_order_relaxed);
    Lease l;
    std::memcpy(&l, w, sizeof l);
    return l;
  }
  // Reader: a consistent copy (see the header comment).
  void LoadConsistent(uint32_t slot, Lease* out) const {
    const Record& r = records_[slot];
    for (uint32_t spins = 0;; ++spins) {
      const uint32_t s1 = r.seq.load(std::memory_order_acquire);
      if ((s1 & 1) == 0) {
        uint32_t w[kWords];
        for (size_t i = 0; i < kWords; ++i) w[i] = r.words[i].load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (r.seq.load(std::memory_order_relaxed) == s1) {
          std::memcpy(out, w, sizeof *out);
          return;
        }
      }
      // The writer is mid-store (a few nanoseconds) unless it was preempted.
      if (spins >= 64) std::this_thread::yield();
    }
  }
  void Publish(uint32_t slot, const Lease& lease);
  std::optional<uint32_t> FindSlot(const ClientKey& key, uint64_t hash) const;
  void IndexInsert(uint64_t hash, uint32_t slot);
  void IndexErase(uint64_t hash, uint32_t slot);
  void EnteredState(uint32_t slot, LeaseState before, LeaseState after);
  void FifoPush(uint32_t slot);
  bool EvictOne();

  const uint32_t shard_index_;
  const uint32_t capacity_;
  const uint32_t num_buckets_;
  LargeArray<Record> records_;
  LargeArray<Bucket> buckets_;
  LargeArray<uint32_t> fifo_next_;  // one per slot

  // Writer-private state.
  uint32_t free_head_ = kNoSlot;  // free list linked through erased records' address word
  uint32_t fifo_head_ = kFifoEnd, fifo_tail_ = kFifoEnd;
  uint32_t expire_cursor_ = 0;
  // Written by the writer only (plain stores), read by anyone.
  std::atomic<uint32_t> used_{0};  // slots ever handed out: [0, used_) may be non-free
  std::atomic<uint32_t> size_{0};
  std::atomic<uint64_t> evictions_{0};
};

template <class Fn>
size_t LeaseShard::CollectExpired(base::UnixSeconds now, uint32_t budget, Fn&& fn) {
  const uint32_t used = used_.load(std::memory_order_relaxed);
  if (used == 0) return 0;
  if (expire_cursor_ >= used) expire_cursor_ = 0;
  const uint32_t visits = budget < used ? budget : used;
  size_t found = 0;
  for (uint32_t i = 0; i < visits; ++i) {
    const uint32_t slot = expire_cursor_;
    expire_cursor_ = slot + 1 == used ? 0 : slot + 1;
    const Lease l = LoadOwn(slot);
    if (HoldsAddress(l.state) && !l.infinite() && l.expire <= now) {
      ++found;
      fn(slot, l);
    }
  }
  return found;
}

template <class Fn>
void LeaseShard::ForEach(Fn&& fn) const {
  const uint32_t used = used_.load(std::memory_order_acquire);
  Lease l;
  for (uint32_t slot = 0; slot < used; ++slot) {
    if (ReadSlot(slot, &l)) fn(slot, l);
  }
}

// The shards; shard i is written only by the worker that owns it.
class LeaseStore {
 public:
  // num_shards is clamped to [1, kMaxShards], capacity_per_shard to
  // kMaxShardCapacity.
  LeaseStore(uint32_t num_shards, uint32_t capacity_per_shard);

  uint32_t num_shards() const { return static_cast<uint32_t>(shards_.size()); }
  LeaseShard& shard(uint32_t i) { return *shards_[i]; }
  const LeaseShard& shard(uint32_t i) const { return *shards_[i]; }
  // The client's MAC decides its shard (DESIGN §2): base::HashBytes of chaddr,
  // stable across runs so a restart replays each record into the same shard.
  uint32_t ShardFor(base::ByteSpan chaddr) const;
  // Reader side: any thread.
  bool ReadByRef(LeaseRef ref, Lease* out) const;
  // Records in all shards (a sum of per-shard snapshots).
  uint64_t size() const;
  size_t MemoryBytes() const;

 private:
  std::vector<std::unique_ptr<LeaseShard>> shards_;
};

}  // namespace dpdhcp::lease
