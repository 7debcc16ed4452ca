// Typed access to a command's "arguments" map, with operator-readable errors
// that name the command and the key ("lease4-get: \"ip-address\" must be a
// string"). Private to the control module.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dpdhcp/base/ipv4_address.h"
#include "dpdhcp/control/answer.h"

namespace dpdhcp::control::internal {

class Arguments {
 public:
  // `arguments` is null or a map (the envelope was checked). required: a null
  // `arguments` is an error. Keys outside `allowed` are errors.
  static absl::StatusOr<Arguments> Open(std::string_view command, const Json& arguments,
                                        std::initializer_list<std::string_view> allowed,
                                        bool required);

  bool Has(std::string_view key) const;
  const Json* Get(std::string_view key) const;

  absl::StatusOr<std::optional<std::string>> OptionalString(std::string_view key) const;
  absl::StatusOr<std::string> RequiredString(std::string_view key) const;
  // An integer in [min, max].
  absl::StatusOr<std::optional<uint64_t>> OptionalUint(std::string_view key, uint64_t min,
                                                       uint64_t max) const;
  absl::StatusOr<uint64_t> RequiredUint(std::string_view key, uint64_t min, uint64_t max) const;
  absl::StatusOr<std::optional<bool>> OptionalBool(std::string_view key) const;
  absl::StatusOr<bool> RequiredBool(std::string_view key) const;
  // A dotted-quad string.
  absl::StatusOr<std::optional<base::Ipv4Address>> OptionalAddress(std::string_view key) const;
  absl::StatusOr<base::Ipv4Address> RequiredAddress(std::string_view key) const;
  // Hex bytes ("01:aa:bb", "01aabb", "01-aa-bb"), between min and max of them.
  absl::StatusOr<std::optional<std::string>> OptionalHex(std::string_view key, size_t min,
                                                         size_t max) const;
  absl::StatusOr<std::string> RequiredHex(std::string_view key, size_t min, size_t max) const;
  // A list of integers in [min, max].
  absl::StatusOr<std::optional<std::vector<uint64_t>>> OptionalUintList(std::string_view key,
                                                                        uint64_t min,
                                                                        uint64_t max) const;
  // Only checks the type (map).
  absl::Status CheckMap(std::string_view key) const;

  absl::Status Error(std::string_view message) const;
  absl::Status KeyError(std::string_view key, std::string_view message) const;
  absl::Status Missing(std::string_view key) const;

 private:
  Arguments(std::string_view command, const Json* arguments)
      : command_(command), arguments_(arguments) {}

  std::string command_;
  const Json* arguments_;  // nullptr when the request had none
};

}  // namespace dpdhcp::control::internal

// Evaluates a StatusOr expression; on error returns an error Answer with its
// message from the enclosing handler.
#define DPDHCP_CONTROL_CONCAT_INNER(a, b) a##b
#define DPDHCP_CONTROL_CONCAT(a, b) DPDHCP_CONTROL_CONCAT_INNER(a, b)
#define DPDHCP_CONTROL_ASSIGN_OR_ANSWER(lhs, expr) \
  DPDHCP_CONTROL_ASSIGN_OR_ANSWER_IMPL(DPDHCP_CONTROL_CONCAT(control_or_, __LINE__), lhs, expr)
#define DPDHCP_CONTROL_ASSIGN_OR_ANSWER_IMPL(tmp, lhs, expr)                 \
  auto tmp = (expr);                                                         \
  if (!tmp.ok()) return ::dpdhcp::control::Error(std::string(tmp.status().message())); \
  lhs = std::move(*tmp)
#define DPDHCP_CONTROL_RETURN_IF_ERROR(expr)                                              \
  do {                                                                                    \
    const absl::Status control_status_ = (expr);                                          \
    if (!control_status_.ok()) return ::dpdhcp::control::Error(std::string(control_status_.message())); \
  } while (0)
