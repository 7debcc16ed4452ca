#include "dpdhcp/proto/option_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/proto/dhcp_message.h"
#include "dpdhcp/proto/option_defs.h"

namespace dpdhcp::proto {
namespace {

using base::DropReason;
using base::Ipv4Address;
using Bytes = std::vector<uint8_t>;

Bytes ToBytes(base::ByteSpan s) { return Bytes(s.begin(), s.end()); }

// A relayed DHCPREQUEST with client-id and option 82, written byte by byte;
// the header fields a reply copies are all non-zero and distinct.
Bytes RelayedRequest(const Bytes& extra_options = {}) {
  Bytes p(kDhcpOptionsOffset, 0);
  p[kOffOp] = kBootRequest;
  p[kOffHtype] = 1;
  p[kOffHlen] = 6;
  p[kOffHops] = 2;
  base::StoreBe32(&p[kOffXid], 0xdeadbeef);
  base::StoreBe16(&p[kOffSecs], 7);
  base::StoreBe16(&p[kOffFlags], kBroadcastFlag);
  base::StoreBe32(&p[kOffCiaddr], Ipv4Address(198, 18, 9, 9).value());
  base::StoreBe32(&p[kOffGiaddr], Ipv4Address(198, 18, 0, 1).value());
  const uint8_t mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  for (size_t i = 0; i < 6; ++i) p[kOffChaddr + i] = mac[i];
  p[kOffSname] = 's';  // a client's sname/file must not leak into the reply
  p[kOffFile] = 'f';
  base::StoreBe32(&p[kOffCookie], kMagicCookie);
  const Bytes options = {option::kMessageType,    1, 3,              //
                         option::kClientId,       3, 1, 0xaa, 0xbb,  //
                         option::kRelayAgentInfo, 4, 1, 2,    'p',  '7'};
  p.insert(p.end(), options.begin(), options.end());
  p.insert(p.end(), extra_options.begin(), extra_options.end());
  p.push_back(option::kEnd);
  return p;
}

TEST(WriteReplyHeaderTest, GoldenBytesFieldByField) {
  const Bytes req = RelayedRequest();
  DhcpMessage m;
  ASSERT_EQ(m.Parse(req), DropReason::kNone);

  std::array<uint8_t, 576> out;
  out.fill(0xa5);  // whatever the buffer held before must not survive
  ASSERT_EQ(WriteReplyHeader(out.data(), m, Ipv4Address(198, 18, 9, 9), Ipv4Address(198, 18, 0, 50),
                             Ipv4Address(198, 18, 0, 2)),
            kDhcpOptionsOffset);

  EXPECT_EQ(out[kOffOp], kBootReply);
  EXPECT_EQ(out[kOffHtype], 1);
  EXPECT_EQ(out[kOffHlen], 6);
  EXPECT_EQ(out[kOffHops], 0);
  EXPECT_EQ(Bytes(&out[kOffXid], &out[kOffXid + 4]), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(Bytes(&out[kOffSecs], &out[kOffSecs + 2]), (Bytes{0, 0}));
  EXPECT_EQ(Bytes(&out[kOffFlags], &out[kOffFlags + 2]), (Bytes{0x80, 0x00}));
  EXPECT_EQ(Bytes(&out[kOffCiaddr], &out[kOffCiaddr + 4]), (Bytes{198, 18, 9, 9}));
  EXPECT_EQ(Bytes(&out[kOffYiaddr], &out[kOffYiaddr + 4]), (Bytes{198, 18, 0, 50}));
  EXPECT_EQ(Bytes(&out[kOffSiaddr], &out[kOffSiaddr + 4]), (Bytes{198, 18, 0, 2}));
  EXPECT_EQ(Bytes(&out[kOffGiaddr], &out[kOffGiaddr + 4]), (Bytes{198, 18, 0, 1}));
  EXPECT_EQ(Bytes(&out[kOffChaddr], &out[kOffChaddr + kChaddrSize]),
            (Bytes{0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(Bytes(&out[kOffSname], &out[kOffFile + kFileSize]), Bytes(kSnameSize + kFileSize, 0));
  EXPECT_EQ(Bytes(&out[kOffCookie], &out[kOffCookie + 4]), (Bytes{99, 130, 83, 99}));
  EXPECT_EQ(out[kDhcpOptionsOffset], 0xa5);  // nothing written past the header
}

TEST(WriteReplyHeaderTest, WorksInPlaceOverTheRequest) {
  // The runtime may turn the request's own buffer into the reply.
  Bytes buf = RelayedRequest();
  DhcpMessage m;
  ASSERT_EQ(m.Parse(buf), DropReason::kNone);
  WriteReplyHeader(buf.data(), m, Ipv4Address(), Ipv4Address(198, 18, 0, 50), Ipv4Address());
  EXPECT_EQ(buf[kOffOp], kBootReply);
  EXPECT_EQ(base::LoadBe32(&buf[kOffXid]), 0xdeadbeefu);
  EXPECT_EQ(Bytes(&buf[kOffChaddr], &buf[kOffChaddr + 6]),
            (Bytes{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}));
  EXPECT_EQ(base::LoadBe32(&buf[kOffGiaddr]), Ipv4Address(198, 18, 0, 1).value());
  EXPECT_EQ(base::LoadBe32(&buf[kOffCiaddr]), 0u);
}

TEST(ReplyTest, FullAckGoldenBytesAndRoundTrip) {
  const Bytes req = RelayedRequest();
  DhcpMessage m;
  ASSERT_EQ(m.Parse(req), DropReason::kNone);

  std::array<uint8_t, 576> out{};
  size_t n =
      WriteReplyHeader(out.data(), m, Ipv4Address(), Ipv4Address(198, 18, 0, 50), Ipv4Address());
  const size_t limit = MaxReplyPayload(m, out.size());
  ASSERT_EQ(limit, 548u);
  OptionWriter w(out.data() + n, limit - n);
  ASSERT_TRUE(w.AddU8(option::kMessageType, static_cast<uint8_t>(MessageType::kAck)));
  ASSERT_TRUE(w.AddAddress(option::kServerId, Ipv4Address(198, 18, 0, 2)));
  ASSERT_TRUE(w.AddU32(option::kLeaseTime, 3600));
  ASSERT_TRUE(w.AddU16(option::kInterfaceMtu, 1500));
  ASSERT_TRUE(w.Add(option::kClientId, m.client_id()));
  ASSERT_TRUE(w.Add(option::kRelayAgentInfo, m.relay_agent_info()));
  n += w.Finish();

  const Bytes want_options = {
      53,  1, 5,                       // message type ACK
      54,  4, 198,  18,   0,    2,     // server id
      51,  4, 0,    0,    0x0e, 0x10,  // lease time 3600
      26,  2, 0x05, 0xdc,              // MTU 1500
      61,  3, 1,    0xaa, 0xbb,        // client id echoed (RFC 6842)
      82,  4, 1,    2,    'p',  '7',   // relay agent info echoed (RFC 3046 §2.2)
      255,                             // END
  };
  ASSERT_EQ(n, kDhcpOptionsOffset + want_options.size());
  EXPECT_EQ(Bytes(&out[kDhcpOptionsOffset], &out[n]), want_options);
  EXPECT_EQ(w.size(), want_options.size());

  // What the server wrote reads back with the same parser (as a server message).
  DhcpMessage reply;
  ASSERT_EQ(reply.Parse(base::ByteSpan(out.data(), n)), DropReason::kDhcpServerMessage);
  EXPECT_EQ(reply.type(), MessageType::kAck);
  EXPECT_EQ(reply.xid(), m.xid());
}

TEST(OptionWriterTest, SplitsA600ByteValueInto255Plus255Plus90) {
  Bytes value(600);
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<uint8_t>(i * 7);
  std::array<uint8_t, 1024> buf{};
  OptionWriter w(buf.data(), buf.size());
  ASSERT_TRUE(w.Add(option::kUserClass, value));
  EXPECT_EQ(w.size(), 606u);
  EXPECT_EQ(buf[0], option::kUserClass);
  EXPECT_EQ(buf[1], 255);
  EXPECT_EQ(Bytes(&buf[2], &buf[257]), Bytes(value.begin(), value.begin() + 255));
  EXPECT_EQ(buf[257], option::kUserClass);
  EXPECT_EQ(buf[258], 255);
  EXPECT_EQ(Bytes(&buf[259], &buf[514]), Bytes(value.begin() + 255, value.begin() + 510));
  EXPECT_EQ(buf[514], option::kUserClass);
  EXPECT_EQ(buf[515], 90);
  EXPECT_EQ(Bytes(&buf[516], &buf[606]), Bytes(value.begin() + 510, value.end()));
  EXPECT_EQ(w.Finish(), 607u);
  EXPECT_EQ(buf[606], option::kEnd);

  // A DHCP parser puts the pieces back together (RFC 3396).
  Bytes req = RelayedRequest(Bytes(buf.begin(), buf.begin() + 606));
  DhcpMessage m;
  ASSERT_EQ(m.Parse(req), DropReason::kNone);
  EXPECT_EQ(ToBytes(*m.option(option::kUserClass)), value);
  EXPECT_EQ(m.fragment_count(option::kUserClass), 3u);
}

TEST(OptionWriterTest, AddThatDoesNotFitWritesNothing) {
  std::array<uint8_t, 10> buf;
  buf.fill(0xee);
  OptionWriter w(buf.data(), buf.size());
  EXPECT_EQ(w.remaining(), 9u);                           // one byte is kept for END
  EXPECT_FALSE(w.Add(option::kHostName, Bytes(8, 'x')));  // needs 10
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(buf,
            (std::array<uint8_t, 10>{0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee}));
  EXPECT_TRUE(w.Add(option::kHostName, Bytes(7, 'x')));  // exactly 9
  EXPECT_EQ(w.remaining(), 0u);
  EXPECT_FALSE(w.AddU8(option::kMessageType, 5));
  EXPECT_EQ(w.Finish(), 10u);
  EXPECT_EQ(buf[9], option::kEnd);
}

TEST(OptionWriterTest, SplitValueIsAllOrNothing) {
  // 600 bytes need 606; with 605 available not even the first piece goes out.
  std::array<uint8_t, 606> buf;
  buf.fill(0xee);
  OptionWriter w(buf.data(), buf.size());
  ASSERT_TRUE(w.AddU8(option::kMessageType, 5));  // 603 left
  EXPECT_FALSE(w.Add(option::kUserClass, Bytes(600, 1)));
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(buf[3], 0xee);
  EXPECT_EQ(buf[257], 0xee);
}

TEST(OptionWriterTest, EmptyValueIsOneZeroLengthOption) {
  std::array<uint8_t, 8> buf{};
  OptionWriter w(buf.data(), buf.size());
  ASSERT_TRUE(w.Add(80, {}));  // rapid commit (RFC 4039) has no value
  EXPECT_EQ(w.Finish(), 3u);
  EXPECT_EQ((Bytes{buf[0], buf[1], buf[2]}), (Bytes{80, 0, 255}));
}

TEST(OptionWriterTest, RefusesPadEndAndWritesAfterFinish) {
  std::array<uint8_t, 16> buf{};
  OptionWriter w(buf.data(), buf.size());
  EXPECT_FALSE(w.AddU8(option::kPad, 1));
  EXPECT_FALSE(w.AddU8(option::kEnd, 1));
  EXPECT_EQ(w.size(), 0u);
  ASSERT_TRUE(w.AddU8(option::kMessageType, 2));
  EXPECT_EQ(w.Finish(), 4u);
  EXPECT_EQ(w.Finish(), 4u);  // idempotent: no second END
  EXPECT_FALSE(w.AddU8(option::kMessageType, 2));
  EXPECT_EQ(w.remaining(), 0u);
  EXPECT_EQ(buf[4], 0);
}

TEST(OptionWriterTest, ZeroCapacityHoldsNothing) {
  uint8_t byte = 0x11;
  OptionWriter w(&byte, 0);
  EXPECT_EQ(w.remaining(), 0u);
  EXPECT_FALSE(w.Add(1, {}));
  EXPECT_EQ(w.Finish(), 0u);
  EXPECT_EQ(byte, 0x11);
}

TEST(OptionWriterTest, EncodedSize) {
  EXPECT_EQ(OptionWriter::EncodedSize(0), 2u);
  EXPECT_EQ(OptionWriter::EncodedSize(1), 3u);
  EXPECT_EQ(OptionWriter::EncodedSize(255), 257u);
  EXPECT_EQ(OptionWriter::EncodedSize(256), 260u);
  EXPECT_EQ(OptionWriter::EncodedSize(510), 514u);
  EXPECT_EQ(OptionWriter::EncodedSize(600), 606u);
}

struct MaxPayloadCase {
  const char* name;
  Bytes option57;  // empty: no option 57
  size_t buffer_limit;
  size_t want;
};

class MaxReplyPayloadTest : public testing::TestWithParam<MaxPayloadCase> {};

TEST_P(MaxReplyPayloadTest, FollowsOption57) {
  const MaxPayloadCase& c = GetParam();
  Bytes extra;
  if (!c.option57.empty()) extra = {option::kMaxMessageSize, 2, c.option57[0], c.option57[1]};
  const Bytes req = RelayedRequest(extra);
  DhcpMessage m;
  ASSERT_EQ(m.Parse(req), DropReason::kNone);
  EXPECT_EQ(MaxReplyPayload(m, c.buffer_limit), c.want);
}

INSTANTIATE_TEST_SUITE_P(Table, MaxReplyPayloadTest,
                         testing::Values(
                             // RFC 2131 §2: without option 57 a reply fits a 576-byte datagram.
                             MaxPayloadCase{"NoOption57", {}, 2048, 548},
                             MaxPayloadCase{"Option57Is1500", {0x05, 0xdc}, 2048, 1472},
                             // RFC 2132 §9.10: 576 is the minimum; a smaller value reads as 576.
                             MaxPayloadCase{"Option57Below576", {0x01, 0x2c}, 2048, 548},
                             MaxPayloadCase{"Option57Exactly576", {0x02, 0x40}, 2048, 548},
                             MaxPayloadCase{"BufferSmallerThanOption57", {0xff, 0xff}, 1024, 1024},
                             MaxPayloadCase{"BufferSmallerThanDefault", {}, 300, 300}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace dpdhcp::proto
