#include "dpdhcp/lease/lease_store.h"

#include <algorithm>

#include "dpdhcp/base/hash.h"

namespace dpdhcp::lease {
namespace {

// Buckets hold 15 entries; 12 keys per bucket keeps the index ≤ 80 % full.
constexpr uint32_t kKeysPerBucket = 12;

uint32_t BucketsFor(uint32_t capacity) {
  return std::max<uint32_t>(1, (capacity + kKeysPerBucket - 1) / kKeysPerBucket);
}

}  // namespace

LeaseShard::LeaseShard(uint32_t shard_index, uint32_t capacity)
    : shard_index_(shard_index),
      capacity_(std::min(capacity, kMaxShardCapacity)),
      num_buckets_(BucketsFor(capacity_)),
      // Value-initialised: every record kFree with sequence 0, every index
      // entry empty. Touching the pages now keeps page faults off the workers.
      records_(capacity_),
      buckets_(num_buckets_),
      fifo_next_(capacity_) {
  std::fill(fifo_next_.get(), fifo_next_.get() + capacity_, kNotQueued);
}

LeaseShard::~LeaseShard() = default;

void LeaseShard::Publish(uint32_t slot, const Lease& lease) {
  Record& r = records_[slot];
  uint32_t w[kWords];
  std::memcpy(w, &lease, sizeof lease);
  const uint32_t s = r.seq.load(std::memory_order_relaxed);
  r.seq.store(s + 1, std::memory_order_relaxed);
  // Orders the odd sequence before the word stores: a reader that reads any
  // new word then sees the sequence moved (its acquire fence pairs with this).
  std::atomic_thread_fence(std::memory_order_release);
  for (size_t i = 0; i < kWords; ++i) r.words[i].store(w[i], std::memory_order_relaxed);
  // Orders the word stores before the even sequence.
  r.seq.store(s + 2, std::memory_order_release);
}

std::optional<uint32_t> LeaseShard::FindSlot(const ClientKey& key, uint64_t hash) const {
  const uint32_t tag = Tag(hash);
  uint32_t b = HomeBucket(hash);
  for (uint32_t n = 0; n < num_buckets_; ++n) {
    const Bucket& bucket = buckets_[b];
    for (uint32_t i = 0; i < kBucketEntries; ++i) {
      const uint32_t e = bucket.entries[i].load(std::memory_order_relaxed);
      if (e != 0 && (e >> 24) == tag) {
        const uint32_t slot = (e & 0xffffffu) - 1;
        if (LoadOwn(slot).key == key) return slot;
      }
    }
    if (bucket.overflow.load(std::memory_order_relaxed) == 0) break;
    b = NextBucket(b);
  }
  return std::nullopt;
}

std::optional<LeaseShard::Found> LeaseShard::Find(const ClientKey& key) const {
  const std::optional<uint32_t> slot = FindSlot(key, key.Hash());
  if (!slot) return std::nullopt;
  return Found{*slot, LoadOwn(*slot)};
}

void LeaseShard::IndexInsert(uint64_t hash, uint32_t slot) {
  const uint32_t entry = Tag(hash) << 24 | (slot + 1);
  uint32_t b = HomeBucket(hash);
  // The index has room for every slot at ≤ 80 % load, so this ends.
  for (;;) {
    Bucket& bucket = buckets_[b];
    for (uint32_t i = 0; i < kBucketEntries; ++i) {
      if (bucket.entries[i].load(std::memory_order_relaxed) == 0) {
        // Release: a reader that sees the entry sees the record it names.
        bucket.entries[i].store(entry, std::memory_order_release);
        return;
      }
    }
    // Release: a reader that synchronised with anything the writer did after
    // this insert sees the count and so does not stop before the key.
    bucket.overflow.store(bucket.overflow.load(std::memory_order_relaxed) + 1,
                          std::memory_order_release);
    b = NextBucket(b);
  }
}

void LeaseShard::IndexErase(uint64_t hash, uint32_t slot) {
  const uint32_t entry = Tag(hash) << 24 | (slot + 1);
  const uint32_t home = HomeBucket(hash);
  uint32_t b = home;
  for (uint32_t n = 0; n < num_buckets_; ++n) {
    Bucket& bucket = buckets_[b];
    for (uint32_t i = 0; i < kBucketEntries; ++i) {
      if (bucket.entries[i].load(std::memory_order_relaxed) != entry) continue;
      bucket.entries[i].store(0, std::memory_order_relaxed);
      // Undo this key's overflow marks on the buckets it passed.
      for (uint32_t p = home; p != b; p = NextBucket(p)) {
        buckets_[p].overflow.store(buckets_[p].overflow.load(std::memory_order_relaxed) - 1,
                                   std::memory_order_relaxed);
      }
      return;
    }
    b = NextBucket(b);
  }
}

void LeaseShard::FifoPush(uint32_t slot) {
  fifo_next_[slot] = kFifoEnd;
  if (fifo_tail_ == kFifoEnd) {
    fifo_head_ = slot;
  } else {
    fifo_next_[fifo_tail_] = (fifo_next_[fifo_tail_] & kDirty) | slot;
  }
  fifo_tail_ = slot;
}

// The affinity queue orders slots by when their record last became a hint.
// A slot enters it once; if its record stops being a hint and becomes one
// again (or the slot is reused) while still queued, it is marked dirty and,
// when it reaches the head, goes to the tail instead of being evicted. Slots
// whose record is no longer a hint are dropped at the head. Every slot is
// queued at most once, so the queue needs one link per slot, and each
// EvictOne is O(1) amortised over the state changes that queued its entries.
void LeaseShard::EnteredState(uint32_t slot, LeaseState before, LeaseState after) {
  if (!IsAffinityHint(after) || IsAffinityHint(before)) return;
  if (fifo_next_[slot] == kNotQueued) {
    FifoPush(slot);
  } else {
    fifo_next_[slot] |= kDirty;
  }
}

bool LeaseShard::EvictOne() {
  while (fifo_head_ != kFifoEnd) {
    const uint32_t slot = fifo_head_;
    const uint32_t link = fifo_next_[slot];
    fifo_head_ = link & kLinkMask;
    if (fifo_head_ == kFifoEnd) fifo_tail_ = kFifoEnd;
    fifo_next_[slot] = kNotQueued;
    if (!IsAffinityHint(LoadOwn(slot).state)) continue;
    if (link & kDirty) {
      FifoPush(slot);
      continue;
    }
    Erase(slot);
    evictions_.store(evictions_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return true;
  }
  return false;
}

std::optional<uint32_t> LeaseShard::Insert(const Lease& lease) {
  if (lease.state == LeaseState::kFree || capacity_ == 0) return std::nullopt;
  if (size() == capacity_ && !EvictOne()) return std::nullopt;
  uint32_t slot;
  if (free_head_ != kNoSlot) {
    slot = free_head_;
    const uint32_t next = LoadOwn(slot).address.value();
    free_head_ = next;
  } else {
    slot = used_.load(std::memory_order_relaxed);
    // Release: ForEach readers that see the new bound see zeroed (free) or
    // published records below it.
    used_.store(slot + 1, std::memory_order_release);
  }
  // Record first, index entry second: a reader that finds the entry reads
  // the new record.
  Publish(slot, lease);
  IndexInsert(lease.key.Hash(), slot);
  size_.store(size() + 1, std::memory_order_relaxed);
  EnteredState(slot, LeaseState::kFree, lease.state);
  return slot;
}

void LeaseShard::Store(uint32_t slot, const Lease& lease) {
  if (slot >= used_.load(std::memory_order_relaxed)) return;
  if (lease.state == LeaseState::kFree) {
    Erase(slot);
    return;
  }
  const Lease old = LoadOwn(slot);
  if (old.state == LeaseState::kFree) return;
  if (old.key == lease.key) {
    Publish(slot, lease);
  } else {
    IndexErase(old.key.Hash(), slot);
    Publish(slot, lease);
    IndexInsert(lease.key.Hash(), slot);
  }
  EnteredState(slot, old.state, lease.state);
}

void LeaseShard::Erase(uint32_t slot) {
  if (slot >= used_.load(std::memory_order_relaxed)) return;
  const Lease old = LoadOwn(slot);
  if (old.state == LeaseState::kFree) return;
  IndexErase(old.key.Hash(), slot);
  // A free record (all zero but the free-list link in its address word):
  // readers skip it by its state.
  Lease dead;
  dead.address = base::Ipv4Address(free_head_);
  Publish(slot, dead);
  free_head_ = slot;
  size_.store(size() - 1, std::memory_order_relaxed);
}

bool LeaseShard::ReadSlot(uint32_t slot, Lease* out) const {
  if (slot >= used_.load(std::memory_order_acquire)) return false;
  LoadConsistent(slot, out);
  return out->state != LeaseState::kFree;
}

bool LeaseShard::ReadByKey(const ClientKey& key, Lease* out) const {
  const uint64_t hash = key.Hash();
  const uint32_t tag = Tag(hash);
  uint32_t b = HomeBucket(hash);
  for (uint32_t n = 0; n < num_buckets_; ++n) {
    const Bucket& bucket = buckets_[b];
    for (uint32_t i = 0; i < kBucketEntries; ++i) {
      // Acquire: pairs with IndexInsert's release, so the record is there.
      const uint32_t e = bucket.entries[i].load(std::memory_order_acquire);
      if (e == 0 || (e >> 24) != tag) continue;
      LoadConsistent((e & 0xffffffu) - 1, out);
      if (out->state != LeaseState::kFree && out->key == key) return true;
    }
    if (bucket.overflow.load(std::memory_order_acquire) == 0) break;
    b = NextBucket(b);
  }
  return false;
}

size_t LeaseShard::MemoryBytes() const {
  return sizeof(*this) + records_.bytes() + buckets_.bytes() + fifo_next_.bytes();
}

LeaseStore::LeaseStore(uint32_t num_shards, uint32_t capacity_per_shard) {
  num_shards = std::clamp<uint32_t>(num_shards, 1, kMaxShards);
  shards_.reserve(num_shards);
  for (uint32_t i = 0; i < num_shards; ++i) {
    shards_.push_back(std::make_unique<LeaseShard>(i, capacity_per_shard));
  }
}

uint32_t LeaseStore::ShardFor(base::ByteSpan chaddr) const {
  const uint64_t h = base::HashBytes(chaddr.data(), chaddr.size());
  return static_cast<uint32_t>(((h >> 32) * shards_.size()) >> 32);
}

bool LeaseStore::ReadByRef(LeaseRef ref, Lease* out) const {
  const uint32_t shard = LeaseRefShard(ref);
  return ref != kNoLease && shard < shards_.size() &&
         shards_[shard]->ReadSlot(LeaseRefSlot(ref), out);
}

uint64_t LeaseStore::size() const {
  uint64_t n = 0;
  for (const auto& s : shards_) n += s->size();
  return n;
}

size_t LeaseStore::MemoryBytes() const {
  size_t bytes = sizeof(*this) + shards_.capacity() * sizeof(void*);
  for (const auto& s : shards_) bytes += s->MemoryBytes();
  return bytes;
}

}  // namespace dpdhcp::lease
