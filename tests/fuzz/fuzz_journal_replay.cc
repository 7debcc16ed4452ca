// libFuzzer target for journal replay: arbitrary bytes as a segment and as a
// snapshot, checked in memory (ScanSegment, ParseSnapshot) and, for a part of
// the inputs, replayed from a real directory into a lease store. Any crash,
// sanitizer report, leak or broken invariant is a bug: a damaged journal must
// give an error naming the file and offset, never a wrong store.
//
// Input: byte 0 picks the mode and the skip_corrupt flag; the rest is split
// at a point given by byte 1 into a segment image and a snapshot image.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "dpdhcp/journal/record.h"
#include "dpdhcp/journal/replay.h"
#include "dpdhcp/journal/segment_files.h"
#include "dpdhcp/journal/snapshot.h"
#include "dpdhcp/lease/lease_store.h"

namespace {

namespace journal = dpdhcp::journal;
using dpdhcp::base::ByteSpan;
using dpdhcp::lease::LeaseState;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckScan(ByteSpan bytes, bool skip) {
  constexpr uint64_t kFirst = 7;
  auto scan = journal::ScanSegment(bytes, kFirst, "seg", skip);
  if (!scan.ok()) {
    Check(!skip);  // skipping never fails
    return;
  }
  Check(scan->valid_end <= bytes.size() && scan->valid_end % journal::kRecordSize == 0);
  Check(scan->torn_bytes == bytes.size() - scan->valid_end);
  Check(scan->records.size() * journal::kRecordSize + scan->corrupt_skipped * journal::kRecordSize ==
        scan->valid_end);
  if (!skip) Check(scan->corrupt_skipped == 0);
  uint64_t last = 0;
  for (const journal::Record& r : scan->records) {
    Check(r.sequence >= kFirst && r.sequence > last);
    Check(journal::IsWellFormed(r.lease));
    last = r.sequence;
  }
}

void CheckSnapshot(ByteSpan bytes, bool skip) {
  auto snap = journal::ParseSnapshot(bytes, "snapshot", skip);
  if (!snap.ok()) return;
  for (const auto& l : snap->leases) {
    Check(l.state == LeaseState::kBound || l.state == LeaseState::kDeclined);
    Check(journal::IsWellFormed(l));
  }
  if (!skip) Check(snap->leases.size() == snap->header.lease_count);
}

void WriteFile(const std::string& path, ByteSpan bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// The whole replay from a directory: it must succeed or fail with a status,
// and what it installs must be well formed and fit the store.
void CheckReplay(ByteSpan segment, ByteSpan snapshot, bool skip) {
  static const std::string dir = [] {
    std::string d = std::filesystem::temp_directory_path() /
                    ("fuzz-journal-" + std::to_string(getpid()));
    return d;
  }();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/" + journal::SegmentFileName(0, 1), segment);
  if (!snapshot.empty()) WriteFile(dir + "/" + std::string(journal::kSnapshotFileName), snapshot);
  dpdhcp::lease::LeaseStore store(2, 64);
  journal::ReplayOptions options;
  options.skip_corrupt = skip;
  auto r = journal::Replay(dir, store, nullptr, options);
  if (r.ok()) {
    Check(store.size() == r->install.installed);
    Check(r->records_read * journal::kRecordSize <= segment.size());
    for (uint32_t s = 0; s < store.num_shards(); ++s) {
      store.shard(s).ForEach([](uint32_t, const dpdhcp::lease::Lease& l) {
        Check(journal::IsWellFormed(l));
        Check(l.state == LeaseState::kBound || l.state == LeaseState::kDeclined);
      });
    }
    // A torn tail was truncated: the segment is now whole records.
    Check(std::filesystem::file_size(dir + "/" + journal::SegmentFileName(0, 1)) %
              journal::kRecordSize ==
          0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0];
  const bool skip = (mode & 1) != 0;
  const ByteSpan rest(data + 2, size - 2);
  const size_t cut = std::min(rest.size(), size_t{data[1]} * journal::kRecordSize / 4);
  const ByteSpan segment = rest.subspan(0, cut);
  const ByteSpan snapshot = rest.subspan(cut);
  CheckScan(rest, skip);
  CheckSnapshot(rest, skip);
  // The file system round trip is slower: one input in eight.
  if ((mode & 0x0e) == 0) CheckReplay(segment, snapshot, skip);
  return 0;
}
