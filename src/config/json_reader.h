// Private to the config module: JSON text -> DOM, and a typed reader for one
// JSON object whose every error names the JSON path of the offending value.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Slow-path status plumbing for this module's parsers.
#define DPDHCP_CONFIG_RETURN_IF_ERROR(expr)              \
  do {                                                   \
    if (::absl::Status s_ = (expr); !s_.ok()) return s_; \
  } while (0)

namespace dpdhcp::config::internal {

// Ordered, so that keys are visited in the operator's order and the first
// wrong key in the file is the one reported.
using Json = nlohmann::ordered_json;

// Parses JSON text as Kea reads it: C ("//", "/* */") and shell ("#")
// comments are allowed; nesting deeper than kMaxJsonDepth and duplicate keys
// in an object are errors. Errors carry the line and column (syntax) or the
// JSON path (duplicate key).
absl::StatusOr<Json> ParseJsonText(std::string_view text);

// "Dhcp4" + "subnet4" -> "Dhcp4.subnet4"; "Dhcp4.subnet4" + 2 -> "Dhcp4.subnet4[2]".
std::string ChildPath(std::string_view parent, std::string_view key);
std::string IndexPath(std::string_view parent, size_t index);
// InvalidArgument "<path>: <reason>" ("(root)" for the empty path).
absl::Status PathError(std::string_view path, std::string_view reason);

// "an object", "a string", ... for error messages.
std::string_view JsonTypeName(const Json& value);

// One JSON object: the keys it may have, and typed getters. "comment" and
// "user-context" are accepted and ignored in every object (Kea's metadata).
class ObjectReader {
 public:
  // Fails if `value` is not an object or has a key outside `allowed`.
  static absl::StatusOr<ObjectReader> Open(const Json& value, std::string path,
                                           std::initializer_list<std::string_view> allowed);

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return ChildPath(path_, key); }
  const Json* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }

  // Each getter leaves *out empty (or nullptr) when the key is absent and
  // fails when it is present with the wrong type or out of range.
  absl::Status GetUint32(std::string_view key, uint32_t min, uint32_t max,
                         std::optional<uint32_t>* out) const;
  absl::Status GetBool(std::string_view key, std::optional<bool>* out) const;
  absl::Status GetString(std::string_view key, std::optional<std::string>* out) const;
  absl::Status GetArray(std::string_view key, const Json** out) const;
  absl::Status GetObject(std::string_view key, const Json** out) const;

  // As above, but a missing key is an error.
  absl::Status RequireUint32(std::string_view key, uint32_t min, uint32_t max, uint32_t* out) const;
  absl::Status RequireString(std::string_view key, std::string* out) const;

  absl::Status Missing(std::string_view key) const;

 private:
  ObjectReader(const Json* object, std::string path) : object_(object), path_(std::move(path)) {}
  const Json* object_;
  std::string path_;
};

}  // namespace dpdhcp::config::internal
