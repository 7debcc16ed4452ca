// JSON text -> DOM. Kea config files carry comments and are written by hand,
// so this layer strips comments (keeping every byte offset, so that parse
// errors point at the right line and column), refuses deep nesting before the
// parser sees it, and refuses duplicate keys, which nlohmann would silently
// resolve to the last value.
#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "dpdhcp/config/config.h"
#include "json_reader.h"
#include "text_util.h"

namespace dpdhcp::config::internal {
namespace {

absl::Status PositionError(std::string_view text, size_t offset, std::string_view reason) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::InvalidArgumentError(
      Cat("JSON parse error at line ", line, ", column ", column, ": ", reason));
}

// Copies `text` with comments replaced by spaces (newlines kept) and checks
// the nesting depth of arrays and objects. One pass, no recursion.
absl::StatusOr<std::string> StripCommentsAndCheckDepth(std::string_view text) {
  std::string out(text);
  int depth = 0;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < n && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;  // the escaped character cannot end the string
      }
      ++i;  // the closing quote (an unterminated string is left to the parser)
    } else if (c == '#' || (c == '/' && i + 1 < n && text[i + 1] == '/')) {
      for (; i < n && text[i] != '\n'; ++i) out[i] = ' ';
    } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      const size_t start = i;
      const size_t end = text.find("*/", i + 2);
      if (end == std::string_view::npos) {
        return PositionError(text, start, "unterminated /* comment");
      }
      for (; i < end + 2; ++i) {
        if (out[i] != '\n') out[i] = ' ';
      }
    } else {
      if (c == '[' || c == '{') {
        if (++depth > kMaxJsonDepth) {
          return PositionError(text, i, Cat("nesting deeper than ", kMaxJsonDepth, " levels"));
        }
      } else if (c == ']' || c == '}') {
        --depth;
      }
      ++i;
    }
  }
  return out;
}

// Tracks the JSON path of the value being parsed, from the parser's events,
// to name the first duplicate key.
class DuplicateKeyFinder {
 public:
  bool OnEvent(Json::parse_event_t event, const Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        frames_.push_back(Frame{event == Json::parse_event_t::array_start, NextPath(), {}, {}, 0});
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        break;
      case Json::parse_event_t::key: {
        if (frames_.empty() || !parsed.is_string()) break;
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second && error_.ok()) {
          error_ = PathError(ChildPath(f.path, f.key), "duplicate key");
        }
        break;
      }
      case Json::parse_event_t::value:
        NextPath();  // advances the index of an enclosing array
        break;
    }
    return true;  // keep every value
  }

  const absl::Status& error() const { return error_; }

 private:
  struct Frame {
    bool array;
    std::string path;
    absl::flat_hash_set<std::string> keys;
    std::string key;
    size_t next_index;
  };

  // The path of a value that starts now, inside the innermost open container.
  std::string NextPath() {
    if (frames_.empty()) return "";
    Frame& f = frames_.back();
    if (f.array) return IndexPath(f.path, f.next_index++);
    return ChildPath(f.path, f.key);
  }

  std::vector<Frame> frames_;
  absl::Status error_;
};

}  // namespace

absl::StatusOr<Json> ParseJsonText(std::string_view text) {
  auto clean = StripCommentsAndCheckDepth(text);
  if (!clean.ok()) return clean.status();
  DuplicateKeyFinder finder;
  Json root;
  try {
    root = Json::parse(
        *clean,
        [&finder](int /*depth*/, Json::parse_event_t event, Json& parsed) {
          return finder.OnEvent(event, parsed);
        },
        /*allow_exceptions=*/true);
  } catch (const Json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 2: ..."; keep the part after the exception id.
    std::string_view what = e.what();
    if (const size_t pos = what.find("] "); pos != std::string_view::npos) {
      what.remove_prefix(pos + 2);
    }
    return absl::InvalidArgumentError(Cat("JSON ", what));
  }
  if (!finder.error().ok()) return finder.error();
  return root;
}

}  // namespace dpdhcp::config::internal
