#include "dpdhcp/control/json_framer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "text.h"

namespace dpdhcp::control {

using internal::Cat;

JsonFramer::State JsonFramer::Feed(std::string_view bytes) {
  if (state_ != State::kNeedMore) return state_;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (in_string_) {
      // Only '"' and '\' matter inside a string; an escape hides the next
      // character whatever it is ("\"" and "\\").
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (!started_) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      if (c != '{') {
        error_ = "request must be a JSON map";
        return state_ = State::kError;
      }
      started_ = true;
    }
    switch (c) {
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        if (++depth_ > max_depth_) {
          error_ = Cat("request nests deeper than ", max_depth_, " levels");
          return state_ = State::kError;
        }
        break;
      case '}':
      case ']':
        // Brackets are not matched by kind: "{]" ends the object here and
        // the parser then reports the mismatch.
        if (--depth_ == 0) {
          end_ = offset_ + i + 1;
          offset_ += i + 1;
          return state_ = State::kComplete;
        }
        break;
      default:
        break;
    }
  }
  offset_ += bytes.size();
  return state_;
}

std::string StripJsonComments(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {
      const size_t start = i;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      i = std::min(i + 1, text.size());
      out.append(text.substr(start, i - start));
    } else if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
      out.push_back(' ');
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace dpdhcp::control
