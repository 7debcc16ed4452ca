// The snapshot file: every live lease of a LeaseStore at one moment, plus the
// sequence number up to which it covers each journal stream, so that restart
// time depends on the number of live leases, not on history (DESIGN §6).
//
// Layout (little-endian; docs/journal.md has the table):
//   header, 64 bytes: magic "DPDHSNAP", version, generation, lease count,
//     block count, stream count, CRC-32C of the stream table, CRC-32C of the
//     header's first 60 bytes
//   stream table: per stream {uint32 stream, uint32 0, uint64 covered seq}
//   blocks: {uint32 n, uint32 CRC-32C of (n, leases)} + n leases of 44 bytes,
//     1 <= n <= kSnapshotBlockLeases; the file ends after the last block
//
// Crash safety: written to snapshot.tmp, fdatasync, renamed over snapshot,
// directory fsync. A crash leaves either the old snapshot or the new one,
// never half of one; a stale snapshot.tmp is ignored and overwritten.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/journal/file_ops.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"

namespace dpdhcp::journal {

inline constexpr uint32_t kSnapshotVersion = 1;
inline constexpr size_t kSnapshotHeaderSize = 64;
inline constexpr uint32_t kSnapshotBlockLeases = 4096;

// Records of `stream` up to `sequence` are reflected in the snapshot.
struct StreamCoverage {
  uint32_t stream = 0;
  uint64_t sequence = 0;
  bool operator==(const StreamCoverage&) const = default;
};

struct SnapshotHeader {
  uint32_t generation = 0;  // of the journal that wrote it
  uint64_t lease_count = 0;
  uint64_t block_count = 0;
  std::vector<StreamCoverage> covered;  // sorted by stream
};

struct SnapshotWriteResult {
  uint64_t leases = 0;
  uint64_t bytes = 0;
};

// Writes every bound and declined lease of `leases` (read through the
// lock-free reader API, in parallel over shard ranges with oneTBB, while the
// workers keep writing) to dir/snapshot with the crash-safe protocol above.
// `covered` must be taken before the walk starts (Journal::Snapshot does).
// Offered, released and expired records are not persisted.
absl::StatusOr<SnapshotWriteResult> WriteSnapshot(const std::string& dir,
                                                  const lease::LeaseStore& leases,
                                                  uint32_t generation,
                                                  std::vector<StreamCoverage> covered,
                                                  FileOps& ops = PosixFileOps());

// The header and stream table of a snapshot image. Errors name `name` and
// the byte offset.
absl::StatusOr<SnapshotHeader> ParseSnapshotHeader(base::ByteSpan bytes, std::string_view name);

struct ParsedSnapshot {
  SnapshotHeader header;
  std::vector<lease::Lease> leases;
  uint64_t corrupt_blocks = 0;  // skipped (skip_corrupt only)
  uint64_t lost_leases = 0;     // in skipped blocks, as far as known
};
// A whole snapshot image: header, table and blocks (block CRCs checked in
// parallel). A bad block is an error naming the file and offset, unless
// skip_corrupt: then it is skipped and counted (a bad header or stream table
// is always an error: without it nothing can be trusted).
absl::StatusOr<ParsedSnapshot> ParseSnapshot(base::ByteSpan bytes, std::string_view name,
                                             bool skip_corrupt);

}  // namespace dpdhcp::journal
