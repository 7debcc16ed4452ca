// The journal record: one lease change, 64 bytes on disk.
//
// RFC 2131 §3.1 step 4: the server commits the binding to persistent storage
// before it sends the DHCPACK. Each decision that changes a lease emits one
// record; a record is a whole lease, not a delta, so replay only needs the
// newest record of each client (docs/journal.md).
//
// Layout (little-endian, fixed; docs/journal.md has the table):
//   0   2  magic "DJ"
//   2   1  format version (1)
//   3   1  RecordType
//   4   4  generation: the journal's open count; orders records across
//          streams after a restart with another number of workers
//   8   8  sequence number within the record's stream (from 1, +1 each)
//   16 44  lease::Lease, byte for byte (lease.h: no padding, trivially copyable)
//   60  4  CRC-32C of bytes 0..59
//
// A worker encodes bytes 0..59 (EncodeRecordBody, a few stores) and the
// journal thread seals the record (SealRecord: the CRC) just before writing
// it, so the checksum costs the worker nothing.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "dpdhcp/lease/lease.h"

namespace dpdhcp::journal {

static_assert(std::endian::native == std::endian::little,
              "the record format stores host-order fields; a big-endian port must swap them");

// What happened to the lease. Mirrors engine::LeaseEvent (without kNone) so
// that journal does not depend on engine; the runtime maps one to the other.
enum class RecordType : uint8_t {
  kGranted = 1,  // ACK of a new binding (REQUEST in SELECTING / INIT-REBOOT)
  kRenewed = 2,  // ACK extending a binding (RENEWING / REBINDING)
  kReleased = 3,
  kDeclined = 4,  // the address is quarantined (RFC 2131 §4.3.3)
  kExpired = 5,   // reclaimed by the expiry scan
  kDeleted = 6,   // record removed (end of a decline probation, lease4-del)
};
inline constexpr uint8_t kMaxRecordType = 6;

// "granted", "renewed", "released", "declined", "expired", "deleted", "?".
std::string_view RecordTypeName(RecordType type);

inline constexpr size_t kRecordSize = 64;
inline constexpr uint8_t kRecordMagic0 = 'D';
inline constexpr uint8_t kRecordMagic1 = 'J';
inline constexpr uint8_t kRecordVersion = 1;
inline constexpr size_t kRecordLeaseOffset = 16;
inline constexpr size_t kRecordCrcOffset = 60;
static_assert(kRecordLeaseOffset + sizeof(lease::Lease) == kRecordCrcOffset);

// A decoded record.
struct Record {
  RecordType type = RecordType::kGranted;
  uint32_t generation = 0;
  uint64_t sequence = 0;
  lease::Lease lease;
};

// Bytes 0..59 of a record into out[0..59]. Fast path: no checks, no CRC.
inline void EncodeRecordBody(uint8_t* out, RecordType type, uint32_t generation,
                             uint64_t sequence, const lease::Lease& lease) {
  out[0] = kRecordMagic0;
  out[1] = kRecordMagic1;
  out[2] = kRecordVersion;
  out[3] = static_cast<uint8_t>(type);
  std::memcpy(out + 4, &generation, 4);
  std::memcpy(out + 8, &sequence, 8);
  std::memcpy(out + kRecordLeaseOffset, &lease, sizeof lease);
}

// Writes the CRC of bytes 0..59 into bytes 60..63.
void SealRecord(uint8_t* record);

// EncodeRecordBody + SealRecord.
inline void EncodeRecord(uint8_t* out, const Record& r) {
  EncodeRecordBody(out, r.type, r.generation, r.sequence, r.lease);
  SealRecord(out);
}

// True when the key and state of a lease read from disk are ones the lease
// module builds: a known state, a hardware or client-id key whose length fits
// what ClientKey keeps. A CRC-clean record from a buggy or hostile writer may
// hold anything else, and ClientKey would then read past its bytes.
bool IsWellFormed(const lease::Lease& lease);

enum class RecordError : uint8_t {
  kOk = 0,
  kBadMagic,    // not a record (zeros, garbage, a misplaced block)
  kBadVersion,  // a format this build does not read
  kBadCrc,      // torn or corrupted
  kBadType,     // CRC fine but a type out of range: written by a buggy writer
  kBadLease,    // CRC fine but the lease is not well formed (IsWellFormed)
};
std::string_view RecordErrorName(RecordError e);

// Checks and decodes 64 bytes.
RecordError DecodeRecord(const uint8_t* in, Record* out);

}  // namespace dpdhcp::journal
