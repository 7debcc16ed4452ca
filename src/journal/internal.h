// Helpers shared by the journal's sources; not part of the module's API.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/journal/replay.h"
#include "dpdhcp/journal/snapshot.h"
#include "dpdhcp/lease/lease.h"
#include "tbb/parallel_for.h"

namespace dpdhcp::journal::internal {

// Debian's abseil has its own absl::string_view (not std::string_view), which
// StrCat does not take from a std::string_view: Sv bridges the two.
inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// strerror(err) for a positive errno value.
std::string ErrnoText(int err);

// One line to stderr, prefixed "dpdhcp journal: " (the project has no logger
// yet; the journal thread writes at most one line per second through
// RateLimitedLog).
void LogLine(std::string_view line);

// Logs at most one line per interval; counts the lines it suppressed and
// reports their number with the next line it lets through. One thread.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::steady_clock::duration interval = std::chrono::seconds(1))
      : interval_(interval) {}
  void Log(std::string_view line);

 private:
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point next_{};
  uint64_t suppressed_ = 0;
};

// A whole file mapped read-only (replay reads segments and snapshots this
// way: no copy, and the pages go back to the page cache when it is done).
class MappedFile {
 public:
  static absl::StatusOr<MappedFile> Open(const std::string& path);
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept { *this = std::move(o); }
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  base::ByteSpan bytes() const { return base::ByteSpan(data_, size_); }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// ---- A snapshot checked in place (replay reads the leases from the mapped
// file without copying them all first). ----

inline constexpr size_t kSnapshotBlockHeaderSize = 8;

struct SnapshotBlock {
  uint64_t offset = 0;  // of the block header in the file
  uint32_t n = 0;       // leases
  uint64_t first = 0;   // index of its first lease among the good blocks' leases
};
struct SnapshotView {
  SnapshotHeader header;
  std::vector<SnapshotBlock> blocks;  // the good ones
  uint64_t leases = 0;                // in good blocks
  uint64_t corrupt_blocks = 0;
  uint64_t lost_leases = 0;
};
// ParseSnapshot's checks (header, table, block CRCs and states, in parallel)
// without the copy.
absl::StatusOr<SnapshotView> CheckSnapshot(base::ByteSpan bytes, std::string_view name,
                                           bool skip_corrupt);

// Lease k (0-based) of a checked block.
inline lease::Lease SnapshotLease(base::ByteSpan bytes, const SnapshotBlock& b, uint32_t k) {
  lease::Lease l;
  std::memcpy(&l, bytes.data() + b.offset + kSnapshotBlockHeaderSize + size_t{k} * sizeof l,
              sizeof l);
  return l;
}

// ---- Parallel partitioning (replay and install). ----

// Groups the indices [0, n) by part(i) (in [0, parts)), in parallel, keeping
// index order within a part. Returns the indices, part by part, and the
// start of each part (start[p] .. start[p + 1]).
struct Partitioned {
  std::vector<uint32_t> index;
  std::vector<size_t> start;  // parts + 1 entries
};

template <class PartOf>
Partitioned Partition(size_t n, uint32_t parts, PartOf part_of) {
  constexpr size_t kChunk = 1 << 16;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<uint32_t> part(n);
  std::vector<size_t> counts(chunks * parts, 0);
  tbb::parallel_for(size_t{0}, chunks, [&](size_t c) {
    size_t* cnt = &counts[c * parts];
    for (size_t i = c * kChunk, e = std::min(n, (c + 1) * kChunk); i < e; ++i) {
      part[i] = part_of(i);
      ++cnt[part[i]];
    }
  });
  Partitioned out;
  out.start.assign(parts + 1, 0);
  // counts[c][p] becomes the position where chunk c writes its first index of part p.
  size_t pos = 0;
  for (uint32_t p = 0; p < parts; ++p) {
    out.start[p] = pos;
    for (size_t c = 0; c < chunks; ++c) {
      const size_t k = counts[c * parts + p];
      counts[c * parts + p] = pos;
      pos += k;
    }
  }
  out.start[parts] = pos;
  out.index.resize(n);
  tbb::parallel_for(size_t{0}, chunks, [&](size_t c) {
    size_t* at = &counts[c * parts];
    for (size_t i = c * kChunk, e = std::min(n, (c + 1) * kChunk); i < e; ++i) {
      out.index[at[part[i]]++] = static_cast<uint32_t>(i);
    }
  });
  return out;
}

// The same grouping, moving the elements themselves: each part is then one
// contiguous run that its task reads in order (no random access through an
// index), part p being out[start[p] .. start[p + 1]).
template <class T, class PartOf>
std::vector<T> PartitionCopy(std::vector<T>&& in, uint32_t parts, PartOf part_of,
                             std::vector<size_t>* start) {
  const Partitioned p = Partition(in.size(), parts, [&](size_t i) { return part_of(in[i]); });
  std::vector<T> out(in.size());
  tbb::parallel_for(size_t{0}, in.size(), [&](size_t k) { out[k] = in[p.index[k]]; });
  *start = p.start;
  std::vector<T>().swap(in);
  return out;
}

// InstallLeases over any source of leases: get(i) returns lease i of n.
// Partitioned by target shard, then one task per shard (its only writer).
template <class Get>
InstallStats InstallEach(size_t n, Get get, lease::LeaseStore& store,
                         pool::AddressSpace* addresses, bool drop_outside_pools) {
  const uint32_t shards = store.num_shards();
  const Partitioned by_shard =
      Partition(n, shards, [&](size_t i) { return store.ShardFor(ShardChaddr(get(i))); });
  std::vector<InstallStats> per_shard(shards);
  tbb::parallel_for(uint32_t{0}, shards, [&](uint32_t s) {
    lease::LeaseShard& shard = store.shard(s);
    InstallStats& st = per_shard[s];
    // Each lease touches an index bucket, a bitmap word and a holder word
    // at random (~0.8 us per lease at 10 M when each waited for the last):
    // loads are started kAhead leases early so that they overlap.
    constexpr size_t kAhead = 12;
    const size_t end = by_shard.start[s + 1];
    for (size_t k = by_shard.start[s]; k < end; ++k) {
      if (k + kAhead < end) {
        const lease::Lease ahead = get(by_shard.index[k + kAhead]);
        shard.Prefetch(ahead.key);
        if (addresses != nullptr) addresses->Prefetch(ahead.address);
      }
      const lease::Lease l = get(by_shard.index[k]);
      const bool live =
          l.state == lease::LeaseState::kBound || l.state == lease::LeaseState::kDeclined;
      if (!live && !lease::IsAffinityHint(l.state)) {
        ++st.not_live;
        continue;
      }
      // Keys are unique per shard by construction in replay, except when the
      // shard count changed and one client-id came with two chaddrs: checked.
      if (shard.Find(l.key)) {
        ++st.duplicate_keys;
        continue;
      }
      bool claimed = false;
      if (live && addresses != nullptr) {
        if (!addresses->Find(l.address)) {
          ++st.outside_pools;
          if (drop_outside_pools) continue;
        } else {
          claimed = addresses->IsReserved(l.address) ? addresses->ClaimReserved(l.address)
                                                     : addresses->TryClaim(l.address);
          if (!claimed) {
            ++st.claim_conflicts;
            continue;
          }
        }
      }
      const auto slot = shard.Insert(l);
      if (!slot) {
        ++st.store_full;
        if (claimed) addresses->Release(l.address);
        continue;
      }
      if (claimed) addresses->SetHolder(l.address, lease::MakeLeaseRef(s, *slot));
      ++st.installed;
      if (!live) ++st.hints;
    }
  });
  InstallStats total;
  for (const InstallStats& st : per_shard) {
    total.installed += st.installed;
    total.hints += st.hints;
    total.outside_pools += st.outside_pools;
    total.claim_conflicts += st.claim_conflicts;
    total.duplicate_keys += st.duplicate_keys;
    total.store_full += st.store_full;
    total.not_live += st.not_live;
  }
  return total;
}

}  // namespace dpdhcp::journal::internal
