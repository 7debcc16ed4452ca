#include "arguments.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "text.h"
#include "absl/strings/str_join.h"
#include "dpdhcp/base/mac_address.h"

namespace dpdhcp::control::internal {
namespace {

std::string TypeName(const Json& v) {
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a map";
  return "null";
}

// A JSON integer in [min, max]; floats, negatives and booleans are not.
std::optional<uint64_t> AsUint(const Json& v, uint64_t min, uint64_t max) {
  if (!v.is_number_integer()) return std::nullopt;
  uint64_t u;
  if (v.is_number_unsigned()) {
    u = v.get<uint64_t>();
  } else {
    const int64_t s = v.get<int64_t>();
    if (s < 0) return std::nullopt;
    u = static_cast<uint64_t>(s);
  }
  if (u < min || u > max) return std::nullopt;
  return u;
}

std::string QuotedList(std::initializer_list<std::string_view> keys) {
  std::string out;
  for (std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += Cat("\"", k, "\"");
  }
  return out;
}

}  // namespace

absl::StatusOr<Arguments> Arguments::Open(std::string_view command, const Json& arguments,
                                          std::initializer_list<std::string_view> allowed,
                                          bool required) {
  Arguments a(command, arguments.is_null() ? nullptr : &arguments);
  if (a.arguments_ == nullptr) {
    if (required) return a.Error("missing \"arguments\" map");
    return a;
  }
  if (!arguments.is_object()) return a.Error("\"arguments\" must be a map");
  for (const auto& [key, value] : arguments.items()) {
    bool known = false;
    for (std::string_view k : allowed) known = known || k == key;
    if (!known) {
      if (allowed.size() == 0) return a.Error(Cat("takes no arguments (got \"", key, "\")"));
      return a.Error(Cat("unknown argument \"", key, "\" (expected ",
                                  QuotedList(allowed),
                                  ")"));
    }
  }
  return a;
}

bool Arguments::Has(std::string_view key) const { return Get(key) != nullptr; }

const Json* Arguments::Get(std::string_view key) const {
  if (arguments_ == nullptr) return nullptr;
  const auto it = arguments_->find(key);
  return it == arguments_->end() ? nullptr : &*it;
}

absl::Status Arguments::Error(std::string_view message) const {
  return absl::InvalidArgumentError(Cat(command_, ": ", message));
}

absl::Status Arguments::KeyError(std::string_view key, std::string_view message) const {
  return Error(Cat("\"", key, "\" ", message));
}

absl::Status Arguments::Missing(std::string_view key) const {
  return Error(Cat("missing \"", key, "\" argument"));
}

absl::StatusOr<std::optional<std::string>> Arguments::OptionalString(std::string_view key) const {
  const Json* v = Get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) return KeyError(key, Cat("must be a string, not ", TypeName(*v)));
  return v->get<std::string>();
}

absl::StatusOr<std::string> Arguments::RequiredString(std::string_view key) const {
  auto s = OptionalString(key);
  if (!s.ok()) return s.status();
  if (!s->has_value()) return Missing(key);
  return std::move(**s);
}

absl::StatusOr<std::optional<uint64_t>> Arguments::OptionalUint(std::string_view key, uint64_t min,
                                                                uint64_t max) const {
  const Json* v = Get(key);
  if (v == nullptr) return std::nullopt;
  const auto u = AsUint(*v, min, max);
  if (!u) return KeyError(key, Cat("must be an integer from ", min, " to ", max));
  return u;
}

absl::StatusOr<uint64_t> Arguments::RequiredUint(std::string_view key, uint64_t min,
                                                 uint64_t max) const {
  auto u = OptionalUint(key, min, max);
  if (!u.ok()) return u.status();
  if (!u->has_value()) return Missing(key);
  return **u;
}

absl::StatusOr<std::optional<bool>> Arguments::OptionalBool(std::string_view key) const {
  const Json* v = Get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) return KeyError(key, Cat("must be true or false, not ", TypeName(*v)));
  return v->get<bool>();
}

absl::StatusOr<bool> Arguments::RequiredBool(std::string_view key) const {
  auto b = OptionalBool(key);
  if (!b.ok()) return b.status();
  if (!b->has_value()) return Missing(key);
  return **b;
}

absl::StatusOr<std::optional<base::Ipv4Address>> Arguments::OptionalAddress(
    std::string_view key) const {
  auto s = OptionalString(key);
  if (!s.ok()) return s.status();
  if (!s->has_value()) return std::nullopt;
  const auto a = base::Ipv4Address::Parse(**s);
  if (!a) return KeyError(key, Cat("\"", **s, "\" is not an IPv4 address"));
  return a;
}

absl::StatusOr<base::Ipv4Address> Arguments::RequiredAddress(std::string_view key) const {
  auto a = OptionalAddress(key);
  if (!a.ok()) return a.status();
  if (!a->has_value()) return Missing(key);
  return **a;
}

absl::StatusOr<std::optional<std::string>> Arguments::OptionalHex(std::string_view key, size_t min,
                                                                  size_t max) const {
  auto s = OptionalString(key);
  if (!s.ok()) return s.status();
  if (!s->has_value()) return std::nullopt;
  auto bytes = base::ParseHexBytes(**s);
  if (!bytes) return KeyError(key, Cat("\"", **s, "\" is not hex bytes (like 01:aa:bb)"));
  if (bytes->size() < min || bytes->size() > max) {
    return KeyError(key, Cat("must have ", min, " to ", max, " bytes, not ", bytes->size()));
  }
  return std::move(*bytes);
}

absl::StatusOr<std::string> Arguments::RequiredHex(std::string_view key, size_t min,
                                                   size_t max) const {
  auto h = OptionalHex(key, min, max);
  if (!h.ok()) return h.status();
  if (!h->has_value()) return Missing(key);
  return std::move(**h);
}

absl::StatusOr<std::optional<std::vector<uint64_t>>> Arguments::OptionalUintList(
    std::string_view key, uint64_t min, uint64_t max) const {
  const Json* v = Get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) return KeyError(key, Cat("must be a list, not ", TypeName(*v)));
  std::vector<uint64_t> out;
  for (const Json& e : *v) {
    const auto u = AsUint(e, min, max);
    if (!u) return KeyError(key, Cat("must hold integers from ", min, " to ", max));
    out.push_back(*u);
  }
  return out;
}

absl::Status Arguments::CheckMap(std::string_view key) const {
  const Json* v = Get(key);
  if (v != nullptr && !v->is_object()) {
    return KeyError(key, Cat("must be a map, not ", TypeName(*v)));
  }
  return absl::OkStatus();
}

}  // namespace dpdhcp::control::internal
