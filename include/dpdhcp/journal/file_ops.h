// The few file operations the journal performs, behind an interface so that
// tests can make any of them fail (disk full, EIO) at a chosen moment.
//
// Every call returns a non-negative result on success and -errno on failure;
// none throws. Slow path only (the journal thread, snapshot and replay).
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>

namespace dpdhcp::journal {

class FileOps {
 public:
  virtual ~FileOps() = default;
  // open(2): a file descriptor or -errno.
  virtual int Open(const std::string& path, int flags, mode_t mode) = 0;
  // pwritev(2): bytes written (possibly fewer than asked) or -errno.
  virtual int64_t Pwritev(int fd, const struct iovec* iov, int iovcnt, int64_t offset) = 0;
  virtual int Fdatasync(int fd) = 0;
  // fsync(2); the journal uses it on directories (a new or renamed entry).
  virtual int Fsync(int fd) = 0;
  virtual int Close(int fd) = 0;
  virtual int Rename(const std::string& from, const std::string& to) = 0;
  virtual int Unlink(const std::string& path) = 0;
};

// The real system calls (EINTR retried). One process-wide instance.
FileOps& PosixFileOps();

}  // namespace dpdhcp::journal
