#include "dpdhcp/control/answer.h"

#include <utility>


namespace dpdhcp::control {

Json Answer::ToJson() const {
  Json j = Json::object();
  j["result"] = static_cast<int>(result);
  j["text"] = text;
  if (!arguments.is_null()) j["arguments"] = arguments;
  return j;
}

std::string Answer::Serialize() const { return DumpJson(ToJson()); }

std::string DumpJson(const Json& value, int indent) {
  // replace: a lease's or a request's odd bytes must not make the answer
  // itself fail to serialise (dump() throws on invalid UTF-8 by default).
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Answer Success(std::string text, Json arguments) {
  return Answer{Result::kSuccess, std::move(text), std::move(arguments)};
}

Answer Error(std::string text) { return Answer{Result::kError, std::move(text), nullptr}; }

Answer Empty(std::string text, Json arguments) {
  return Answer{Result::kEmpty, std::move(text), std::move(arguments)};
}

Answer FromStatus(const absl::Status& status, std::string success_text) {
  if (status.ok()) return Success(std::move(success_text));
  const std::string text(status.message());
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return Empty(text);
    case absl::StatusCode::kUnimplemented:
      return Answer{Result::kUnsupported, text, nullptr};
    default:
      return Error(text);
  }
}

absl::StatusOr<Answer> ParseAnswer(std::string_view text) {
  const Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::DataLossError("the answer is not valid JSON");
  if (!j.is_object()) return absl::DataLossError("the answer is not a JSON map");
  const auto r = j.find("result");
  if (r == j.end() || !r->is_number_integer()) {
    return absl::DataLossError("the answer has no integer \"result\"");
  }
  Answer a;
  const int64_t code = r->get<int64_t>();
  a.result = code >= 0 && code <= 3 ? static_cast<Result>(code) : Result::kError;
  if (const auto t = j.find("text"); t != j.end()) {
    if (!t->is_string()) return absl::DataLossError("the answer's \"text\" is not a string");
    a.text = t->get<std::string>();
  }
  if (const auto args = j.find("arguments"); args != j.end()) a.arguments = *args;
  return a;
}

}  // namespace dpdhcp::control
