#include "dpdhcp/journal/snapshot.h"

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "dpdhcp/journal/crc32c.h"
#include "dpdhcp/journal/record.h"
#include "dpdhcp/journal/segment_files.h"
#include "internal.h"
#include "tbb/parallel_for.h"
#include "tbb/parallel_pipeline.h"
#include "tbb/task_arena.h"

namespace dpdhcp::journal {
namespace {

using lease::Lease;
using lease::LeaseState;

constexpr char kMagic[8] = {'D', 'P', 'D', 'H', 'S', 'N', 'A', 'P'};
constexpr size_t kTableEntrySize = 16;
constexpr size_t kBlockHeaderSize = 8;
constexpr size_t kLeaseBytes = sizeof(Lease);
// Shard slots read by one pipeline task: big enough to amortise the task,
// small enough that a single-shard store still spreads over all cores.
constexpr uint32_t kChunkSlots = 1u << 16;
// A sanity bound on the stream table (workers are at most a few hundred).
constexpr uint32_t kMaxStreams = 1u << 16;

template <class T>
void Put(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}
template <class T>
T Get(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint32_t BlockCrc(const uint8_t* block, uint32_t n) {
  return Crc32c(block + kBlockHeaderSize, size_t{n} * kLeaseBytes, Crc32c(block, 4));
}

struct Chunk {
  uint32_t shard = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Live leases of one chunk, already cut into sealed blocks.
struct Piece {
  std::vector<uint8_t> bytes;
  uint64_t leases = 0;
  uint64_t blocks = 0;
};

void SealBlock(Piece& p, size_t start, uint32_t n) {
  Put<uint32_t>(&p.bytes[start], n);
  Put<uint32_t>(&p.bytes[start + 4], BlockCrc(&p.bytes[start], n));
  p.leases += n;
  ++p.blocks;
}

Piece Collect(const lease::LeaseStore& store, const Chunk& c) {
  Piece p;
  const lease::LeaseShard& shard = store.shard(c.shard);
  size_t block_start = 0;
  uint32_t in_block = 0;
  Lease l;
  for (uint32_t slot = c.begin; slot < c.end; ++slot) {
    if (!shard.ReadSlot(slot, &l)) continue;
    if (l.state != LeaseState::kBound && l.state != LeaseState::kDeclined) continue;
    if (in_block == 0) {
      block_start = p.bytes.size();
      p.bytes.resize(block_start + kBlockHeaderSize);
    }
    const size_t at = p.bytes.size();
    p.bytes.resize(at + kLeaseBytes);
    std::memcpy(&p.bytes[at], &l, kLeaseBytes);
    if (++in_block == kSnapshotBlockLeases) {
      SealBlock(p, block_start, in_block);
      in_block = 0;
    }
  }
  if (in_block > 0) SealBlock(p, block_start, in_block);
  return p;
}

// Writes all of [data, data + size) at offset; -errno on failure.
int WriteAll(FileOps& ops, int fd, const uint8_t* data, size_t size, uint64_t offset) {
  while (size > 0) {
    struct iovec iov = {const_cast<uint8_t*>(data), size};
    const int64_t n = ops.Pwritev(fd, &iov, 1, static_cast<int64_t>(offset));
    if (n < 0) return static_cast<int>(n);
    if (n == 0) return -EIO;
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return 0;
}

std::vector<uint8_t> EncodeHeaderAndTable(const SnapshotHeader& h) {
  std::vector<uint8_t> out(kSnapshotHeaderSize + h.covered.size() * kTableEntrySize, 0);
  uint8_t* table = out.data() + kSnapshotHeaderSize;
  for (size_t i = 0; i < h.covered.size(); ++i) {
    Put<uint32_t>(table + i * kTableEntrySize, h.covered[i].stream);
    Put<uint64_t>(table + i * kTableEntrySize + 8, h.covered[i].sequence);
  }
  uint8_t* p = out.data();
  std::memcpy(p, kMagic, 8);
  Put<uint32_t>(p + 8, kSnapshotVersion);
  Put<uint32_t>(p + 12, h.generation);
  Put<uint64_t>(p + 16, h.lease_count);
  Put<uint64_t>(p + 24, h.block_count);
  Put<uint32_t>(p + 32, static_cast<uint32_t>(h.covered.size()));
  Put<uint32_t>(p + 36, Crc32c(table, h.covered.size() * kTableEntrySize));
  Put<uint32_t>(p + 60, Crc32c(p, 60));
  return out;
}

absl::Status Corrupt(std::string_view name, uint64_t offset, std::string_view what) {
  return absl::DataLossError(absl::StrCat(internal::Sv(name), ": offset ", offset, ": ", internal::Sv(what)));
}

}  // namespace

absl::StatusOr<SnapshotWriteResult> WriteSnapshot(const std::string& dir,
                                                  const lease::LeaseStore& leases,
                                                  uint32_t generation,
                                                  std::vector<StreamCoverage> covered,
                                                  FileOps& ops) {
  std::sort(covered.begin(), covered.end(),
            [](const StreamCoverage& a, const StreamCoverage& b) { return a.stream < b.stream; });
  const std::string tmp = absl::StrCat(dir, "/", internal::Sv(kSnapshotTempFileName));
  const std::string final_path = absl::StrCat(dir, "/", internal::Sv(kSnapshotFileName));
  const int fd = ops.Open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(tmp, ": cannot create: ", internal::ErrnoText(-fd)));
  }
  auto fail = [&](std::string_view op, int err) {
    ops.Close(fd);
    ops.Unlink(tmp);
    return absl::UnavailableError(absl::StrCat(tmp, ": ", internal::Sv(op), ": ", internal::ErrnoText(err)));
  };

  SnapshotHeader header;
  header.generation = generation;
  header.covered = std::move(covered);
  const size_t prefix = kSnapshotHeaderSize + header.covered.size() * kTableEntrySize;

  // Read chunks in parallel, write them in order: memory stays bounded by the
  // pipeline's tokens, whatever the store's size.
  uint64_t offset = prefix;
  int write_error = 0;
  uint32_t next_shard = 0;
  uint32_t next_slot = 0;
  const size_t tokens = 2 * static_cast<size_t>(tbb::this_task_arena::max_concurrency());
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, Chunk>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> Chunk {
            while (next_shard < leases.num_shards() && write_error == 0) {
              const lease::LeaseShard& s = leases.shard(next_shard);
              if (next_slot < s.capacity() && s.size() > 0) {
                Chunk c{next_shard, next_slot,
                        static_cast<uint32_t>(std::min<uint64_t>(
                            uint64_t{next_slot} + kChunkSlots, s.capacity()))};
                next_slot = c.end;
                return c;
              }
              ++next_shard;
              next_slot = 0;
            }
            fc.stop();
            return {};
          }) &
          tbb::make_filter<Chunk, Piece>(tbb::filter_mode::parallel,
                                         [&](const Chunk& c) { return Collect(leases, c); }) &
          tbb::make_filter<Piece, void>(tbb::filter_mode::serial_in_order, [&](const Piece& p) {
            if (write_error != 0 || p.bytes.empty()) return;
            write_error = WriteAll(ops, fd, p.bytes.data(), p.bytes.size(), offset);
            offset += p.bytes.size();
            header.lease_count += p.leases;
            header.block_count += p.blocks;
          }));
  if (write_error != 0) return fail("write", -write_error);

  const std::vector<uint8_t> head = EncodeHeaderAndTable(header);
  if (const int r = WriteAll(ops, fd, head.data(), head.size(), 0); r != 0) return fail("write", -r);
  if (const int r = ops.Fdatasync(fd); r != 0) return fail("fdatasync", -r);
  ops.Close(fd);
  if (const int r = ops.Rename(tmp, final_path); r != 0) {
    ops.Unlink(tmp);
    return absl::UnavailableError(
        absl::StrCat("rename ", tmp, " to ", final_path, ": ", internal::ErrnoText(-r)));
  }
  // The rename is durable only once the directory is.
  const int dfd = ops.Open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dfd < 0) return absl::UnavailableError(absl::StrCat(dir, ": open: ", internal::ErrnoText(-dfd)));
  const int r = ops.Fsync(dfd);
  ops.Close(dfd);
  if (r != 0) return absl::UnavailableError(absl::StrCat(dir, ": fsync: ", internal::ErrnoText(-r)));
  return SnapshotWriteResult{header.lease_count, offset};
}

absl::StatusOr<SnapshotHeader> ParseSnapshotHeader(base::ByteSpan bytes, std::string_view name) {
  if (bytes.size() < kSnapshotHeaderSize) {
    return Corrupt(name, 0, absl::StrCat("truncated header (", bytes.size(), " bytes)"));
  }
  const uint8_t* p = bytes.data();
  if (std::memcmp(p, kMagic, 8) != 0) return Corrupt(name, 0, "not a dpdhcp snapshot (bad magic)");
  if (Crc32c(p, 60) != Get<uint32_t>(p + 60)) return Corrupt(name, 0, "header CRC mismatch");
  if (const uint32_t v = Get<uint32_t>(p + 8); v != kSnapshotVersion) {
    return Corrupt(name, 8, absl::StrCat("unknown snapshot version ", v));
  }
  SnapshotHeader h;
  h.generation = Get<uint32_t>(p + 12);
  h.lease_count = Get<uint64_t>(p + 16);
  h.block_count = Get<uint64_t>(p + 24);
  const uint32_t streams = Get<uint32_t>(p + 32);
  if (streams > kMaxStreams ||
      bytes.size() < kSnapshotHeaderSize + uint64_t{streams} * kTableEntrySize) {
    return Corrupt(name, 32, absl::StrCat("stream table of ", streams, " entries does not fit"));
  }
  const uint8_t* table = p + kSnapshotHeaderSize;
  if (Crc32c(table, size_t{streams} * kTableEntrySize) != Get<uint32_t>(p + 36)) {
    return Corrupt(name, kSnapshotHeaderSize, "stream table CRC mismatch");
  }
  h.covered.resize(streams);
  for (uint32_t i = 0; i < streams; ++i) {
    h.covered[i].stream = Get<uint32_t>(table + i * kTableEntrySize);
    h.covered[i].sequence = Get<uint64_t>(table + i * kTableEntrySize + 8);
  }
  return h;
}

namespace internal {

absl::StatusOr<SnapshotView> CheckSnapshot(base::ByteSpan bytes, std::string_view name,
                                           bool skip_corrupt) {
  auto header = ParseSnapshotHeader(bytes, name);
  if (!header.ok()) return header.status();
  SnapshotView out;
  out.header = *std::move(header);

  // Find the blocks (a walk over their headers), then check them in parallel.
  std::vector<SnapshotBlock> blocks;
  uint64_t pos = kSnapshotHeaderSize + out.header.covered.size() * kTableEntrySize;
  uint64_t total = 0;
  bool truncated = false;
  while (pos < bytes.size()) {
    const uint64_t left = bytes.size() - pos;
    const uint32_t n = left >= 4 ? Get<uint32_t>(bytes.data() + pos) : 0;
    if (left < kBlockHeaderSize || n == 0 || n > kSnapshotBlockLeases ||
        left - kBlockHeaderSize < uint64_t{n} * kLeaseBytes) {
      // Past a bad block header the block boundaries are lost.
      if (!skip_corrupt) return Corrupt(name, pos, "bad block header");
      truncated = true;
      break;
    }
    blocks.push_back({pos, n});
    total += n;
    pos += kBlockHeaderSize + uint64_t{n} * kLeaseBytes;
  }
  if (!truncated && (blocks.size() != out.header.block_count || total != out.header.lease_count)) {
    if (!skip_corrupt) {
      return Corrupt(name, pos,
                     absl::StrCat("file holds ", blocks.size(), " blocks / ", total,
                                  " leases, header says ", out.header.block_count, " / ",
                                  out.header.lease_count));
    }
    truncated = true;
  }
  if (truncated) {
    ++out.corrupt_blocks;
    if (out.header.lease_count > total) out.lost_leases = out.header.lease_count - total;
  }

  std::vector<uint8_t> bad(blocks.size(), 0);
  tbb::parallel_for(size_t{0}, blocks.size(), [&](size_t i) {
    const uint8_t* block = bytes.data() + blocks[i].offset;
    if (BlockCrc(block, blocks[i].n) != Get<uint32_t>(block + 4)) {
      bad[i] = 1;
      return;
    }
    // A CRC-clean lease in a state a snapshot never holds was written by a
    // buggy writer: refused like a corrupt block.
    const uint8_t* src = block + kBlockHeaderSize;
    for (uint32_t k = 0; k < blocks[i].n; ++k, src += kLeaseBytes) {
      const uint8_t state = src[offsetof(Lease, state)];
      if (state != static_cast<uint8_t>(LeaseState::kBound) &&
          state != static_cast<uint8_t>(LeaseState::kDeclined)) {
        bad[i] = 2;
        return;
      }
      Lease l;
      std::memcpy(&l, src, kLeaseBytes);
      if (!IsWellFormed(l)) {
        bad[i] = 2;
        return;
      }
    }
  });
  // Drop the bad blocks (in order, so that the first one is the one named).
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (bad[i] != 0) {
      if (!skip_corrupt) {
        return Corrupt(name, blocks[i].offset,
                       bad[i] == 1 ? "block CRC mismatch" : "block holds a lease that is not live or not well formed");
      }
      ++out.corrupt_blocks;
      out.lost_leases += blocks[i].n;
      continue;
    }
    blocks[i].first = out.leases;
    out.leases += blocks[i].n;
    out.blocks.push_back(blocks[i]);
  }
  return out;
}

}  // namespace internal

absl::StatusOr<ParsedSnapshot> ParseSnapshot(base::ByteSpan bytes, std::string_view name,
                                             bool skip_corrupt) {
  auto view = internal::CheckSnapshot(bytes, name, skip_corrupt);
  if (!view.ok()) return view.status();
  ParsedSnapshot out;
  out.header = std::move(view->header);
  out.corrupt_blocks = view->corrupt_blocks;
  out.lost_leases = view->lost_leases;
  out.leases.resize(view->leases);
  tbb::parallel_for(size_t{0}, view->blocks.size(), [&](size_t i) {
    const internal::SnapshotBlock& b = view->blocks[i];
    std::memcpy(&out.leases[b.first], bytes.data() + b.offset + kBlockHeaderSize,
                size_t{b.n} * kLeaseBytes);
  });
  return out;
}

}  // namespace dpdhcp::journal
