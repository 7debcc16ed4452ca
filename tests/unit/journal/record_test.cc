#include "dpdhcp/journal/record.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "test_util.h"

namespace dpdhcp::journal {
namespace {

using lease::Lease;
using lease::LeaseState;
using testing::MakeLease;

Record Sample() {
  Record r;
  r.type = RecordType::kRenewed;
  r.generation = 3;
  r.sequence = 0x0102030405060708ull;
  r.lease = MakeLease(0x00abcdef, LeaseState::kBound, 1'700'000'000);
  return r;
}

// The on-disk bytes of Sample(). A change here is a format change: bump
// kRecordVersion and keep reading version 1 (docs/journal.md).
constexpr std::array<uint8_t, kRecordSize> kGolden = {
    0x44, 0x4a, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00,  // "DJ", version 1, renewed, generation 3
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // sequence 0x0102030405060708
    0xef, 0xcd, 0xab, 0x0a, 0x01, 0x00, 0x00, 0x00,  // address 10.171.205.239, subnet_id 1
    0x00, 0xf1, 0x53, 0x65, 0x10, 0xff, 0x53, 0x65,  // cltt 1700000000, expire + 3600
    0x01, 0x07, 0x01, 0x02, 0x00, 0x00, 0xab, 0xcd,  // key: hardware, 7 bytes: htype 1, MAC
    0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x00, 0x00, 0x02, 0x01, 0x06, 0x02, 0x00,  // state bound, htype 1, hlen 6, chaddr
    0x00, 0xab, 0xcd, 0xef, 0x29, 0x34, 0x47, 0x58,  // CRC-32C of bytes 0..59
};

TEST(RecordTest, GoldenBytes) {
  std::array<uint8_t, kRecordSize> out{};
  EncodeRecord(out.data(), Sample());
  EXPECT_EQ(out, kGolden);
  // The CRC is CRC-32C by its definition, not just by this build's code.
  uint32_t stored;
  std::memcpy(&stored, &kGolden[kRecordCrcOffset], 4);
  EXPECT_EQ(testing::ReferenceCrc32c(kGolden.data(), kRecordCrcOffset), stored);
}

TEST(RecordTest, RoundTrip) {
  std::array<uint8_t, kRecordSize> buf{};
  for (uint8_t t = 1; t <= kMaxRecordType; ++t) {
    Record in = Sample();
    in.type = static_cast<RecordType>(t);
    in.lease.state = LeaseState::kDeclined;
    EncodeRecord(buf.data(), in);
    Record out;
    ASSERT_EQ(DecodeRecord(buf.data(), &out), RecordError::kOk);
    EXPECT_EQ(out.type, in.type);
    EXPECT_EQ(out.generation, in.generation);
    EXPECT_EQ(out.sequence, in.sequence);
    EXPECT_EQ(out.lease, in.lease);
  }
}

// The CRC catches every single-bit flip of the 64 bytes (CRC-32C detects all
// errors of up to 5 bits at this length).
TEST(RecordTest, EverySingleBitFlipIsDetected) {
  std::array<uint8_t, kRecordSize> good{};
  EncodeRecord(good.data(), Sample());
  for (size_t bit = 0; bit < kRecordSize * 8; ++bit) {
    std::array<uint8_t, kRecordSize> bad = good;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Record out;
    EXPECT_NE(DecodeRecord(bad.data(), &out), RecordError::kOk) << "bit " << bit;
  }
}

TEST(RecordTest, DoubleBitFlipsAreDetected) {
  std::array<uint8_t, kRecordSize> good{};
  EncodeRecord(good.data(), Sample());
  for (size_t a = 0; a < kRecordSize * 8; a += 7) {
    for (size_t b = a + 1; b < kRecordSize * 8; b += 5) {
      std::array<uint8_t, kRecordSize> bad = good;
      bad[a / 8] ^= static_cast<uint8_t>(1u << (a % 8));
      bad[b / 8] ^= static_cast<uint8_t>(1u << (b % 8));
      Record out;
      ASSERT_NE(DecodeRecord(bad.data(), &out), RecordError::kOk) << a << "," << b;
    }
  }
}

struct BadCase {
  const char* name;
  size_t offset;
  uint8_t value;
  RecordError want;
};

class RecordRejectTest : public ::testing::TestWithParam<BadCase> {};

// Fields wrong under a valid CRC (a buggy writer), and plain garbage.
TEST_P(RecordRejectTest, Rejected) {
  const BadCase& c = GetParam();
  std::array<uint8_t, kRecordSize> buf{};
  EncodeRecord(buf.data(), Sample());
  buf[c.offset] = c.value;
  if (c.offset < kRecordCrcOffset && c.want != RecordError::kBadMagic &&
      c.want != RecordError::kBadCrc) {
    SealRecord(buf.data());  // the writer sealed the wrong value
  }
  Record out;
  EXPECT_EQ(DecodeRecord(buf.data(), &out), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, RecordRejectTest,
    ::testing::Values(BadCase{"magic", 0, 'X', RecordError::kBadMagic},
                      BadCase{"version", 2, 2, RecordError::kBadVersion},
                      BadCase{"type_zero", 3, 0, RecordError::kBadType},
                      BadCase{"type_high", 3, 7, RecordError::kBadType},
                      BadCase{"state", kRecordLeaseOffset + offsetof(Lease, state), 6,
                              RecordError::kBadLease},
                      BadCase{"key_kind", kRecordLeaseOffset + offsetof(Lease, key), 3,
                              RecordError::kBadLease},
                      BadCase{"key_length", kRecordLeaseOffset + offsetof(Lease, key) + 1, 30,
                              RecordError::kBadLease},
                      BadCase{"crc", 61, 0x5a, RecordError::kBadCrc}),
    [](const ::testing::TestParamInfo<BadCase>& i) { return std::string(i.param.name); });

TEST(RecordTest, ZerosAreNotARecord) {
  const std::array<uint8_t, kRecordSize> zeros{};
  Record out;
  EXPECT_EQ(DecodeRecord(zeros.data(), &out), RecordError::kBadMagic);
}

TEST(RecordTest, Names) {
  EXPECT_EQ(RecordTypeName(RecordType::kGranted), "granted");
  EXPECT_EQ(RecordTypeName(RecordType::kDeleted), "deleted");
  EXPECT_EQ(RecordErrorName(RecordError::kBadCrc), "CRC mismatch");
}

}  // namespace
}  // namespace dpdhcp::journal
