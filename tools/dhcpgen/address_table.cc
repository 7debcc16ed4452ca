#include "address_table.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"

namespace dpdhcp::dhcpgen {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

absl::StatusOr<AddressRange> ParseAddressRange(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool \"", std::string(text), "\": want FIRST-LAST (two IPv4 addresses)"));
  }
  const auto first = base::Ipv4Address::Parse(Trim(text.substr(0, dash)));
  const auto last = base::Ipv4Address::Parse(Trim(text.substr(dash + 1)));
  if (!first || !last) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool \"", std::string(text), "\": not two IPv4 addresses"));
  }
  if (*first > *last) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool \"", std::string(text), "\": first address above the last"));
  }
  return AddressRange{*first, *last};
}

absl::StatusOr<AddressTable> AddressTable::Create(std::vector<AddressRange> ranges) {
  if (ranges.empty()) {
    return absl::InvalidArgumentError(
        "at least one --pool FIRST-LAST is needed: every offered address is checked against it");
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const AddressRange& a, const AddressRange& b) { return a.first < b.first; });
  AddressTable t;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].first > ranges[i].last) {
      return absl::InvalidArgumentError(absl::StrCat("pool ", ranges[i].first.ToString(), "-",
                                                     ranges[i].last.ToString(),
                                                     ": first address above the last"));
    }
    if (i > 0 && ranges[i].first <= ranges[i - 1].last) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pools ", ranges[i - 1].first.ToString(), "-", ranges[i - 1].last.ToString(), " and ",
          ranges[i].first.ToString(), "-", ranges[i].last.ToString(), " overlap"));
    }
    t.offsets_.push_back(t.capacity_);
    t.capacity_ += ranges[i].size();
  }
  if (t.capacity_ > kMaxAddresses) {
    return absl::InvalidArgumentError(absl::StrCat("pools hold ", t.capacity_,
                                                   " addresses; at most ", kMaxAddresses));
  }
  t.ranges_ = std::move(ranges);
  t.owners_ = std::make_unique<uint32_t[]>(t.capacity_);  // value-initialised: all free
  return t;
}

}  // namespace dpdhcp::dhcpgen
