#include "dpdhcp/control/registry.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "text.h"
#include "dpdhcp/control/json_framer.h"

namespace dpdhcp::control {

using internal::Cat;

absl::StatusOr<Request> ParseRequest(std::string_view text) {
  if (text.size() > kMaxRequestBytes) {
    return absl::InvalidArgumentError(
        Cat("request too large (", text.size(), " bytes, at most ", kMaxRequestBytes, ")"));
  }
  // Depth first: the parser below recurses once per nesting level.
  JsonFramer framer;
  framer.Feed(text);
  if (framer.state() == JsonFramer::State::kError) {
    return absl::InvalidArgumentError(framer.error());
  }
  // Parse without exceptions: nlohmann reports a number beyond a double
  // (1e999, found by the fuzzer) through a path that escaped a catch here.
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("request is not valid JSON");
  if (!j.is_object()) return absl::InvalidArgumentError("request must be a JSON map");
  Request r;
  for (const auto& [key, value] : j.items()) {
    if (key == "command") {
      if (!value.is_string()) return absl::InvalidArgumentError("\"command\" must be a string");
      r.command = value.get<std::string>();
    } else if (key == "arguments") {
      if (!value.is_object()) return absl::InvalidArgumentError("\"arguments\" must be a map");
      r.arguments = value;
    } else if (key != "service") {
      return absl::InvalidArgumentError(Cat(
          "unknown key \"", key, "\" in the request (expected \"command\" and \"arguments\")"));
    }
  }
  if (!j.contains("command")) return absl::InvalidArgumentError("request has no \"command\"");
  if (r.command.empty()) return absl::InvalidArgumentError("\"command\" is empty");
  return r;
}

CommandRegistry::CommandRegistry() {
  // list-commands answers the registry's own contents.
  (void)Register("list-commands", "Lists the commands this server supports.", Access::kRead,
                 [this](const Json&) {
                   Json names = Json::array();
                   for (const std::string& n : Names()) names.push_back(n);
                   return Success(Cat(names.size(), " commands supported"), names);
                 });
}

absl::Status CommandRegistry::Register(std::string name, std::string help, Access access,
                                       Handler handler) {
  if (name.empty()) return absl::InvalidArgumentError("a command needs a name");
  if (commands_.contains(name)) {
    return absl::AlreadyExistsError(Cat("command \"", name, "\" is already registered"));
  }
  CommandInfo info{name, std::move(help), access, std::move(handler)};
  commands_.emplace(std::move(name), std::move(info));
  return absl::OkStatus();
}

Answer CommandRegistry::Execute(std::string_view command, const Json& arguments) const {
  const CommandInfo* info = Find(command);
  if (info == nullptr) {
    return Answer{Result::kUnsupported, Cat("'", command, "' command not supported"),
                  nullptr};
  }
  // Handlers validate their arguments and are not meant to throw; this is
  // the last line that keeps a bug from taking the control thread down.
  try {
    return info->handler(arguments);
  } catch (const std::exception& e) {
    return Error(Cat(command, ": internal error: ", e.what()));
  }
}

Answer CommandRegistry::HandleRequest(std::string_view request_text) const {
  auto request = ParseRequest(request_text);
  if (!request.ok()) return Error(std::string(request.status().message()));
  return Execute(request->command, request->arguments);
}

std::string CommandRegistry::HandleRequestText(std::string_view request_text) const {
  return HandleRequest(request_text).Serialize();
}

const CommandInfo* CommandRegistry::Find(std::string_view command) const {
  const auto it = commands_.find(command);
  return it == commands_.end() ? nullptr : &it->second;
}

std::vector<const CommandInfo*> CommandRegistry::Commands() const {
  std::vector<const CommandInfo*> out;
  out.reserve(commands_.size());
  for (const auto& [name, info] : commands_) out.push_back(&info);
  return out;
}

std::vector<std::string> CommandRegistry::Names() const {
  std::vector<std::string> out;
  out.reserve(commands_.size());
  for (const auto& [name, info] : commands_) out.push_back(name);
  return out;
}

}  // namespace dpdhcp::control
