// Option encodings, golden-checked byte by byte.
#include "dpdhcp/config/option_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dpdhcp::config {
namespace {

using proto::OptionFormat;
using F = OptionFormat;
using Bytes = std::vector<uint8_t>;

struct EncodeCase {
  std::string name;
  OptionFormat format;
  std::string text;
  Bytes want;
};

class EncodeTest : public testing::TestWithParam<EncodeCase> {};

TEST_P(EncodeTest, Golden) {
  const EncodeCase& c = GetParam();
  const auto bytes = EncodeOptionText(c.format, c.text);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, c.want);
}

Bytes Text(std::string_view s) { return {s.begin(), s.end()}; }

INSTANTIATE_TEST_SUITE_P(
    Formats, EncodeTest,
    testing::Values(
        EncodeCase{"RoutersList",
                   F::kIpv4AddressList,
                   "198.18.0.1, 198.18.0.2",
                   {0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02}},
        EncodeCase{"RoutersNoSpaces",
                   F::kIpv4AddressList,
                   "198.18.0.1,10.0.0.255",
                   {0xc6, 0x12, 0x00, 0x01, 0x0a, 0x00, 0x00, 0xff}},
        EncodeCase{"OneAddress", F::kIpv4Address, " 255.255.255.0 ", {0xff, 0xff, 0xff, 0x00}},
        EncodeCase{"AddressPairs",
                   F::kIpv4AddressPairs,
                   "10.0.0.0, 198.18.0.1",
                   {0x0a, 0, 0, 0, 0xc6, 0x12, 0x00, 0x01}},
        EncodeCase{"MtuUint16", F::kUint16, "1500", {0x05, 0xdc}},
        EncodeCase{"MtuUint16Hex", F::kUint16, "0x5dc", {0x05, 0xdc}},
        EncodeCase{"Uint16Max", F::kUint16, "65535", {0xff, 0xff}},
        EncodeCase{"Uint8", F::kUint8, "64", {0x40}},
        EncodeCase{"Uint32", F::kUint32, "3600", {0x00, 0x00, 0x0e, 0x10}},
        EncodeCase{"Uint32Max", F::kUint32, "4294967295", {0xff, 0xff, 0xff, 0xff}},
        EncodeCase{"Int32Negative", F::kInt32, "-3600", {0xff, 0xff, 0xf1, 0xf0}},
        EncodeCase{"Int32Positive", F::kInt32, "3600", {0x00, 0x00, 0x0e, 0x10}},
        EncodeCase{"BooleanTrue", F::kBoolean, "true", {0x01}},
        EncodeCase{"BooleanFalse", F::kBoolean, "false", {0x00}},
        EncodeCase{"BooleanDigit", F::kBoolean, "1", {0x01}},
        EncodeCase{"String", F::kString, "lab.example", Text("lab.example")},
        EncodeCase{"StringKeepsCommas", F::kString, "a, b", Text("a, b")},
        EncodeCase{"Uint8List", F::kUint8List, "1, 3, 6", {0x01, 0x03, 0x06}},
        EncodeCase{"Uint16List", F::kUint16List, "576,1500", {0x02, 0x40, 0x05, 0xdc}},
        EncodeCase{
            "HexColons", F::kBinary, "01:04:c6:12:00:01", {0x01, 0x04, 0xc6, 0x12, 0x00, 0x01}},
        EncodeCase{"HexPlain", F::kBinary, "0104C6120001", {0x01, 0x04, 0xc6, 0x12, 0x00, 0x01}},
        EncodeCase{"Hex0x", F::kBinary, "0x0104", {0x01, 0x04}},
        EncodeCase{"HexShortGroups", F::kBinary, "1:4:c6", {0x01, 0x04, 0xc6}},
        EncodeCase{"HexSpaces", F::kBinary, "01 04 c6", {0x01, 0x04, 0xc6}},
        EncodeCase{"HexDashes", F::kBinary, "01-04-c6", {0x01, 0x04, 0xc6}},
        EncodeCase{"HexOddLeadingZero", F::kBinary, "abc", {0x0a, 0xbc}},
        EncodeCase{"HexEmpty", F::kBinary, "", {}}, EncodeCase{"Empty", F::kEmpty, "", {}},
        // RFC 3442 §3: width, significant destination octets, router.
        EncodeCase{"RouteSlash21",
                   F::kClasslessRoutes,
                   "198.18.8.0/21 - 198.18.0.254",
                   {21, 0xc6, 0x12, 0x08, 0xc6, 0x12, 0x00, 0xfe}},
        EncodeCase{"RouteDefault",
                   F::kClasslessRoutes,
                   "0.0.0.0/0 - 198.18.0.1",
                   {0, 0xc6, 0x12, 0x00, 0x01}},
        EncodeCase{"RouteHost",
                   F::kClasslessRoutes,
                   "198.18.0.7/32 - 198.18.0.1",
                   {32, 0xc6, 0x12, 0x00, 0x07, 0xc6, 0x12, 0x00, 0x01}},
        EncodeCase{"RouteSlash25",
                   F::kClasslessRoutes,
                   "198.18.0.128/25 - 198.18.0.1",
                   {25, 0xc6, 0x12, 0x00, 0x80, 0xc6, 0x12, 0x00, 0x01}},
        EncodeCase{"RouteSlash8NoSpaces",
                   F::kClasslessRoutes,
                   "10.0.0.0/8-10.0.0.1",
                   {8, 0x0a, 0x0a, 0x00, 0x00, 0x01}},
        EncodeCase{"RoutesSeveral",
                   F::kClasslessRoutes,
                   "198.18.8.0/21 - 198.18.0.254, 0.0.0.0/0 - 198.18.0.1",
                   {21, 0xc6, 0x12, 0x08, 0xc6, 0x12, 0x00, 0xfe, 0, 0xc6, 0x12, 0x00, 0x01}},
        // RFC 1035 §3.1 labels; RFC 3397 list of names.
        EncodeCase{"DomainSearch",
                   F::kFqdnList,
                   "example.com, lab.example.",
                   {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,   'c', 'o', 'm', 0,
                    3, 'l', 'a', 'b', 7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}},
        EncodeCase{"DomainSearchOneLabel", F::kFqdnList, "lab", {3, 'l', 'a', 'b', 0}}),
    [](const auto& info) { return info.param.name; });

struct RejectCase {
  std::string name;
  OptionFormat format;
  std::string text;
  std::string error;
};

class RejectTest : public testing::TestWithParam<RejectCase> {};

TEST_P(RejectTest, SaysWhy) {
  const RejectCase& c = GetParam();
  const auto bytes = EncodeOptionText(c.format, c.text);
  ASSERT_FALSE(bytes.ok());
  EXPECT_THAT(std::string(bytes.status().message()), testing::HasSubstr(c.error));
}

std::string Addresses(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? ", 10.0.0." : "10.0.0.") + std::to_string(i % 250 + 1);
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Formats, RejectTest,
    testing::Values(
        RejectCase{"AddressShort", F::kIpv4Address, "1.2.3", "\"1.2.3\" is not an IPv4 address"},
        RejectCase{"ListEmptyElement", F::kIpv4AddressList, "1.2.3.4,,5.6.7.8", "empty element"},
        RejectCase{"ListEmpty", F::kIpv4AddressList, " ", "the list is empty"},
        RejectCase{"PairsOdd", F::kIpv4AddressPairs, "1.2.3.4, 5.6.7.8, 9.9.9.9",
                   "expected address pairs, got 3 addresses"},
        RejectCase{"Uint16TooBig", F::kUint16, "65536", "65536 is out of range 0..65535"},
        RejectCase{"Uint8Negative", F::kUint8, "-1", "\"-1\" is not an unsigned integer"},
        RejectCase{"Uint32Text", F::kUint32, "hour", "\"hour\" is not an unsigned integer"},
        RejectCase{"Int32Overflow", F::kInt32, "2147483648", "is not a 32-bit signed integer"},
        RejectCase{"Boolean", F::kBoolean, "maybe", "\"maybe\" is not a boolean"},
        RejectCase{"StringEmpty", F::kString, "", "at least one character"},
        RejectCase{"HexBadDigit", F::kBinary, "0g", "\"0g\" is not valid hex"},
        RejectCase{"HexDoubleSeparator", F::kBinary, "01::02", "is not valid hex"},
        RejectCase{"HexLongGroup", F::kBinary, "010:02", "is not valid hex"},
        RejectCase{"EmptyWithData", F::kEmpty, "01", "carries no data"},
        RejectCase{"RouteHostBits", F::kClasslessRoutes, "198.18.0.1/24 - 198.18.0.1",
                   "\"198.18.0.1/24\" is not a destination prefix"},
        RejectCase{"RouteNoRouter", F::kClasslessRoutes, "198.18.0.0/24",
                   "\"198.18.0.0/24\" is not \"prefix - router\""},
        RejectCase{"RouteBadRouter", F::kClasslessRoutes, "198.18.0.0/24 - 198.18.0",
                   "\"198.18.0\" is not an IPv4 address"},
        RejectCase{"DomainEmptyLabel", F::kFqdnList, "a..b", "labels must be 1 to 63"},
        RejectCase{"DomainLongLabel", F::kFqdnList, std::string(64, 'a') + ".com",
                   "labels must be 1 to 63"},
        RejectCase{"DomainSpace", F::kFqdnList, "bad name.com", "character ' ' is not allowed"},
        RejectCase{"DomainRootOnly", F::kFqdnList, ".", "is not a domain name"},
        RejectCase{"TooLong", F::kIpv4AddressList, Addresses(64),
                   "the value is 256 bytes, more than the 255"}),
    [](const auto& info) { return info.param.name; });

TEST(EncodeTest, LongestListFits) {
  const auto bytes = EncodeOptionText(F::kIpv4AddressList, Addresses(63));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 252u);
}

TEST(OptionSetTest, FindReturnsTheEntryForTheCode) {
  OptionSet set;
  set.options.push_back(OptionData{3, {1, 2, 3, 4}, false});
  set.options.push_back(OptionData{15, {'a'}, true});
  ASSERT_NE(set.Find(15), nullptr);
  EXPECT_TRUE(set.Find(15)->always_send);
  EXPECT_EQ(set.Find(3)->data.size(), 4u);
  EXPECT_EQ(set.Find(6), nullptr);
}

TEST(ParseHexTest, Forms) {
  EXPECT_EQ(ParseHex("02:00:00:00:00:10"), (Bytes{2, 0, 0, 0, 0, 0x10}));
  EXPECT_EQ(ParseHex("0x1"), (Bytes{1}));
  EXPECT_EQ(ParseHex(""), Bytes{});
  EXPECT_FALSE(ParseHex("01:").has_value());
  EXPECT_FALSE(ParseHex(":01").has_value());
  EXPECT_FALSE(ParseHex("01:02-03").has_value());
  EXPECT_EQ(ParseHex("0x"), Bytes{});
}

}  // namespace
}  // namespace dpdhcp::config
