// Control-channel answers in Kea's shape:
//   {"result": 0, "text": "...", "arguments": {...}}
// with Kea's result codes (Kea ARM, "Management API": 0 success, 1 error,
// 2 unsupported command, 3 empty — the command succeeded but found nothing).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace dpdhcp::control {

using Json = nlohmann::json;

enum class Result : int {
  kSuccess = 0,
  kError = 1,
  kUnsupported = 2,
  kEmpty = 3,
};

struct Answer {
  Result result = Result::kSuccess;
  std::string text;
  // Left out of the answer when null (Kea omits "arguments" when there are none).
  Json arguments;

  bool ok() const { return result == Result::kSuccess; }
  Json ToJson() const;
  // One line of JSON, invalid UTF-8 replaced (never throws on odd strings).
  std::string Serialize() const;
};

Answer Success(std::string text, Json arguments = nullptr);
Answer Error(std::string text);
Answer Empty(std::string text, Json arguments = nullptr);
// OK -> success; NotFound -> empty (3); Unimplemented -> unsupported (2);
// anything else -> error (1) with the status message as text.
Answer FromStatus(const absl::Status& status, std::string success_text = "");

// Client side: the answer in `text`. Errors: not JSON, not a map, "result"
// missing or not an integer 0..3 (any other integer is kept as kError), a
// "text" that is not a string.
absl::StatusOr<Answer> ParseAnswer(std::string_view text);

// Serialises any JSON value without throwing on invalid UTF-8 (replaced by
// U+FFFD). indent < 0: one line.
std::string DumpJson(const Json& value, int indent = -1);

}  // namespace dpdhcp::control
