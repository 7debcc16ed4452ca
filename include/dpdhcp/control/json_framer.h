// Finds where a JSON object that arrives in pieces ends, without parsing it.
//
// The control socket reads one request per connection, as Kea does, until the
// JSON object is complete; this scanner tells when that is (braces and
// brackets counted outside strings) and refuses nesting deeper than a limit
// before a recursive parser ever sees the text (a megabyte of '[' would
// otherwise exhaust the parser's stack).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dpdhcp::control {

// Nesting deeper than this is refused (requests nest 4 levels; a config-set
// carries a whole config, about 8, plus user-context).
inline constexpr int kMaxRequestDepth = 64;

class JsonFramer {
 public:
  enum class State { kNeedMore, kComplete, kError };

  explicit JsonFramer(int max_depth = kMaxRequestDepth) : max_depth_(max_depth) {}

  // Scans the next bytes of the stream. Once kComplete or kError, later calls
  // change nothing. The first non-blank character must open an object.
  State Feed(std::string_view bytes);

  State state() const { return state_; }
  // With kComplete: stream offset just past the object's closing brace.
  size_t end() const { return end_; }
  // With kError: why ("request must be a JSON map", "nested deeper than 64
  // levels").
  const std::string& error() const { return error_; }

 private:
  const int max_depth_;
  State state_ = State::kNeedMore;
  size_t offset_ = 0;  // bytes scanned so far
  size_t end_ = 0;
  int depth_ = 0;
  bool started_ = false, in_string_ = false, escape_ = false;
  std::string error_;
};

// Kea config files carry '#', '//' and '/* */' comments (config::ParseConfig
// accepts them); a plain JSON parser does not. Returns `text` without them
// (strings untouched). config-get and `dpdhcpctl reload --config` use it.
std::string StripJsonComments(std::string_view text);

}  // namespace dpdhcp::control
