#include "dpdhcp/control/client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "text.h"

namespace dpdhcp::control {

using internal::Cat;
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` until `deadline`; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;  // let the I/O call report it
  }
}

}  // namespace

absl::StatusOr<std::string> Exchange(const std::string& socket_path, std::string_view request,
                                     std::chrono::milliseconds timeout) {
  sockaddr_un addr;
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof addr.sun_path) {
    return absl::UnavailableError(Cat(socket_path, ": not a usable socket path"));
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return absl::InternalError(Cat("socket: ", std::strerror(errno)));
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    std::string why = std::strerror(err);
    if (err == ENOENT) why = "no such socket (is dpdhcpd running, with this control socket?)";
    if (err == ECONNREFUSED) why = "connection refused (no server is accepting on it)";
    return absl::UnavailableError(Cat(socket_path, ": ", why));
  }
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  const Clock::time_point deadline = Clock::now() + timeout;
  auto timed_out = [&] {
    return absl::DeadlineExceededError(
        Cat(socket_path, ": no answer within ", timeout.count(), " ms"));
  };

  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (!WaitFor(fd.get(), POLLOUT, deadline)) return timed_out();
    } else if (errno == EPIPE || errno == ECONNRESET) {
      break;  // the server answered early (e.g. request too large): read it
    } else {
      return absl::InternalError(Cat(socket_path, ": send: ", std::strerror(errno)));
    }
  }
  shutdown(fd.get(), SHUT_WR);

  std::string answer;
  char buf[65536];
  for (;;) {
    const ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      answer.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (!WaitFor(fd.get(), POLLIN, deadline)) return timed_out();
    } else if (errno == ECONNRESET && !answer.empty()) {
      break;
    } else {
      return absl::InternalError(Cat(socket_path, ": recv: ", std::strerror(errno)));
    }
  }
  if (answer.empty()) {
    return absl::InternalError(Cat(socket_path, ": the server closed without answering"));
  }
  return answer;
}

absl::StatusOr<Answer> SendCommand(const std::string& socket_path, std::string_view command,
                                   const Json& arguments, std::chrono::milliseconds timeout) {
  Json request = {{"command", command}};
  if (!arguments.is_null()) request["arguments"] = arguments;
  auto text = Exchange(socket_path, DumpJson(request), timeout);
  if (!text.ok()) return text.status();
  return ParseAnswer(*text);
}

}  // namespace dpdhcp::control
