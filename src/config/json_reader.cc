#include "json_reader.h"

#include "text_util.h"

namespace dpdhcp::config::internal {

std::string ChildPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return Cat(parent, ".", key);
}

std::string IndexPath(std::string_view parent, size_t index) {
  return Cat(parent, "[", index, "]");
}

absl::Status PathError(std::string_view path, std::string_view reason) {
  return absl::InvalidArgumentError(Cat(path.empty() ? "(root)" : path, ": ", reason));
}

std::string_view JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a floating-point number";
    case Json::value_t::null:
      return "null";
    default:
      return "a binary value";
  }
}

absl::StatusOr<ObjectReader> ObjectReader::Open(const Json& value, std::string path,
                                                std::initializer_list<std::string_view> allowed) {
  if (!value.is_object()) {
    return PathError(path, Cat("expected an object, got ", JsonTypeName(value)));
  }
  for (const auto& [key, unused] : value.items()) {
    if (key == "comment" || key == "user-context") continue;
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string expected;
      for (std::string_view a : allowed) expected += Cat(expected.empty() ? "" : ", ", a);
      return PathError(ChildPath(path, key), Cat("unknown key; expected one of: ", expected));
    }
  }
  return ObjectReader(&value, std::move(path));
}

const Json* ObjectReader::Find(std::string_view key) const {
  const auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

absl::Status ObjectReader::Missing(std::string_view key) const {
  return PathError(path_, Cat("\"", key, "\" is required"));
}

absl::Status ObjectReader::GetUint32(std::string_view key, uint32_t min, uint32_t max,
                                     std::optional<uint32_t>* out) const {
  out->reset();
  const Json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  bool in_range = false;
  uint64_t u = 0;
  if (v->is_number_unsigned()) {
    u = v->get<uint64_t>();
    in_range = u >= min && u <= max;
  } else if (v->is_number_integer()) {
    const int64_t i = v->get<int64_t>();
    in_range = i >= 0 && static_cast<uint64_t>(i) >= min && static_cast<uint64_t>(i) <= max;
    u = static_cast<uint64_t>(i);
  } else {
    return PathError(PathOf(key), Cat("expected an integer, got ", JsonTypeName(*v)));
  }
  if (!in_range) {
    return PathError(PathOf(key), Cat(v->dump(), " is out of range ", min, "..", max));
  }
  *out = static_cast<uint32_t>(u);
  return absl::OkStatus();
}

absl::Status ObjectReader::GetBool(std::string_view key, std::optional<bool>* out) const {
  out->reset();
  const Json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_boolean()) {
    return PathError(PathOf(key), Cat("expected true or false, got ", JsonTypeName(*v)));
  }
  *out = v->get<bool>();
  return absl::OkStatus();
}

absl::Status ObjectReader::GetString(std::string_view key, std::optional<std::string>* out) const {
  out->reset();
  const Json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string()) {
    return PathError(PathOf(key), Cat("expected a string, got ", JsonTypeName(*v)));
  }
  *out = v->get<std::string>();
  return absl::OkStatus();
}

absl::Status ObjectReader::GetArray(std::string_view key, const Json** out) const {
  *out = Find(key);
  if (*out != nullptr && !(*out)->is_array()) {
    const Json* v = *out;
    *out = nullptr;
    return PathError(PathOf(key), Cat("expected an array, got ", JsonTypeName(*v)));
  }
  return absl::OkStatus();
}

absl::Status ObjectReader::GetObject(std::string_view key, const Json** out) const {
  *out = Find(key);
  if (*out != nullptr && !(*out)->is_object()) {
    const Json* v = *out;
    *out = nullptr;
    return PathError(PathOf(key), Cat("expected an object, got ", JsonTypeName(*v)));
  }
  return absl::OkStatus();
}

absl::Status ObjectReader::RequireUint32(std::string_view key, uint32_t min, uint32_t max,
                                         uint32_t* out) const {
  std::optional<uint32_t> v;
  DPDHCP_CONFIG_RETURN_IF_ERROR(GetUint32(key, min, max, &v));
  if (!v) return Missing(key);
  *out = *v;
  return absl::OkStatus();
}

absl::Status ObjectReader::RequireString(std::string_view key, std::string* out) const {
  std::optional<std::string> v;
  DPDHCP_CONFIG_RETURN_IF_ERROR(GetString(key, &v));
  if (!v) return Missing(key);
  *out = std::move(*v);
  return absl::OkStatus();
}

}  // namespace dpdhcp::config::internal
