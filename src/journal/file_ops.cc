#include "dpdhcp/journal/file_ops.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace dpdhcp::journal {
namespace {

template <class F>
auto RetryEintr(F&& f) {
  for (;;) {
    const auto r = f();
    if (r >= 0) return r;
    if (errno != EINTR) return static_cast<decltype(r)>(-errno);
  }
}

class Posix final : public FileOps {
 public:
  int Open(const std::string& path, int flags, mode_t mode) override {
    return RetryEintr([&] { return ::open(path.c_str(), flags, mode); });
  }
  int64_t Pwritev(int fd, const struct iovec* iov, int iovcnt, int64_t offset) override {
    return RetryEintr([&] { return static_cast<int64_t>(::pwritev(fd, iov, iovcnt, offset)); });
  }
  int Fdatasync(int fd) override {
    return RetryEintr([&] { return ::fdatasync(fd); });
  }
  int Fsync(int fd) override {
    return RetryEintr([&] { return ::fsync(fd); });
  }
  // close(2) is not retried on EINTR: on Linux the descriptor is gone anyway.
  int Close(int fd) override { return ::close(fd) == 0 ? 0 : -errno; }
  int Rename(const std::string& from, const std::string& to) override {
    return std::rename(from.c_str(), to.c_str()) == 0 ? 0 : -errno;
  }
  int Unlink(const std::string& path) override {
    return ::unlink(path.c_str()) == 0 ? 0 : -errno;
  }
};

}  // namespace

FileOps& PosixFileOps() {
  static Posix ops;
  return ops;
}

}  // namespace dpdhcp::journal
