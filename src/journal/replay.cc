#include "dpdhcp/journal/replay.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "dpdhcp/base/hash.h"
#include "dpdhcp/journal/segment_files.h"
#include "dpdhcp/journal/snapshot.h"
#include "internal.h"

namespace dpdhcp::journal {
namespace {

using lease::ClientKey;
using lease::Lease;
using lease::LeaseState;

constexpr uint32_t kParts = 256;

bool IsLive(LeaseState s) { return s == LeaseState::kBound || s == LeaseState::kDeclined; }

// One record newer than the snapshot.
struct Entry {
  Lease lease;
  uint32_t generation;
  uint32_t stream;
  uint64_t sequence;
  bool tombstone;  // the client has no durable lease after it
};

// A client's records: newest by (generation, sequence), see replay.h.
bool NewerForKey(const Entry& a, const Entry& b) {
  return std::tie(a.generation, a.sequence, a.stream) > std::tie(b.generation, b.sequence, b.stream);
}

// The newest live record of a client, competing for its address. The
// address and cltt are copied in so that the merge reads one array in order.
struct Candidate {
  const Lease* lease;
  uint32_t address;
  uint32_t cltt;
  uint32_t generation;
  uint32_t stream;
  uint64_t sequence;
};

// Two live leases on one address: the newest transaction wins (replay.h). A
// snapshot lease loses to any record (records are newer than the snapshot).
bool NewerForAddress(const Candidate& a, const Candidate& b) {
  return std::tie(a.generation, a.cltt, a.sequence, a.stream) >
         std::tie(b.generation, b.cltt, b.sequence, b.stream);
}

struct KeyHash {
  size_t operator()(const ClientKey& k) const { return k.Hash(); }
};

uint32_t KeyPart(const ClientKey& k) { return static_cast<uint32_t>(k.Hash() >> 56); }
uint32_t AddressPart(uint32_t a) { return static_cast<uint32_t>(base::Mix64(a) >> 56); }

void Add(InstallStats& to, const InstallStats& s) {
  to.installed += s.installed;
  to.hints += s.hints;
  to.outside_pools += s.outside_pools;
  to.claim_conflicts += s.claim_conflicts;
  to.duplicate_keys += s.duplicate_keys;
  to.store_full += s.store_full;
  to.not_live += s.not_live;
}

// The checks of ScanSegment, calling on_record for each valid record instead
// of keeping them (replay keeps only the records newer than the snapshot).
template <class OnRecord>
absl::Status ScanRecords(base::ByteSpan bytes, uint64_t first_sequence, std::string_view name,
                         bool skip_corrupt, SegmentScan* out, OnRecord&& on_record) {
  const size_t n = bytes.size() / kRecordSize;
  size_t invalid_run = 0;
  uint64_t first_invalid = 0;
  std::string why;
  for (size_t i = 0; i < n; ++i) {
    Record r;
    const RecordError e = DecodeRecord(bytes.data() + i * kRecordSize, &r);
    const bool valid = e == RecordError::kOk && r.sequence == first_sequence + i;
    if (!valid) {
      if (invalid_run++ == 0) {
        first_invalid = i * kRecordSize;
        why = e != RecordError::kOk
                  ? std::string(RecordErrorName(e))
                  : absl::StrCat("sequence ", r.sequence, " where ", first_sequence + i, " belongs");
      }
      continue;
    }
    if (invalid_run > 0) {
      if (!skip_corrupt) {
        return absl::DataLossError(absl::StrCat(internal::Sv(name), ": offset ", first_invalid,
                                                ": corrupt record (", why,
                                                ") followed by valid records"));
      }
      out->corrupt_skipped += invalid_run;
      invalid_run = 0;
    }
    on_record(r);
    out->valid_end = (i + 1) * kRecordSize;
  }
  out->torn_bytes = bytes.size() - out->valid_end;
  return absl::OkStatus();
}

absl::Status Truncate(const std::string& path, uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat(path, ": open: ", internal::ErrnoText(errno)));
  int err = 0;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0 || ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err != 0) return absl::UnavailableError(absl::StrCat(path, ": truncate: ", internal::ErrnoText(err)));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SegmentScan> ScanSegment(base::ByteSpan bytes, uint64_t first_sequence,
                                        std::string_view name, bool skip_corrupt) {
  SegmentScan out;
  out.records.reserve(bytes.size() / kRecordSize);
  absl::Status st = ScanRecords(bytes, first_sequence, name, skip_corrupt, &out,
                                [&](const Record& r) { out.records.push_back(r); });
  if (!st.ok()) return st;
  return out;
}

absl::StatusOr<ReplayResult> Replay(const std::string& dir, lease::LeaseStore& leases,
                                    pool::AddressSpace* addresses, const ReplayOptions& options) {
  if (leases.size() != 0) {
    return absl::FailedPreconditionError("journal replay: the lease store must be empty");
  }
  ReplayResult result;
  const auto t0 = std::chrono::steady_clock::now();
  auto lap = [&t0](double* ms) {
    const auto now = std::chrono::steady_clock::now();
    *ms = std::chrono::duration<double, std::milli>(now - t0).count();
  };
  auto listed = ListSegments(dir);
  if (absl::IsNotFound(listed.status())) return result;
  if (!listed.ok()) return listed.status();
  const std::vector<SegmentFile>& segs = *listed;
  result.segments = segs.size();

  // 1. The snapshot, checked where it is mapped (its leases are read from
  // there when they are installed: no copy of them all).
  internal::MappedFile snap_file;
  internal::SnapshotView snap;
  std::map<uint32_t, uint64_t> covered;
  const std::string snap_path = absl::StrCat(dir, "/", internal::Sv(kSnapshotFileName));
  if (auto mapped = internal::MappedFile::Open(snap_path); mapped.ok()) {
    auto view = internal::CheckSnapshot(mapped->bytes(), snap_path, options.skip_corrupt);
    if (!view.ok()) return view.status();
    snap = *std::move(view);
    snap_file = *std::move(mapped);
    result.had_snapshot = true;
    result.snapshot_leases = snap.leases;
    result.corrupt_skipped += snap.corrupt_blocks;
    result.max_generation = snap.header.generation;
    for (const StreamCoverage& c : snap.header.covered) covered[c.stream] = c.sequence;
  } else if (!absl::IsNotFound(mapped.status())) {
    return mapped.status();
  }

  lap(&result.timing.snapshot_ms);

  // 2. The segments, scanned in parallel; the records newer than the
  // snapshot are kept, already split by client-key partition.
  struct Scanned {
    absl::Status status;
    SegmentScan scan;                     // no records: the counts and the tail
    std::vector<std::vector<Entry>> parts;  // by KeyPart; empty when none is kept
    uint64_t read = 0, covered = 0, kept = 0;
    uint64_t first_valid_seq = 0, last_valid_seq = 0;  // 0: none
    uint32_t max_generation = 0;
  };
  std::vector<Scanned> scanned(segs.size());
  // A segment followed by one that starts within the snapshot's coverage is
  // covered entirely (compaction would have deleted it): not even read.
  auto covered_entirely = [&](size_t i) {
    if (i + 1 >= segs.size() || segs[i + 1].stream != segs[i].stream) return false;
    const auto cov = covered.find(segs[i].stream);
    return cov != covered.end() && segs[i + 1].first_sequence - 1 <= cov->second;
  };
  tbb::parallel_for(size_t{0}, segs.size(), [&](size_t i) {
    const SegmentFile& seg = segs[i];
    Scanned& out = scanned[i];
    if (covered_entirely(i)) return;
    auto file = internal::MappedFile::Open(seg.path);
    if (!file.ok()) {
      out.status = file.status();
      return;
    }
    const auto cov = covered.find(seg.stream);
    const uint64_t floor = cov == covered.end() ? 0 : cov->second;
    out.status = ScanRecords(
        file->bytes(), seg.first_sequence, seg.path, options.skip_corrupt, &out.scan,
        [&](const Record& r) {
          ++out.read;
          out.max_generation = std::max(out.max_generation, r.generation);
          if (out.first_valid_seq == 0) out.first_valid_seq = r.sequence;
          out.last_valid_seq = r.sequence;
          if (r.sequence <= floor) {
            ++out.covered;
            return;
          }
          if (out.parts.empty()) {
            // Room for an even spread of the rest of the segment.
            out.parts.resize(kParts);
            const size_t left = file->bytes().size() / kRecordSize - (out.read - 1);
            for (auto& part : out.parts) part.reserve(left / kParts + left / (4 * kParts) + 8);
          }
          const bool tombstone = r.type == RecordType::kDeleted || !IsLive(r.lease.state);
          out.parts[KeyPart(r.lease.key)].push_back(
              {r.lease, r.generation, seg.stream, r.sequence, tombstone});
          ++out.kept;
        });
  });

  // 3. Per stream, in order: errors, torn tails, overlapping segments.
  uint64_t last_seq = 0;
  for (size_t i = 0; i < segs.size(); ++i) {
    const SegmentFile& seg = segs[i];
    Scanned& s = scanned[i];
    if (!s.status.ok()) return s.status;
    if (i == 0 || segs[i - 1].stream != seg.stream) last_seq = 0;
    const bool last_of_stream = i + 1 == segs.size() || segs[i + 1].stream != seg.stream;
    uint64_t corrupt = s.scan.corrupt_skipped;
    if (s.scan.torn_bytes > 0) {
      if (last_of_stream) {
        internal::LogLine(absl::StrCat(seg.path, ": torn tail of ", s.scan.torn_bytes,
                                       " bytes at offset ", s.scan.valid_end,
                                       options.truncate_torn_tails ? ": truncated" : ": left as is"));
        if (options.truncate_torn_tails) {
          if (auto st = Truncate(seg.path, s.scan.valid_end); !st.ok()) return st;
        }
        result.truncated.push_back({seg.path, s.scan.valid_end, s.scan.torn_bytes});
      } else if (!options.skip_corrupt) {
        return absl::DataLossError(absl::StrCat(
            seg.path, ": offset ", s.scan.valid_end, ": ", s.scan.torn_bytes,
            " bytes of invalid records in a segment that is not its stream's last"));
      } else {
        corrupt += (s.scan.torn_bytes + kRecordSize - 1) / kRecordSize;
      }
    }
    if (s.first_valid_seq != 0 && s.first_valid_seq <= last_seq) {
      if (!options.skip_corrupt) {
        return absl::DataLossError(absl::StrCat(seg.path, ": offset 0: sequence ", s.first_valid_seq,
                                                " overlaps the stream's previous segment (up to ",
                                                last_seq, ")"));
      }
      for (auto& part : s.parts) {
        const uint64_t before = part.size();
        std::erase_if(part, [&](const Entry& e) { return e.sequence <= last_seq; });
        corrupt += before - part.size();
        s.kept -= before - part.size();
      }
    }
    last_seq = std::max(last_seq, s.last_valid_seq);
    result.records_read += s.read;
    result.records_covered += s.covered;
    result.records_applied += s.kept;
    result.corrupt_skipped += corrupt;
    result.max_generation = std::max(result.max_generation, s.max_generation);
  }
  lap(&result.timing.segments_ms);

  // 4. Newest record per client, in parallel over key partitions (each reads
  // its own slice of every segment, in segment order).
  std::vector<absl::flat_hash_map<ClientKey, const Entry*, KeyHash>> newest(kParts);
  std::vector<std::vector<Candidate>> part_cands(kParts);
  if (result.records_applied > 0) {
    tbb::parallel_for(uint32_t{0}, kParts, [&](uint32_t p) {
      auto& m = newest[p];
      size_t n = 0;
      for (const Scanned& s : scanned) n += s.parts.empty() ? 0 : s.parts[p].size();
      m.reserve(n);
      for (const Scanned& s : scanned) {
        if (s.parts.empty()) continue;
        for (const Entry& e : s.parts[p]) {
          auto [it, inserted] = m.try_emplace(e.lease.key, &e);
          if (!inserted && NewerForKey(e, *it->second)) it->second = &e;
        }
      }
      part_cands[p].reserve(m.size());
      for (const auto& [key, e] : m) {
        if (e->tombstone) continue;
        part_cands[p].push_back({&e->lease, e->lease.address.value(), e->lease.cltt,
                                 e->generation, e->stream, e->sequence});
      }
    });
  }

  // 5. One lease per address among those records, in parallel over address
  // partitions.
  std::vector<Candidate> cands;
  size_t num_cands = 0;
  for (const auto& pc : part_cands) num_cands += pc.size();
  cands.reserve(num_cands);
  for (auto& pc : part_cands) {
    cands.insert(cands.end(), pc.begin(), pc.end());
    std::vector<Candidate>().swap(pc);
  }
  std::vector<size_t> addr_start;
  cands = internal::PartitionCopy(std::move(cands), kParts,
                                  [](const Candidate& c) { return AddressPart(c.address); },
                                  &addr_start);
  std::vector<absl::flat_hash_map<uint32_t, uint32_t>> by_address(kParts);
  std::vector<uint64_t> superseded(kParts, 0);
  tbb::parallel_for(uint32_t{0}, kParts, [&](uint32_t p) {
    auto& best = by_address[p];
    best.reserve(addr_start[p + 1] - addr_start[p]);
    for (size_t idx = addr_start[p]; idx < addr_start[p + 1]; ++idx) {
      auto [it, inserted] = best.try_emplace(cands[idx].address, static_cast<uint32_t>(idx));
      if (inserted) continue;
      ++superseded[p];
      if (NewerForAddress(cands[idx], cands[it->second])) it->second = static_cast<uint32_t>(idx);
    }
  });
  for (uint64_t n : superseded) result.superseded_by_address += n;
  // The winners, in one array: counted per part, then copied in parallel.
  std::vector<size_t> win_start(kParts + 1, 0);
  for (uint32_t p = 0; p < kParts; ++p) win_start[p + 1] = win_start[p] + by_address[p].size();
  std::vector<Lease> from_records(win_start[kParts]);
  tbb::parallel_for(uint32_t{0}, kParts, [&](uint32_t p) {
    size_t at = win_start[p];
    for (const auto& [addr, idx] : by_address[p]) from_records[at++] = *cands[idx].lease;
  });

  // 6. Snapshot leases survive unless a record replaced their client (any
  // record: a release ends the lease) or took their address.
  const base::ByteSpan snap_bytes = snap_file.bytes();
  auto snap_lease = [&](uint64_t offset) {
    Lease l;
    std::memcpy(&l, snap_bytes.data() + offset, sizeof l);
    return l;
  };
  const bool any_record = result.records_applied > 0;
  std::vector<uint64_t> snap_at(snap.leases);  // file offset of each surviving lease
  std::vector<uint8_t> drop(any_record ? snap.leases : 0, 0);
  tbb::parallel_for(size_t{0}, snap.blocks.size(), [&](size_t b) {
    const internal::SnapshotBlock& block = snap.blocks[b];
    for (uint32_t k = 0; k < block.n; ++k) {
      const uint64_t at = block.offset + internal::kSnapshotBlockHeaderSize + uint64_t{k} * sizeof(Lease);
      snap_at[block.first + k] = at;
      if (!any_record) continue;
      const Lease l = snap_lease(at);
      if (newest[KeyPart(l.key)].contains(l.key)) {
        drop[block.first + k] = 1;
      } else if (by_address[AddressPart(l.address.value())].contains(l.address.value())) {
        drop[block.first + k] = 2;
      }
    }
  });
  if (any_record) {
    size_t kept = 0;
    for (size_t i = 0; i < snap_at.size(); ++i) {
      if (drop[i] == 2) ++result.superseded_by_address;
      if (drop[i] == 0) snap_at[kept++] = snap_at[i];
    }
    snap_at.resize(kept);
  }
  lap(&result.timing.merge_ms);

  // 7. Into the shards, claiming addresses.
  result.install = internal::InstallEach(
      snap_at.size(), [&](size_t i) { return snap_lease(snap_at[i]); }, leases, addresses,
      options.drop_outside_pools);
  if (!from_records.empty()) {
    Add(result.install, InstallLeases(from_records, leases, addresses, options.drop_outside_pools));
  }
  lap(&result.timing.install_ms);
  return result;
}

}  // namespace dpdhcp::journal
