// The journal directory's layout (docs/journal.md):
//   stream-<w>-<first-seq>.seg  records of stream w, from sequence first-seq
//                               on, 64 bytes each (first-seq zero-padded to
//                               12 digits so that `ls` sorts them)
//   snapshot                    the last complete snapshot
//   snapshot.tmp                a snapshot being written (ignored by replay)
// Slow path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dpdhcp::journal {

inline constexpr std::string_view kSnapshotFileName = "snapshot";
inline constexpr std::string_view kSnapshotTempFileName = "snapshot.tmp";

std::string SegmentFileName(uint32_t stream, uint64_t first_sequence);
// True (and the two numbers) for a name SegmentFileName can produce.
bool ParseSegmentFileName(std::string_view name, uint32_t* stream, uint64_t* first_sequence);

struct SegmentFile {
  uint32_t stream = 0;
  uint64_t first_sequence = 0;
  uint64_t size = 0;  // bytes
  std::string path;   // dir + "/" + name
};
// The segments in dir, sorted by (stream, first_sequence). NotFound when dir
// does not exist.
absl::StatusOr<std::vector<SegmentFile>> ListSegments(const std::string& dir);

}  // namespace dpdhcp::journal
