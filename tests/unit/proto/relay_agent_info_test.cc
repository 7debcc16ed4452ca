#include "dpdhcp/proto/relay_agent_info.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dpdhcp/base/drop_reason.h"

namespace dpdhcp::proto {
namespace {

using base::DropReason;
using Bytes = std::vector<uint8_t>;

Bytes ToBytes(base::ByteSpan s) { return Bytes(s.begin(), s.end()); }
Bytes Text(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(RelayAgentInfoTest, DecodesEverySubOption) {
  // clang-format off
  const Bytes value = {
      rai::kCircuitId, 6, 'o', 'l', 't', '1', '/', '3',       // RFC 3046
      rai::kRemoteId, 6, 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01,  // RFC 3046
      rai::kLinkSelection, 4, 198, 18, 20, 0,                 // RFC 3527
      rai::kSubscriberId, 4, 's', 'u', 'b', '9',              // RFC 3993
      9, 5, 0, 0, 0x0d, 0xe9, 0,                              // vendor-specific: skipped
      rai::kServerIdOverride, 4, 198, 18, 20, 1,              // RFC 5107
      rai::kRelayId, 3, 0, 1, 7,                              // RFC 6925
      rai::kRelaySourcePort, 0,                               // RFC 8357
  };
  // clang-format on
  RelayAgentInfo info;
  ASSERT_EQ(ParseRelayAgentInfo(value, &info), DropReason::kNone);
  EXPECT_EQ(ToBytes(info.circuit_id), Text("olt1/3"));
  EXPECT_EQ(ToBytes(info.remote_id), (Bytes{0x02, 0x00, 0x5e, 0x00, 0x00, 0x01}));
  EXPECT_EQ(info.link_selection, base::Ipv4Address(198, 18, 20, 0));
  EXPECT_EQ(ToBytes(info.subscriber_id), Text("sub9"));
  EXPECT_EQ(info.server_id_override, base::Ipv4Address(198, 18, 20, 1));
  EXPECT_EQ(ToBytes(info.relay_id), (Bytes{0, 1, 7}));
  EXPECT_TRUE(info.relay_port);
  // Spans point into the value, not into a copy.
  EXPECT_EQ(info.circuit_id.data(), value.data() + 2);
}

TEST(RelayAgentInfoTest, EmptyValueHasNoSubOptions) {
  RelayAgentInfo info;
  info.relay_port = true;  // reset by the parser
  ASSERT_EQ(ParseRelayAgentInfo({}, &info), DropReason::kNone);
  EXPECT_TRUE(info.circuit_id.empty());
  EXPECT_TRUE(info.remote_id.empty());
  EXPECT_TRUE(info.subscriber_id.empty());
  EXPECT_TRUE(info.relay_id.empty());
  EXPECT_FALSE(info.link_selection);
  EXPECT_FALSE(info.server_id_override);
  EXPECT_FALSE(info.relay_port);
}

TEST(RelayAgentInfoTest, FirstInstanceWinsAndEmptyReadsAsAbsent) {
  const Bytes value = {
      rai::kCircuitId,     0,                // empty: identifies nothing
      rai::kCircuitId,     1, 'a',           // the first real one counts
      rai::kCircuitId,     1, 'b',           //
      rai::kLinkSelection, 4, 10,  0, 0, 0,  //
      rai::kLinkSelection, 4, 10,  1, 0, 0,  //
  };
  RelayAgentInfo info;
  ASSERT_EQ(ParseRelayAgentInfo(value, &info), DropReason::kNone);
  EXPECT_EQ(ToBytes(info.circuit_id), Text("a"));
  EXPECT_EQ(info.link_selection, base::Ipv4Address(10, 0, 0, 0));
}

TEST(RelayAgentInfoTest, UnknownSubOptionsOfAnyLengthAreSkipped) {
  Bytes value = {200, 255};
  value.resize(2 + 255, 0xaa);
  value.insert(value.end(), {rai::kRemoteId, 1, 'r', 0, 0});  // code 0 is not a pad here
  RelayAgentInfo info;
  ASSERT_EQ(ParseRelayAgentInfo(value, &info), DropReason::kNone);
  EXPECT_EQ(ToBytes(info.remote_id), Text("r"));
}

struct BadCase {
  const char* name;
  Bytes value;
};

class RelayAgentInfoBadTest : public testing::TestWithParam<BadCase> {};

TEST_P(RelayAgentInfoBadTest, IsRejected) {
  RelayAgentInfo info;
  EXPECT_EQ(ParseRelayAgentInfo(GetParam().value, &info), DropReason::kDhcpBadRelayAgentInfo);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RelayAgentInfoBadTest,
    testing::Values(BadCase{"LoneCode", {rai::kCircuitId}},
                    BadCase{"ValueOverruns", {rai::kCircuitId, 5, 'a', 'b'}},
                    BadCase{"SecondOverruns", {rai::kCircuitId, 1, 'a', rai::kRemoteId, 2, 'r'}},
                    BadCase{"TrailingByte", {rai::kRemoteId, 1, 'r', 7}},
                    BadCase{"LinkSelectionShort", {rai::kLinkSelection, 3, 1, 2, 3}},
                    BadCase{"LinkSelectionLong", {rai::kLinkSelection, 5, 1, 2, 3, 4, 5}},
                    BadCase{"ServerIdOverrideShort", {rai::kServerIdOverride, 0}},
                    BadCase{"RelayPortWithValue", {rai::kRelaySourcePort, 2, 0x10, 0x00}},
                    BadCase{"UnknownOverruns", {150, 3, 0}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace dpdhcp::proto
