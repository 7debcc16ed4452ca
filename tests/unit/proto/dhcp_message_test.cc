#include "dpdhcp/proto/dhcp_message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "dpdhcp/base/bytes.h"
#include "dpdhcp/base/drop_reason.h"
#include "dpdhcp/proto/option_defs.h"

namespace dpdhcp::proto {
namespace {

using base::DropReason;
using Bytes = std::vector<uint8_t>;

// Builds BOOTREQUESTs byte by byte, so that every test states the exact wire
// layout it feeds the parser.
class Packet {
 public:
  Packet() : bytes_(kDhcpOptionsOffset, 0) {
    bytes_[kOffOp] = kBootRequest;
    bytes_[kOffHtype] = 1;
    bytes_[kOffHlen] = 6;
    base::StoreBe32(&bytes_[kOffXid], 0x12345678);
    const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
    for (size_t i = 0; i < 6; ++i) bytes_[kOffChaddr + i] = mac[i];
    base::StoreBe32(&bytes_[kOffCookie], kMagicCookie);
  }

  Packet& Set(size_t offset, uint8_t v) {
    bytes_[offset] = v;
    return *this;
  }
  // One option TLV in the options field.
  Packet& Opt(uint8_t code, const Bytes& value) {
    options_.push_back(code);
    options_.push_back(static_cast<uint8_t>(value.size()));
    options_.insert(options_.end(), value.begin(), value.end());
    return *this;
  }
  // Raw bytes appended to the options field (pads, END, malformed TLVs).
  Packet& Raw(const Bytes& raw) {
    options_.insert(options_.end(), raw.begin(), raw.end());
    return *this;
  }
  // Raw bytes written at the start of the file / sname field.
  Packet& File(const Bytes& raw) { return Field(kOffFile, kFileSize, raw); }
  Packet& Sname(const Bytes& raw) { return Field(kOffSname, kSnameSize, raw); }

  Bytes Build(bool end = true) const {
    Bytes out = bytes_;
    out.insert(out.end(), options_.begin(), options_.end());
    if (end) out.push_back(option::kEnd);
    return out;
  }

 private:
  Packet& Field(size_t offset, size_t size, const Bytes& raw) {
    EXPECT_LE(raw.size(), size);
    for (size_t i = 0; i < raw.size(); ++i) bytes_[offset + i] = raw[i];
    return *this;
  }

  Bytes bytes_;
  Bytes options_;
};

Packet Discover() { return Packet().Opt(option::kMessageType, {1}); }

Bytes Text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes ToBytes(base::ByteSpan s) { return Bytes(s.begin(), s.end()); }

TEST(MessageTypeTest, Names) {
  EXPECT_EQ(MessageTypeName(MessageType::kDiscover), "DHCPDISCOVER");
  EXPECT_EQ(MessageTypeName(MessageType::kOffer), "DHCPOFFER");
  EXPECT_EQ(MessageTypeName(MessageType::kRequest), "DHCPREQUEST");
  EXPECT_EQ(MessageTypeName(MessageType::kDecline), "DHCPDECLINE");
  EXPECT_EQ(MessageTypeName(MessageType::kAck), "DHCPACK");
  EXPECT_EQ(MessageTypeName(MessageType::kNak), "DHCPNAK");
  EXPECT_EQ(MessageTypeName(MessageType::kRelease), "DHCPRELEASE");
  EXPECT_EQ(MessageTypeName(MessageType::kInform), "DHCPINFORM");
  EXPECT_EQ(MessageTypeName(static_cast<MessageType>(42)), "DHCPUNKNOWN");
}

// Keeps the parsed bytes alive next to the message: DhcpMessage is a view and
// its input must outlive it.
class DhcpMessageTest : public testing::Test {
 protected:
  DropReason Parse(Bytes packet) {
    pkt_ = std::move(packet);
    return msg_.Parse(pkt_);
  }

  Bytes pkt_;
  DhcpMessage msg_;
};

TEST_F(DhcpMessageTest, ParsesFixedFieldsAndCommonOptions) {
  const Bytes pkt = Discover()
                        .Set(kOffHops, 1)
                        .Set(kOffSecs + 1, 9)
                        .Set(kOffFlags, 0x80)
                        .Set(kOffCiaddr + 3, 1)
                        .Set(kOffYiaddr + 3, 2)
                        .Set(kOffSiaddr + 3, 3)
                        .Set(kOffGiaddr, 198)
                        .Set(kOffGiaddr + 1, 18)
                        .Set(kOffGiaddr + 3, 1)
                        .Opt(option::kClientId, {1, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30})
                        .Opt(option::kParameterRequestList, {1, 3, 6, 15, 51})
                        .Opt(option::kHostName, Text("cpe-1"))
                        .Opt(option::kMaxMessageSize, {0x05, 0xdc})
                        .Opt(option::kRequestedAddress, {198, 18, 0, 77})
                        .Opt(option::kServerId, {198, 18, 0, 1})
                        .Opt(option::kLeaseTime, {0, 0, 0x0e, 0x10})
                        .Opt(option::kSubnetSelection, {198, 18, 5, 0})
                        .Build();
  ASSERT_EQ(Parse(pkt), DropReason::kNone);
  EXPECT_EQ(msg_.op(), kBootRequest);
  EXPECT_EQ(msg_.htype(), 1);
  EXPECT_EQ(msg_.hlen(), 6);
  EXPECT_EQ(msg_.hops(), 1);
  EXPECT_EQ(msg_.xid(), 0x12345678u);
  EXPECT_EQ(msg_.secs(), 9);
  EXPECT_EQ(msg_.flags(), kBroadcastFlag);
  EXPECT_TRUE(msg_.broadcast());
  EXPECT_EQ(msg_.ciaddr(), base::Ipv4Address(0, 0, 0, 1));
  EXPECT_EQ(msg_.yiaddr(), base::Ipv4Address(0, 0, 0, 2));
  EXPECT_EQ(msg_.siaddr(), base::Ipv4Address(0, 0, 0, 3));
  EXPECT_EQ(msg_.giaddr(), base::Ipv4Address(198, 18, 0, 1));
  EXPECT_EQ(ToBytes(msg_.chaddr()), (Bytes{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30}));
  EXPECT_EQ(msg_.raw().size(), pkt.size());
  EXPECT_EQ(msg_.type(), MessageType::kDiscover);
  EXPECT_EQ(msg_.type_code(), 1);
  EXPECT_EQ(msg_.overload(), 0);
  EXPECT_EQ(ToBytes(msg_.client_id()), (Bytes{1, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30}));
  EXPECT_EQ(ToBytes(msg_.parameter_request_list()), (Bytes{1, 3, 6, 15, 51}));
  EXPECT_EQ(ToBytes(msg_.host_name()), Text("cpe-1"));
  EXPECT_EQ(msg_.max_message_size(), 1500);
  EXPECT_EQ(msg_.requested_address(), base::Ipv4Address(198, 18, 0, 77));
  EXPECT_EQ(msg_.server_id(), base::Ipv4Address(198, 18, 0, 1));
  EXPECT_EQ(msg_.lease_time(), 3600u);
  EXPECT_EQ(msg_.subnet_selection(), base::Ipv4Address(198, 18, 5, 0));
  EXPECT_TRUE(msg_.has(option::kMessageType));
  EXPECT_FALSE(msg_.has(option::kRelayAgentInfo));
  EXPECT_FALSE(msg_.option(option::kRelayAgentInfo).has_value());
  EXPECT_TRUE(msg_.relay_agent_info().empty());
  EXPECT_EQ(msg_.fragment_count(option::kHostName), 1u);
  EXPECT_EQ(msg_.fragment_count(option::kRelayAgentInfo), 0u);
  // Values of single-instance options are spans into the payload itself.
  const uint8_t* host = msg_.option(option::kHostName)->data();
  EXPECT_TRUE(host > pkt_.data() && host < pkt_.data() + pkt_.size());
}

TEST_F(DhcpMessageTest, AbsentOptionsReadAsEmptyOrNullopt) {
  ASSERT_EQ(Parse(Discover().Build()), DropReason::kNone);
  EXPECT_FALSE(msg_.requested_address());
  EXPECT_FALSE(msg_.server_id());
  EXPECT_FALSE(msg_.lease_time());
  EXPECT_FALSE(msg_.max_message_size());
  EXPECT_FALSE(msg_.subnet_selection());
  EXPECT_TRUE(msg_.client_id().empty());
  EXPECT_TRUE(msg_.parameter_request_list().empty());
  EXPECT_FALSE(msg_.broadcast());
  EXPECT_FALSE(msg_.has(0));
  EXPECT_FALSE(msg_.has(255));
}

TEST_F(DhcpMessageTest, MaxMessageSizeBelow576ReadsAs576) {
  // RFC 2132 §9.10: 576 is the minimum legal value; a smaller one is not a drop.
  ASSERT_EQ(Parse(Discover().Opt(option::kMaxMessageSize, {0x01, 0x00}).Build()),
            DropReason::kNone);
  EXPECT_EQ(msg_.max_message_size(), 576);
}

TEST_F(DhcpMessageTest, PadBytesBetweenOptionsAreSkipped) {
  const Bytes pkt = Packet()
                        .Raw({0, 0, 0})
                        .Opt(option::kMessageType, {3})
                        .Raw({0})
                        .Opt(option::kRequestedAddress, {198, 18, 0, 9})
                        .Raw({0, 0})
                        .Opt(option::kHostName, Text("h"))
                        .Raw({0})
                        .Build();
  ASSERT_EQ(Parse(pkt), DropReason::kNone);
  EXPECT_EQ(msg_.type(), MessageType::kRequest);
  EXPECT_EQ(msg_.requested_address(), base::Ipv4Address(198, 18, 0, 9));
  EXPECT_EQ(ToBytes(msg_.host_name()), Text("h"));
  EXPECT_FALSE(msg_.has(0));
}

TEST_F(DhcpMessageTest, MissingEndIsTolerated) {
  ASSERT_EQ(Parse(Discover().Opt(option::kHostName, Text("x")).Build(/*end=*/false)),
            DropReason::kNone);
  EXPECT_EQ(ToBytes(msg_.host_name()), Text("x"));
}

TEST_F(DhcpMessageTest, BytesAfterEndAreIgnored) {
  // Garbage after END (here an option whose length overruns) is padding.
  ASSERT_EQ(Parse(Discover().Raw({option::kEnd, 12, 200, 1}).Build(/*end=*/false)),
            DropReason::kNone);
  EXPECT_FALSE(msg_.has(option::kHostName));
}

TEST_F(DhcpMessageTest, FileAndSnameAreNotScannedWithoutOverload) {
  ASSERT_EQ(Parse(Discover().File({12, 200}).Sname(Text("pxe-server")).Build()), DropReason::kNone);
  EXPECT_FALSE(msg_.has(option::kHostName));
}

struct OverloadCase {
  const char* name;
  uint8_t overload;
  bool file_options;
  bool sname_options;
};

class OverloadTest : public testing::TestWithParam<OverloadCase> {};

TEST_P(OverloadTest, OptionsInOverloadedFieldsAreParsed) {
  const OverloadCase& c = GetParam();
  // The field not named by option 52 holds garbage that must not be scanned.
  const Bytes file = c.file_options ? Bytes{option::kHostName, 4, 'f', 'i', 'l', 'e', option::kEnd}
                                    : Bytes{12, 250};
  const Bytes sname =
      c.sname_options ? Bytes{0, option::kDomainName, 3, 'a', '.', 'b'} : Bytes{15, 250};
  const Bytes pkt = Discover().Opt(option::kOverload, {c.overload}).File(file).Sname(sname).Build();
  DhcpMessage m;
  ASSERT_EQ(m.Parse(pkt), DropReason::kNone);
  EXPECT_EQ(m.overload(), c.overload);
  EXPECT_EQ(m.has(option::kHostName), c.file_options);
  if (c.file_options) {
    EXPECT_EQ(ToBytes(m.host_name()), Text("file"));
  }
  EXPECT_EQ(m.has(option::kDomainName), c.sname_options);
  if (c.sname_options) {
    EXPECT_EQ(ToBytes(*m.option(option::kDomainName)), Text("a.b"));
  }
}

INSTANTIATE_TEST_SUITE_P(Fields, OverloadTest,
                         testing::Values(OverloadCase{"File", kOverloadFile, true, false},
                                         OverloadCase{"Sname", kOverloadSname, false, true},
                                         OverloadCase{"Both", kOverloadBoth, true, true}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(DhcpMessageTest, SplitOptionIsConcatenatedOptionsThenFileThenSname) {
  // RFC 3396: pieces concatenate in the order options field, file, sname, even
  // though sname comes first in the packet.
  const Bytes pkt = Discover()
                        .Opt(option::kHostName, Text("ab"))
                        .Opt(option::kOverload, {kOverloadBoth})
                        .Opt(option::kHostName, Text("cd"))
                        .File({option::kHostName, 2, 'e', 'f', option::kEnd})
                        .Sname({option::kHostName, 2, 'g', 'h', option::kEnd})
                        .Build();
  ASSERT_EQ(Parse(pkt), DropReason::kNone);
  EXPECT_EQ(ToBytes(msg_.host_name()), Text("abcdefgh"));
  EXPECT_EQ(msg_.fragment_count(option::kHostName), 4u);
  // The concatenation lives in the message, not in the payload.
  const uint8_t* host = msg_.host_name().data();
  EXPECT_FALSE(host >= pkt_.data() && host < pkt_.data() + pkt_.size());
}

TEST_F(DhcpMessageTest, LongClientIdAndRelayInfoSplitAcrossInstances) {
  // A 300-byte client identifier (RFC 4361 DUIDs can be long) in two pieces,
  // and option 82 whose remote-id sub-option straddles the split.
  Bytes client_id(300);
  for (size_t i = 0; i < client_id.size(); ++i) client_id[i] = static_cast<uint8_t>(i);
  const Bytes rai_a = {rai::kCircuitId, 3, 'e', 't', 'h', rai::kRemoteId, 4, 'r', 'e'};
  const Bytes rai_b = {'m', 'o'};
  const Bytes pkt = Discover()
                        .Opt(option::kClientId, Bytes(client_id.begin(), client_id.begin() + 255))
                        .Opt(option::kClientId, Bytes(client_id.begin() + 255, client_id.end()))
                        .Opt(option::kRelayAgentInfo, rai_a)
                        .Opt(option::kRelayAgentInfo, rai_b)
                        .Build();
  ASSERT_EQ(Parse(pkt), DropReason::kNone);
  EXPECT_EQ(ToBytes(msg_.client_id()), client_id);
  EXPECT_EQ(ToBytes(msg_.relay_agent_info()),
            (Bytes{1, 3, 'e', 't', 'h', 2, 4, 'r', 'e', 'm', 'o'}));
  EXPECT_EQ(ToBytes(msg_.relay_info().circuit_id), Text("eth"));
  EXPECT_EQ(ToBytes(msg_.relay_info().remote_id), Text("remo"));
}

TEST_F(DhcpMessageTest, SplitFixedSizeOptionIsCheckedOnItsConcatenation) {
  // Two 2-byte pieces of option 50 make one valid 4-byte address.
  ASSERT_EQ(Parse(Discover()
                      .Opt(option::kRequestedAddress, {198, 18})
                      .Opt(option::kRequestedAddress, {0, 42})
                      .Build()),
            DropReason::kNone);
  EXPECT_EQ(msg_.requested_address(), base::Ipv4Address(198, 18, 0, 42));
}

TEST_F(DhcpMessageTest, RelayedRequestExposesSubOptions) {
  const Bytes pkt = Packet()
                        .Set(kOffGiaddr, 198)
                        .Set(kOffGiaddr + 1, 18)
                        .Set(kOffGiaddr + 3, 1)
                        .Opt(option::kMessageType, {3})
                        .Opt(option::kRelayAgentInfo,
                             {rai::kCircuitId, 4, 'p', 'o', 'n', '1', rai::kLinkSelection, 4, 198,
                              18, 7, 0, rai::kRelaySourcePort, 0})
                        .Build();
  ASSERT_EQ(Parse(pkt), DropReason::kNone);
  EXPECT_TRUE(msg_.has(option::kRelayAgentInfo));
  EXPECT_EQ(ToBytes(msg_.relay_info().circuit_id), Text("pon1"));
  EXPECT_EQ(msg_.relay_info().link_selection, base::Ipv4Address(198, 18, 7, 0));
  EXPECT_TRUE(msg_.relay_info().relay_port);
}

TEST_F(DhcpMessageTest, ReuseDoesNotLeakStateBetweenPackets) {
  ASSERT_EQ(Parse(Discover()
                      .Opt(option::kHostName, Text("one"))
                      .Opt(option::kHostName, Text("two"))
                      .Opt(option::kRelayAgentInfo, {rai::kCircuitId, 1, 'c'})
                      .Opt(option::kOverload, {kOverloadFile})
                      .Build()),
            DropReason::kNone);
  EXPECT_EQ(ToBytes(msg_.host_name()), Text("onetwo"));

  const Bytes second =
      Packet().Opt(option::kMessageType, {7}).Opt(option::kHostName, Text("3")).Build();
  ASSERT_EQ(Parse(second), DropReason::kNone);
  EXPECT_EQ(msg_.type(), MessageType::kRelease);
  EXPECT_EQ(ToBytes(msg_.host_name()), Text("3"));
  EXPECT_EQ(msg_.fragment_count(option::kHostName), 1u);
  EXPECT_FALSE(msg_.has(option::kRelayAgentInfo));
  EXPECT_TRUE(msg_.relay_info().circuit_id.empty());
  EXPECT_EQ(msg_.overload(), 0);

  // A failed parse leaves no option visible either.
  ASSERT_EQ(Parse(Packet().Opt(option::kHostName, Text("x")).Build()),
            DropReason::kDhcpMissingMessageType);
  EXPECT_EQ(msg_.type_code(), 0);
  ASSERT_EQ(Parse(Bytes(10, 0)), DropReason::kDhcpTruncated);
  EXPECT_FALSE(msg_.has(option::kHostName));
}

TEST_F(DhcpMessageTest, TypeCodeIsKeptForServerAndUnknownMessages) {
  // A BOOTREPLY carrying DHCPACK: the caller counts it as an ACK received.
  EXPECT_EQ(Parse(Packet().Set(kOffOp, kBootReply).Opt(option::kMessageType, {5}).Build()),
            DropReason::kDhcpServerMessage);
  EXPECT_EQ(msg_.type_code(), 5);
  // A BOOTREQUEST carrying DHCPOFFER.
  EXPECT_EQ(Parse(Packet().Opt(option::kMessageType, {2}).Build()), DropReason::kDhcpServerMessage);
  EXPECT_EQ(msg_.type(), MessageType::kOffer);
  // DHCPLEASEQUERY (RFC 4388, type 10) is not served.
  EXPECT_EQ(Parse(Packet().Opt(option::kMessageType, {10}).Build()),
            DropReason::kDhcpUnknownMessageType);
  EXPECT_EQ(msg_.type_code(), 10);
}

TEST_F(DhcpMessageTest, AcceptsNonEthernetHardwareWithShortOrEmptyChaddr) {
  // InfiniBand (htype 32, RFC 4390) sends hlen 0 and identifies by client-id.
  ASSERT_EQ(Parse(Discover()
                      .Set(kOffHtype, 32)
                      .Set(kOffHlen, 0)
                      .Opt(option::kClientId, {0xff, 1, 2})
                      .Build()),
            DropReason::kNone);
  EXPECT_TRUE(msg_.chaddr().empty());
  ASSERT_EQ(Parse(Discover().Set(kOffHtype, 6).Set(kOffHlen, 16).Build()), DropReason::kNone);
  EXPECT_EQ(msg_.chaddr().size(), 16u);
}

TEST_F(DhcpMessageTest, FragmentLimitIsExact) {
  // kMaxFragments options parse; one more is refused.
  Packet ok = Discover();
  for (size_t i = 1; i < DhcpMessage::kMaxFragments; ++i) ok.Opt(224, {});
  ASSERT_EQ(Parse(ok.Build()), DropReason::kNone);
  EXPECT_EQ(msg_.fragment_count(224), DhcpMessage::kMaxFragments - 1);
  EXPECT_EQ(Parse(ok.Opt(224, {}).Build()), DropReason::kDhcpTooManyOptions);
}

TEST_F(DhcpMessageTest, SizeLimitIsExact) {
  Packet p = Discover();
  p.Raw(Bytes(DhcpMessage::kMaxSize - kDhcpOptionsOffset - 3 - 1, 0));
  ASSERT_EQ(p.Build().size(), DhcpMessage::kMaxSize);
  EXPECT_EQ(Parse(p.Build()), DropReason::kNone);
  EXPECT_EQ(Parse(p.Raw({0}).Build()), DropReason::kDhcpTooLarge);
}

// Every malformed message lands on its own named reason.
struct MalformedCase {
  const char* name;
  Bytes packet;
  DropReason want;
};

std::vector<MalformedCase> MalformedCases() {
  const Bytes valid = Discover().Build();
  Bytes bad_cookie = valid;
  bad_cookie[kOffCookie + 3] = 0x64;
  return {
      {"Empty", {}, DropReason::kDhcpTruncated},
      {"HeaderOnly", Bytes(valid.begin(), valid.begin() + kBootpFixedSize),
       DropReason::kDhcpTruncated},
      {"OneShortOfCookie", Bytes(valid.begin(), valid.begin() + kDhcpOptionsOffset - 1),
       DropReason::kDhcpTruncated},
      {"TooLarge", Discover().Raw(Bytes(DhcpMessage::kMaxSize, 0)).Build(),
       DropReason::kDhcpTooLarge},
      {"BadCookie", bad_cookie, DropReason::kDhcpBadCookie},
      {"OpZero", Discover().Set(kOffOp, 0).Build(), DropReason::kDhcpBadOp},
      {"OpThree", Discover().Set(kOffOp, 3).Build(), DropReason::kDhcpBadOp},
      {"BootReply", Discover().Set(kOffOp, kBootReply).Build(), DropReason::kDhcpServerMessage},
      {"BootReplyMalformed", Packet().Set(kOffOp, kBootReply).Set(kOffHtype, 0).Build(),
       DropReason::kDhcpServerMessage},
      {"HtypeZero", Discover().Set(kOffHtype, 0).Build(), DropReason::kDhcpBadHtype},
      {"HlenOver16", Discover().Set(kOffHtype, 6).Set(kOffHlen, 17).Build(),
       DropReason::kDhcpBadHlen},
      {"EthernetHlen5", Discover().Set(kOffHlen, 5).Build(), DropReason::kDhcpBadHlen},
      {"EthernetHlen16", Discover().Set(kOffHlen, 16).Build(), DropReason::kDhcpBadHlen},
      {"OptionValueOverrunsField", Discover().Raw({option::kHostName, 10, 'a'}).Build(false),
       DropReason::kDhcpOptionOverrun},
      {"OptionLengthByteMissing", Discover().Raw({option::kHostName}).Build(false),
       DropReason::kDhcpOptionOverrun},
      {"OverrunInFile",
       Discover()
           .Opt(option::kOverload, {kOverloadFile})
           .File({0, 0, option::kHostName, 200})
           .Build(),
       DropReason::kDhcpOptionOverrun},
      {"OverrunAtEndOfFile",
       [] {
         Bytes file(kFileSize, 0);
         file[kFileSize - 1] = option::kHostName;  // code byte, no length byte
         return Discover().Opt(option::kOverload, {kOverloadFile}).File(file).Build();
       }(),
       DropReason::kDhcpOptionOverrun},
      {"OverrunInSname",
       Discover().Opt(option::kOverload, {kOverloadSname}).Sname({option::kHostName, 64}).Build(),
       DropReason::kDhcpOptionOverrun},
      {"OverloadLengthTwo", Discover().Opt(option::kOverload, {1, 1}).Build(),
       DropReason::kDhcpBadOverload},
      {"OverloadLengthZero", Discover().Opt(option::kOverload, {}).Build(),
       DropReason::kDhcpBadOverload},
      {"OverloadValueZero", Discover().Opt(option::kOverload, {0}).Build(),
       DropReason::kDhcpBadOverload},
      {"OverloadValueFour", Discover().Opt(option::kOverload, {4}).Build(),
       DropReason::kDhcpBadOverload},
      {"OverloadTwice", Discover().Opt(option::kOverload, {1}).Opt(option::kOverload, {1}).Build(),
       DropReason::kDhcpBadOverload},
      {"OverloadInFile",
       Discover().Opt(option::kOverload, {kOverloadFile}).File({option::kOverload, 1, 2}).Build(),
       DropReason::kDhcpOverloadLoop},
      {"OverloadInSname",
       Discover().Opt(option::kOverload, {kOverloadBoth}).Sname({option::kOverload, 1, 3}).Build(),
       DropReason::kDhcpOverloadLoop},
      {"NoMessageType", Packet().Opt(option::kHostName, Text("h")).Build(),
       DropReason::kDhcpMissingMessageType},
      {"NoOptionsAtAll", Packet().Build(false), DropReason::kDhcpMissingMessageType},
      {"MessageTypeInUnscannedFile", Packet().File({option::kMessageType, 1, 1}).Build(),
       DropReason::kDhcpMissingMessageType},
      {"MessageTypeTwice", Discover().Opt(option::kMessageType, {1}).Build(),
       DropReason::kDhcpDuplicateMessageType},
      {"MessageTypeAgainInFile",
       Discover()
           .Opt(option::kOverload, {kOverloadFile})
           .File({option::kMessageType, 1, 3})
           .Build(),
       DropReason::kDhcpDuplicateMessageType},
      {"MessageTypeLengthTwo", Packet().Opt(option::kMessageType, {1, 1}).Build(),
       DropReason::kDhcpBadOptionLength},
      {"MessageTypeLengthZero", Packet().Opt(option::kMessageType, {}).Build(),
       DropReason::kDhcpBadOptionLength},
      {"TypeOffer", Packet().Opt(option::kMessageType, {2}).Build(),
       DropReason::kDhcpServerMessage},
      {"TypeAck", Packet().Opt(option::kMessageType, {5}).Build(), DropReason::kDhcpServerMessage},
      {"TypeNak", Packet().Opt(option::kMessageType, {6}).Build(), DropReason::kDhcpServerMessage},
      {"TypeZero", Packet().Opt(option::kMessageType, {0}).Build(),
       DropReason::kDhcpUnknownMessageType},
      {"TypeNine", Packet().Opt(option::kMessageType, {9}).Build(),
       DropReason::kDhcpUnknownMessageType},
      {"Type255", Packet().Opt(option::kMessageType, {255}).Build(),
       DropReason::kDhcpUnknownMessageType},
      {"RequestedAddress3", Discover().Opt(option::kRequestedAddress, {1, 2, 3}).Build(),
       DropReason::kDhcpBadOptionLength},
      {"RequestedAddressSplit5",
       Discover()
           .Opt(option::kRequestedAddress, {1, 2})
           .Opt(option::kRequestedAddress, {3, 4, 5})
           .Build(),
       DropReason::kDhcpBadOptionLength},
      {"ServerId5", Discover().Opt(option::kServerId, {1, 2, 3, 4, 5}).Build(),
       DropReason::kDhcpBadOptionLength},
      {"LeaseTime2", Discover().Opt(option::kLeaseTime, {1, 2}).Build(),
       DropReason::kDhcpBadOptionLength},
      {"MaxMessageSize1", Discover().Opt(option::kMaxMessageSize, {5}).Build(),
       DropReason::kDhcpBadOptionLength},
      {"MaxMessageSize4", Discover().Opt(option::kMaxMessageSize, {0, 0, 5, 0xdc}).Build(),
       DropReason::kDhcpBadOptionLength},
      {"SubnetSelection0", Discover().Opt(option::kSubnetSelection, {}).Build(),
       DropReason::kDhcpBadOptionLength},
      {"ClientIdEmpty", Discover().Opt(option::kClientId, {}).Build(),
       DropReason::kDhcpBadClientId},
      {"ClientIdOneByte", Discover().Opt(option::kClientId, {1}).Build(),
       DropReason::kDhcpBadClientId},
      {"RelayInfoOverrun",
       Discover().Opt(option::kRelayAgentInfo, {rai::kCircuitId, 5, 'a'}).Build(),
       DropReason::kDhcpBadRelayAgentInfo},
      {"RelayInfoDanglingCode",
       Discover().Opt(option::kRelayAgentInfo, {rai::kCircuitId, 1, 'a', 2}).Build(),
       DropReason::kDhcpBadRelayAgentInfo},
      {"RelayInfoLinkSelection3",
       Discover().Opt(option::kRelayAgentInfo, {rai::kLinkSelection, 3, 1, 2, 3}).Build(),
       DropReason::kDhcpBadRelayAgentInfo},
      {"TooManyOptions",
       [] {
         Packet p = Discover();
         for (size_t i = 0; i < DhcpMessage::kMaxFragments; ++i) p.Opt(224, {});
         return p.Build();
       }(),
       DropReason::kDhcpTooManyOptions},
  };
}

class MalformedTest : public testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedTest, LandsOnItsNamedReason) {
  const MalformedCase& c = GetParam();
  DhcpMessage m;
  EXPECT_EQ(m.Parse(c.packet), c.want) << "got " << base::DropReasonName(m.Parse(c.packet))
                                       << ", want " << base::DropReasonName(c.want);
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedTest, testing::ValuesIn(MalformedCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(OptionIteratorTest, WalksTlvsSkippingPadAndStoppingAtEnd) {
  const Bytes field = {0, 1, 4, 255, 255, 255, 0, 0, 12, 0, 0, 255, 3, 9};
  OptionIterator it(field);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.code(), 1);
  EXPECT_EQ(ToBytes(it.value()), (Bytes{255, 255, 255, 0}));
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.code(), 12);
  EXPECT_TRUE(it.value().empty());
  EXPECT_FALSE(it.Next());
  EXPECT_FALSE(it.Next());
  EXPECT_EQ(it.error(), DropReason::kNone);
}

TEST(OptionIteratorTest, ReportsOverrunAndStops) {
  const Bytes field = {12, 1, 'a', 15, 3, 'b'};
  OptionIterator it(field);
  ASSERT_TRUE(it.Next());
  EXPECT_FALSE(it.Next());
  EXPECT_EQ(it.error(), DropReason::kDhcpOptionOverrun);
  EXPECT_FALSE(it.Next());
}

TEST(OptionIteratorTest, EmptyAndAllPadFieldsHaveNoOptions) {
  OptionIterator empty{base::ByteSpan()};
  EXPECT_FALSE(empty.Next());
  const Bytes pads(64, 0);
  OptionIterator it(pads);
  EXPECT_FALSE(it.Next());
  EXPECT_EQ(it.error(), DropReason::kNone);
}

}  // namespace
}  // namespace dpdhcp::proto
