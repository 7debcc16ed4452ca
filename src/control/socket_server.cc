#include "dpdhcp/control/socket_server.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "text.h"
#include "dpdhcp/control/json_framer.h"

namespace dpdhcp::control {

using internal::Cat;
namespace {

using Clock = std::chrono::steady_clock;

absl::Status Errno(std::string_view what, const std::string& path, int err) {
  return absl::InternalError(Cat(path, ": ", what, ": ", std::strerror(err)));
}

bool FillAddress(const std::string& path, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr->sun_path) return false;
  std::memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

absl::StatusOr<std::optional<gid_t>> ResolveGroup(const std::string& group) {
  if (group.empty()) return std::nullopt;
  uint32_t numeric;
  if (absl::SimpleAtoi(group, &numeric)) return static_cast<gid_t>(numeric);
  std::vector<char> buf(16384);
  struct group g {};
  struct group* found = nullptr;
  const int err = getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found);
  if (err != 0 || found == nullptr) {
    return absl::NotFoundError(Cat("control socket group \"", group, "\" does not exist"));
  }
  return found->gr_gid;
}

// A socket file at `path` that nobody accepts on is left over from a server
// that died: it may go. One that answers belongs to a live server.
absl::Status ClearStaleSocket(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return Errno("stat", path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(Cat(path, ": exists and is not a socket"));
  }
  sockaddr_un addr;
  FillAddress(path, &addr);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket", path, errno);
  const bool live = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  if (live) {
    return absl::AlreadyExistsError(Cat(path, ": another server is answering on this socket"));
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("unlink stale socket", path, errno);
  return absl::OkStatus();
}

// Best effort, never blocks: a client that will not read gets nothing.
void SendNow(int fd, const std::string& text) {
  (void)!send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

struct Connection {
  explicit Connection(int f, Clock::time_point d) : fd(f), deadline(d) {}
  int fd;
  Clock::time_point deadline;
  std::string in;
  JsonFramer framer;
  bool writing = false;
  std::string out;
  size_t written = 0;
};

}  // namespace

ControlServer::ControlServer(const CommandRegistry& registry, ControlServerOptions options)
    : registry_(registry), options_(std::move(options)) {}

ControlServer::~ControlServer() { Stop(); }

ControlServer::Stats ControlServer::stats() const {
  return Stats{accepted_.load(), answered_.load(), timed_out_.load(), too_large_.load(), busy_.load()};
}

absl::Status ControlServer::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("control server already started");
  const std::string& path = options_.path;
  sockaddr_un addr;
  if (!FillAddress(path, &addr)) {
    return absl::InvalidArgumentError(Cat(
        "control socket path \"", path, "\" must be 1 to ", sizeof addr.sun_path - 1, " bytes"));
  }
  auto gid = ResolveGroup(options_.group);
  if (!gid.ok()) return gid.status();
  if (auto s = ClearStaleSocket(path); !s.ok()) return s;

  // Bound under a temporary name, restricted, then renamed into place: the
  // socket is never reachable at `path` with the umask's permissions.
  std::string bind_path = Cat(path, ".", getpid(), ".tmp");
  sockaddr_un bind_addr;
  if (!FillAddress(bind_path, &bind_addr)) {
    bind_path = path;  // no room for a suffix: bind in place (a short window)
    bind_addr = addr;
  }
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Errno("socket", path, errno);
  auto fail = [&](std::string_view what, int err) {
    close(fd);
    unlink(bind_path.c_str());
    return Errno(what, bind_path, err);
  };
  unlink(bind_path.c_str());
  if (bind(fd, reinterpret_cast<const sockaddr*>(&bind_addr), sizeof bind_addr) != 0) {
    const int err = errno;
    close(fd);
    return Errno("bind", bind_path, err);
  }
  if (chmod(bind_path.c_str(), options_.mode) != 0) return fail("chmod", errno);
  if (gid->has_value() && chown(bind_path.c_str(), static_cast<uid_t>(-1), **gid) != 0) {
    return fail("chown", errno);
  }
  if (listen(fd, 64) != 0) return fail("listen", errno);
  if (bind_path != path && rename(bind_path.c_str(), path.c_str()) != 0) return fail("rename", errno);
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    socket_dev_ = st.st_dev;
    socket_ino_ = st.st_ino;
  }
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    const int err = errno;
    close(fd);
    unlink(path.c_str());
    return Errno("eventfd", path, err);
  }
  listen_fd_ = fd;
  stop_.store(false);
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void ControlServer::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
  listen_fd_ = wake_fd_ = -1;
  // Only our own socket file: a newer server may have replaced it.
  struct stat st {};
  if (stat(options_.path.c_str(), &st) == 0 && st.st_dev == socket_dev_ && st.st_ino == socket_ino_) {
    unlink(options_.path.c_str());
  }
}

void ControlServer::Run() {
  std::list<Connection> conns;
  std::vector<pollfd> fds;
  std::vector<Connection*> polled;
  std::vector<char> buf(64 * 1024);

  auto respond = [&](Connection& c, std::string answer) {
    c.writing = true;
    c.out = std::move(answer);
    c.written = 0;
    c.deadline = Clock::now() + options_.idle_timeout;
  };
  auto finish_request = [&](Connection& c, std::string_view request) {
    respond(c, registry_.HandleRequestText(request));
  };

  while (!stop_.load()) {
    fds.clear();
    polled.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    Clock::time_point next = Clock::time_point::max();
    for (Connection& c : conns) {
      fds.push_back({c.fd, static_cast<short>(c.writing ? POLLOUT : POLLIN), 0});
      polled.push_back(&c);
      next = std::min(next, c.deadline);
    }
    int timeout_ms = -1;
    if (next != Clock::time_point::max()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
      timeout_ms = static_cast<int>(std::clamp<int64_t>(left.count() + 1, 0, 60000));
    }
    if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;  // Stop()

    if (fds[1].revents & POLLIN) {
      for (;;) {
        const int cfd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (cfd < 0) break;
        accepted_.fetch_add(1, std::memory_order_relaxed);
        if (conns.size() >= options_.max_connections) {
          busy_.fetch_add(1, std::memory_order_relaxed);
          SendNow(cfd, Error("server busy: too many control connections, retry").Serialize());
          close(cfd);
          continue;
        }
        conns.emplace_back(cfd, Clock::now() + options_.idle_timeout);
      }
    }

    for (size_t i = 0; i < polled.size(); ++i) {
      Connection& c = *polled[i];
      const short ev = fds[i + 2].revents;
      if (ev == 0) continue;
      if (!c.writing) {
        const ssize_t n = recv(c.fd, buf.data(), buf.size(), 0);
        if (n > 0) {
          c.deadline = Clock::now() + options_.idle_timeout;
          if (c.in.size() + static_cast<size_t>(n) > options_.max_request_bytes) {
            too_large_.fetch_add(1, std::memory_order_relaxed);
            respond(c, Error(Cat("request too large (more than ", options_.max_request_bytes,
                                          " bytes)"))
                           .Serialize());
            continue;
          }
          const std::string_view chunk(buf.data(), static_cast<size_t>(n));
          c.in.append(chunk);
          switch (c.framer.Feed(chunk)) {
            case JsonFramer::State::kComplete:
              finish_request(c, std::string_view(c.in).substr(0, c.framer.end()));
              break;
            case JsonFramer::State::kError:
              respond(c, Error(c.framer.error()).Serialize());
              break;
            case JsonFramer::State::kNeedMore:
              break;
          }
        } else if (n == 0) {
          // Half-close: answer what arrived (a truncated request gets the
          // parser's error); an empty connection gets nothing.
          if (c.in.find_first_not_of(" \t\r\n") == std::string::npos) {
            close(c.fd);
            c.fd = -1;
          } else {
            finish_request(c, c.in);
          }
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          close(c.fd);
          c.fd = -1;
        }
        continue;
      }
      if (ev & (POLLERR | POLLHUP | POLLNVAL)) {
        close(c.fd);
        c.fd = -1;
        continue;
      }
      const ssize_t n = send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<size_t>(n);
        c.deadline = Clock::now() + options_.idle_timeout;
        if (c.written == c.out.size()) {
          answered_.fetch_add(1, std::memory_order_relaxed);
          close(c.fd);
          c.fd = -1;
        }
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        close(c.fd);
        c.fd = -1;
      }
    }

    const auto now = Clock::now();
    for (Connection& c : conns) {
      if (c.fd < 0 || now < c.deadline) continue;
      timed_out_.fetch_add(1, std::memory_order_relaxed);
      if (!c.writing) SendNow(c.fd, Error("timed out waiting for a complete request").Serialize());
      close(c.fd);
      c.fd = -1;
    }
    conns.remove_if([](const Connection& c) { return c.fd < 0; });
  }
  // Answers decided but not sent yet (the "shutdown" answer, typically: the
  // server stops right after it) still go out, best effort: an answer fits
  // the socket buffer unless it is a large listing.
  for (Connection& c : conns) {
    if (c.writing && c.written < c.out.size()) {
      (void)!send(c.fd, c.out.data() + c.written, c.out.size() - c.written,
                  MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    close(c.fd);
  }
}

}  // namespace dpdhcp::control
