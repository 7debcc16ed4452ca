// Restart: rebuild the lease shards and the address claims from a journal
// directory (DESIGN §6). Slow path; runs before the workers start.
//
// Replay = load the snapshot, then the segment records newer than what it
// covers (a segment wholly covered is not even read), newest record of each
// client wins:
//  - records of one client are ordered by (generation, sequence): within one
//    run a client's records are all in one stream (one worker owns the
//    client), so the stream's sequence orders them; after a restart with a
//    different number of workers the client may move to another stream, and
//    the generation (the journal's open count, in every record) puts the
//    newer run first. The snapshot's leases are older than every record
//    replayed on top of them.
//  - a record's lease is the client's whole state: kDeleted, or a state that
//    holds nothing durable (offered, released, expired), leaves no lease.
//  - an address left with two live leases (possible only when a change was
//    not journaled: a ring-full drop, or the client's binding ended by a
//    DECLINE quarantine record, RFC 2131 §4.3.3) goes to the newest by
//    (generation, cltt, sequence).
// Then every bound or declined lease goes into shard ShardFor(chaddr) of the
// current shard count and claims its address (TryClaim, or ClaimReserved for
// a reserved one) with the holder set to its LeaseRef.
//
// Damage: a torn tail (invalid records up to the end of a stream's last
// segment: a crash mid-write; none of them was ever durable, since a later
// fdatasync would have made them whole) is truncated and reported. An
// invalid record followed by a valid one is corruption: an error naming the
// file and byte offset, unless skip_corrupt (then it is skipped and counted).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dpdhcp/base/bytes.h"
#include "dpdhcp/journal/record.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"
#include "dpdhcp/pool/address_space.h"

namespace dpdhcp::journal {

struct ReplayOptions {
  // Skip corrupt records and snapshot blocks (counted) instead of failing.
  bool skip_corrupt = false;
  // Truncate torn tails (false: leave the files alone and only report; the
  // journal then refuses to open until they are truncated).
  bool truncate_torn_tails = true;
  // A lease whose address is in no pool of the AddressSpace (the config
  // changed, or an out-of-pool reservation) is kept unclaimed by default
  // (the engine reclaims it or NAKs its client); true drops it.
  bool drop_outside_pools = false;
};

struct TruncatedTail {
  std::string path;
  uint64_t offset = 0;         // new size of the file
  uint64_t bytes_dropped = 0;
};

// What putting leases into a store did (InstallLeases, Replay).
struct InstallStats {
  uint64_t installed = 0;        // leases now in the store
  uint64_t hints = 0;            // of which released/expired affinity hints (not claimed)
  uint64_t outside_pools = 0;    // live leases whose address is in no pool
  uint64_t claim_conflicts = 0;  // dropped: the address was already claimed
  uint64_t duplicate_keys = 0;   // dropped: the client already has a lease in its shard
  uint64_t store_full = 0;       // dropped: the shard had no room
  uint64_t not_live = 0;         // skipped: offered or free records
};

struct ReplayResult {
  bool had_snapshot = false;
  uint64_t snapshot_leases = 0;
  uint64_t segments = 0;
  uint64_t records_read = 0;     // valid records in the segments
  uint64_t records_covered = 0;  // of which already in the snapshot (skipped)
  uint64_t records_applied = 0;  // replayed on top of the snapshot
  uint64_t corrupt_skipped = 0;  // records and snapshot blocks (skip_corrupt)
  uint64_t superseded_by_address = 0;  // live leases that lost their address to a newer one
  uint32_t max_generation = 0;
  std::vector<TruncatedTail> truncated;
  InstallStats install;
  // Milliseconds from the start when each phase ended (for the restart log).
  struct Timing {
    double snapshot_ms = 0;  // snapshot read and checked
    double segments_ms = 0;  // segments scanned
    double merge_ms = 0;     // newest per client and per address
    double install_ms = 0;   // in the store, addresses claimed
  } timing;
};

// Replays dir into `leases` (which must be empty) and, when addresses is not
// null, claims the addresses there. A missing directory is an empty journal.
absl::StatusOr<ReplayResult> Replay(const std::string& dir, lease::LeaseStore& leases,
                                    pool::AddressSpace* addresses,
                                    const ReplayOptions& options = {});

// Puts leases (unique client keys expected; a repeated key counts as
// duplicate_keys) into their shards, in parallel per shard, claiming the
// addresses of bound and declined ones as Replay does. Released and expired
// records go in as affinity hints without a claim. For the Kea CSV import.
InstallStats InstallLeases(std::span<const lease::Lease> leases, lease::LeaseStore& store,
                           pool::AddressSpace* addresses, bool drop_outside_pools = false);

// The shard input of a lease: the chaddr the engine hashed for it. For a
// hardware key that is the key's whole chaddr (up to 16 bytes); otherwise the
// (at most 6) chaddr bytes the lease keeps.
base::ByteSpan ShardChaddr(const lease::Lease& lease);

// ---- One segment's bytes, checked (pure: replay and the fuzzer). ----

struct SegmentScan {
  std::vector<Record> records;  // valid records, in file order
  uint64_t valid_end = 0;       // offset just past the last valid record
  uint64_t torn_bytes = 0;      // invalid bytes after valid_end (a torn tail)
  uint64_t corrupt_skipped = 0; // invalid records before valid_end (skip_corrupt)
};
// A record is valid when it decodes (magic, CRC, version, type, state) and
// its sequence is first_sequence + its index. Invalid records followed by
// a valid one are corruption: an error naming `name` and the offset, or
// skipped and counted when skip_corrupt. Trailing invalid bytes are a torn
// tail (valid_end/torn_bytes), whoever the caller decides they belong to.
absl::StatusOr<SegmentScan> ScanSegment(base::ByteSpan bytes, uint64_t first_sequence,
                                        std::string_view name, bool skip_corrupt);

}  // namespace dpdhcp::journal
