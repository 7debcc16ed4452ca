// Private to the control module: string helpers.
//
// Debian's abseil is built with its own string_view type
// (ABSL_OPTION_USE_STD_STRING_VIEW 0): a std::string_view does not convert to
// absl::string_view, so Cat bridges the two for absl::StrCat.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace dpdhcp::control::internal {

inline absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

template <typename T>
decltype(auto) CatArg(const T& v) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return Absl(v);
  } else {
    return (v);
  }
}

// absl::StrCat that also takes std::string_view.
template <typename... Args>
std::string Cat(const Args&... args) {
  return absl::StrCat(CatArg(args)...);
}

}  // namespace dpdhcp::control::internal
