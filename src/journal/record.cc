#include "dpdhcp/journal/record.h"

#include "dpdhcp/journal/crc32c.h"

namespace dpdhcp::journal {

std::string_view RecordTypeName(RecordType type) {
  switch (type) {
    case RecordType::kGranted: return "granted";
    case RecordType::kRenewed: return "renewed";
    case RecordType::kReleased: return "released";
    case RecordType::kDeclined: return "declined";
    case RecordType::kExpired: return "expired";
    case RecordType::kDeleted: return "deleted";
  }
  return "?";
}

std::string_view RecordErrorName(RecordError e) {
  switch (e) {
    case RecordError::kOk: return "ok";
    case RecordError::kBadMagic: return "bad magic";
    case RecordError::kBadVersion: return "unknown format version";
    case RecordError::kBadCrc: return "CRC mismatch";
    case RecordError::kBadType: return "bad record type";
    case RecordError::kBadLease: return "bad lease state";
  }
  return "?";
}

bool IsWellFormed(const lease::Lease& l) {
  using Kind = lease::ClientKey::Kind;
  if (static_cast<uint8_t>(l.state) >= lease::kNumLeaseStates) return false;
  const lease::ClientKey& k = l.key;
  if (k.kind() != Kind::kHardware && k.kind() != Kind::kClientId) return false;
  if (k.hashed()) return k.kind() == Kind::kClientId && k.length() > lease::ClientKey::kInlineBytes;
  return k.length() <= lease::ClientKey::kInlineBytes && (k.kind() != Kind::kHardware || k.length() >= 1);
}

void SealRecord(uint8_t* record) {
  const uint32_t crc = Crc32c(record, kRecordCrcOffset);
  std::memcpy(record + kRecordCrcOffset, &crc, 4);
}

RecordError DecodeRecord(const uint8_t* in, Record* out) {
  if (in[0] != kRecordMagic0 || in[1] != kRecordMagic1) return RecordError::kBadMagic;
  uint32_t stored;
  std::memcpy(&stored, in + kRecordCrcOffset, 4);
  // The CRC before the version: a torn record whose version byte happens to
  // be damaged is a torn record, not a record from the future.
  if (Crc32c(in, kRecordCrcOffset) != stored) return RecordError::kBadCrc;
  if (in[2] != kRecordVersion) return RecordError::kBadVersion;
  if (in[3] == 0 || in[3] > kMaxRecordType) return RecordError::kBadType;
  // The state byte, checked before the bytes become a Lease (an enum out of
  // range must never exist as a LeaseState value).
  constexpr size_t kStateOffset = kRecordLeaseOffset + offsetof(lease::Lease, state);
  if (in[kStateOffset] >= lease::kNumLeaseStates) return RecordError::kBadLease;
  out->type = static_cast<RecordType>(in[3]);
  std::memcpy(&out->generation, in + 4, 4);
  std::memcpy(&out->sequence, in + 8, 8);
  std::memcpy(&out->lease, in + kRecordLeaseOffset, sizeof out->lease);
  if (!IsWellFormed(out->lease)) return RecordError::kBadLease;
  return RecordError::kOk;
}

}  // namespace dpdhcp::journal
