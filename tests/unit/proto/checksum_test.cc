#include "dpdhcp/proto/checksum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/ipv4_address.h"

namespace dpdhcp::proto {
namespace {

using base::Ipv4Address;

// The textbook RFC 1071 loop: 16-bit big-endian words, odd byte padded,
// carries folded at the end. The optimised ChecksumPartial must agree with it.
uint16_t ReferenceChecksum(const uint8_t* p, size_t len) {
  uint64_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += uint32_t{p[i]} << 8 | p[i + 1];
  if (len % 2 == 1) sum += uint32_t{p[len - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST(ChecksumTest, Rfc1071NumericalExample) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to 2ddf0, which folds to
  // ddf2; the checksum is its complement.
  const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(ChecksumPartial(bytes, sizeof bytes) % 0xffff, 0x2ddf0u % 0xffff);
  EXPECT_EQ(ChecksumFinish(ChecksumPartial(bytes, sizeof bytes)), 0x220d);
  EXPECT_EQ(ChecksumFinish(0x2ddf0), 0x220d);
}

TEST(ChecksumTest, PartialSumIsTheWordSumUpToFolding) {
  const uint8_t bytes[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
  // Exact while the word sum fits 16 bits.
  EXPECT_EQ(ChecksumPartial(bytes, 0), 0u);
  EXPECT_EQ(ChecksumPartial(bytes, 2), 0x1234u);
  EXPECT_EQ(ChecksumPartial(bytes, 4), 0x1234u + 0x5678u);
  EXPECT_EQ(ChecksumPartial(bytes, 2, 0x10000), 0x11234u);  // the seed is added as is
  // Beyond, congruent modulo 0xffff (the odd tail is padded: 9a00).
  EXPECT_EQ(ChecksumPartial(bytes, 5) % 0xffff, (0x1234u + 0x5678u + 0x9a00u) % 0xffff);
}

TEST(ChecksumTest, AgreesWithReferenceAtEveryLengthAndAlignment) {
  std::mt19937 rng(1071);
  std::vector<uint8_t> buf(600 + 8);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; len <= 600; ++len) {
      const uint8_t* p = buf.data() + offset;
      ASSERT_EQ(ChecksumFinish(ChecksumPartial(p, len)), ReferenceChecksum(p, len))
          << "offset " << offset << " len " << len;
    }
  }
}

TEST(ChecksumTest, ManyCarriesOnLongAllOnesInput) {
  // 0xffff words maximise carries: 256 KiB of them overflow a 32-bit word sum.
  std::vector<uint8_t> ones(256 * 1024 + 3, 0xff);
  EXPECT_EQ(ChecksumFinish(ChecksumPartial(ones.data(), ones.size())),
            ReferenceChecksum(ones.data(), ones.size()));
  EXPECT_EQ(ChecksumFinish(ChecksumPartial(ones.data(), ones.size(), 0xffffffffu)),
            ChecksumFinish(ChecksumPartial(ones.data(), ones.size(), 0xffff)));
}

TEST(ChecksumTest, ChainingEvenPiecesEqualsOneShot) {
  std::vector<uint8_t> buf(301);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<uint8_t>(i * 7 + 3);
  for (size_t split : {0u, 2u, 10u, 64u, 300u}) {
    const uint32_t chained =
        ChecksumPartial(buf.data() + split, buf.size() - split, ChecksumPartial(buf.data(), split));
    EXPECT_EQ(ChecksumFinish(chained), ReferenceChecksum(buf.data(), buf.size())) << split;
  }
}

TEST(ChecksumTest, AllZeroDataAndNegativeZero) {
  const uint8_t zeros[8] = {};
  EXPECT_EQ(ChecksumFinish(ChecksumPartial(zeros, sizeof zeros)), 0xffff);  // +0 -> ffff
  EXPECT_EQ(ChecksumFinish(0xffff), 0);                                     // -0 -> 0
  EXPECT_EQ(ChecksumFinish(0x1fffe), 0);
}

// The classic example header (192.168.0.1 -> 192.168.0.199, UDP, DF set),
// whose checksum b861 is published widely; verified here with the reference.
constexpr uint8_t kKnownIpv4Header[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                                          0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                                          0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

TEST(ChecksumTest, Ipv4HeaderChecksumOfKnownHeader) {
  EXPECT_EQ(Ipv4HeaderChecksum(kKnownIpv4Header, sizeof kKnownIpv4Header), 0xb861);
  EXPECT_EQ(ReferenceChecksum(kKnownIpv4Header, sizeof kKnownIpv4Header), 0);

  // The checksum field's content is ignored, not summed.
  uint8_t garbled[20];
  std::memcpy(garbled, kKnownIpv4Header, sizeof garbled);
  garbled[10] = 0x12;
  garbled[11] = 0x34;
  EXPECT_EQ(Ipv4HeaderChecksum(garbled, sizeof garbled), 0xb861);
}

TEST(ChecksumTest, Ipv4HeaderChecksumWithOptions) {
  // IHL 6: a Router Alert option (RFC 2113, 94 04 00 00) after the fixed part.
  uint8_t h[24] = {0x46, 0x00, 0x00, 0x18, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00,
                   0xc6, 0x12, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x16, 0x94, 0x04, 0x00, 0x00};
  const uint16_t c = Ipv4HeaderChecksum(h, sizeof h);
  EXPECT_EQ(c, ReferenceChecksum(h, sizeof h));  // field is zero here
  base::StoreBe16(h + 10, c);
  EXPECT_EQ(ReferenceChecksum(h, sizeof h), 0);
}

// UDP checksums computed independently (a separate Python implementation of
// RFC 768 over the pseudo-header) for the datagrams used in the frame tests.
TEST(ChecksumTest, UdpChecksumMatchesIndependentValues) {
  // 198.18.0.254:67 -> 198.18.0.1:67, payload "relayed-dhcp".
  uint8_t relayed[20] = {0x00, 0x43, 0x00, 0x43, 0x00, 0x14, 0xde, 0xad};  // field ignored
  std::memcpy(relayed + 8, "relayed-dhcp", 12);
  EXPECT_EQ(UdpChecksum(Ipv4Address(198, 18, 0, 254), Ipv4Address(198, 18, 0, 1), relayed,
                        sizeof relayed),
            0xede9);

  // Odd length: payload "odd", padded with a zero byte for the sum only.
  uint8_t odd[11] = {0x00, 0x43, 0x00, 0x43, 0x00, 0x0b, 0x00, 0x00, 'o', 'd', 'd'};
  EXPECT_EQ(UdpChecksum(Ipv4Address(198, 18, 0, 254), Ipv4Address(198, 18, 0, 1), odd, sizeof odd),
            0x9ec9);
}

TEST(ChecksumTest, UdpChecksumZeroIsSentAsAllOnes) {
  // Choose the payload word so that the sum becomes -0: the computed checksum
  // is then 0, which RFC 768 transmits as ffff.
  const Ipv4Address src(10, 0, 0, 1), dst(10, 0, 0, 2);
  uint8_t udp[10] = {0x12, 0x34, 0x00, 0x43, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00};
  const uint16_t with_zero_payload = UdpChecksum(src, dst, udp, sizeof udp);
  base::StoreBe16(udp + 8, with_zero_payload);  // adds ~S to S
  EXPECT_EQ(UdpChecksum(src, dst, udp, sizeof udp), 0xffff);
}

}  // namespace
}  // namespace dpdhcp::proto
