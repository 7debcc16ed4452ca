#include "dpdhcp/runtime/eal_args.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace dpdhcp::runtime {

std::vector<std::string> ParseEalProfile(std::string_view text) {
  // (Debian's abseil has its own string_view, so no absl::StrSplit here.)
  std::vector<std::string> args;
  std::string word;
  bool comment = false;
  for (const char c : text) {
    if (c == '\n') comment = false;
    if (comment) continue;
    if (c == '#') comment = true;
    if (c == '#' || absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (!word.empty()) args.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) args.push_back(std::move(word));
  return args;
}

absl::StatusOr<std::vector<std::string>> ReadEalProfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the EAL profile"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ParseEalProfile(text.str());
}

bool HasEalOption(std::span<const std::string> args, std::string_view option) {
  for (const std::string& a : args) {
    if (a == option) return true;
    if (a.size() > option.size() && a.compare(0, option.size(), option) == 0 &&
        a[option.size()] == '=') {
      return true;
    }
  }
  return false;
}

std::vector<std::string> AssembleEalArgs(std::string_view program,
                                         std::span<const std::string> profile,
                                         std::span<const std::string> extra,
                                         std::string_view default_file_prefix) {
  std::vector<std::string> args;
  args.emplace_back(program);
  args.insert(args.end(), profile.begin(), profile.end());
  args.insert(args.end(), extra.begin(), extra.end());
  if (!HasEalOption(args, "--file-prefix")) {
    args.emplace_back("--file-prefix");
    args.emplace_back(default_file_prefix);
  }
  return args;
}

std::string_view DeviceNameOf(std::string_view devargs) {
  return devargs.substr(0, devargs.find(','));
}

}  // namespace dpdhcp::runtime
