// Shared helpers of the journal tests: temporary directories, leases derived
// from a client number, a simulated worker that changes a store and appends
// the records as the runtime will, and a FileOps that fails on demand.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dpdhcp/journal/file_ops.h"
#include "dpdhcp/journal/journal_stream.h"
#include "dpdhcp/journal/record.h"
#include "dpdhcp/lease/lease.h"
#include "dpdhcp/lease/lease_store.h"

namespace dpdhcp::journal::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/dpdhcp-journal-XXXXXX";
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// CRC-32C bit at a time, straight from the definition (RFC 3720 §12.1): the
// reference the fast paths are checked against.
inline uint32_t ReferenceCrc32c(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) != 0 ? 0x82f63b78u : 0);
  }
  return ~c;
}

inline std::array<uint8_t, 6> MacOf(uint32_t client) {
  return {0x02, 0x00, static_cast<uint8_t>(client >> 24), static_cast<uint8_t>(client >> 16),
          static_cast<uint8_t>(client >> 8), static_cast<uint8_t>(client)};
}

inline lease::ClientKey KeyOf(uint32_t client) {
  const auto mac = MacOf(client);
  return lease::ClientKey::FromHardware(1, base::ByteSpan(mac));
}

// Client `client` holding 10.<client>, a lease of 3600 s from cltt.
inline lease::Lease MakeLease(uint32_t client, lease::LeaseState state = lease::LeaseState::kBound,
                              base::UnixSeconds cltt = 1'700'000'000) {
  lease::Lease l;
  const auto mac = MacOf(client);
  l.key = lease::ClientKey::FromHardware(1, base::ByteSpan(mac));
  l.SetHardware(1, base::ByteSpan(mac));
  l.address = base::Ipv4Address(0x0a000000u + client);
  l.subnet_id = 1;
  l.cltt = cltt;
  l.expire = cltt + 3600;
  l.state = state;
  return l;
}

inline RecordType TypeFor(lease::LeaseState s) {
  switch (s) {
    case lease::LeaseState::kBound: return RecordType::kGranted;
    case lease::LeaseState::kReleased: return RecordType::kReleased;
    case lease::LeaseState::kExpired: return RecordType::kExpired;
    case lease::LeaseState::kDeclined: return RecordType::kDeclined;
    default: return RecordType::kDeleted;
  }
}

// Appends, waiting while the ring is full (tests only: a worker drops).
inline uint64_t AppendWaiting(JournalStream& s, RecordType type, const lease::Lease& l) {
  for (;;) {
    if (auto seq = s.Append(type, l)) return *seq;
    std::this_thread::yield();
  }
}

// What a worker does per decision: change the store, then append the record
// (JournalStream::Append's contract).
inline uint64_t Apply(lease::LeaseStore& store, JournalStream& stream, const lease::Lease& l,
                      std::optional<RecordType> type = std::nullopt) {
  lease::LeaseShard& shard = store.shard(store.ShardFor(l.hw()));
  if (auto found = shard.Find(l.key)) {
    shard.Store(found->slot, l);
  } else {
    shard.Insert(l);
  }
  return AppendWaiting(stream, type.value_or(TypeFor(l.state)), l);
}

// Bound and declined leases of a store, by key text (for comparisons).
inline std::map<std::string, lease::Lease> LiveLeases(const lease::LeaseStore& store) {
  std::map<std::string, lease::Lease> out;
  for (uint32_t s = 0; s < store.num_shards(); ++s) {
    store.shard(s).ForEach([&](uint32_t, const lease::Lease& l) {
      if (l.state == lease::LeaseState::kBound || l.state == lease::LeaseState::kDeclined) {
        out[l.key.ToString()] = l;
      }
    });
  }
  return out;
}

// The real system calls, with failures injected on demand. Thread-safe (the
// journal syncs streams in parallel).
class FaultyFileOps final : public FileOps {
 public:
  std::atomic<int> write_errno{0};  // Pwritev fails with it while non-zero
  std::atomic<int> sync_errno{0};   // Fdatasync fails with it while non-zero
  std::atomic<int> open_errno{0};   // Open of a segment fails with it while non-zero
  // The next Pwritev writes only this many bytes (then 0: off).
  std::atomic<int64_t> short_write{0};
  // Fdatasync waits while this is set (to build a group deterministically).
  std::atomic<bool> hold_sync{false};
  std::atomic<uint64_t> writes{0}, syncs{0}, failed_writes{0}, failed_syncs{0}, held_syncs{0};

  int Open(const std::string& path, int flags, mode_t mode) override {
    if (const int e = open_errno.load(); e != 0 && path.ends_with(".seg")) return -e;
    return PosixFileOps().Open(path, flags, mode);
  }
  int64_t Pwritev(int fd, const struct iovec* iov, int iovcnt, int64_t offset) override {
    if (const int e = write_errno.load(); e != 0) {
      ++failed_writes;
      return -e;
    }
    ++writes;
    if (const int64_t n = short_write.exchange(0); n > 0) {
      struct iovec one = {iov[0].iov_base, std::min<size_t>(iov[0].iov_len, static_cast<size_t>(n))};
      return PosixFileOps().Pwritev(fd, &one, 1, offset);
    }
    return PosixFileOps().Pwritev(fd, iov, iovcnt, offset);
  }
  int Fdatasync(int fd) override {
    if (hold_sync.load()) {
      ++held_syncs;
      while (hold_sync.load()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    if (const int e = sync_errno.load(); e != 0) {
      ++failed_syncs;
      return -e;
    }
    ++syncs;
    return PosixFileOps().Fdatasync(fd);
  }
  int Fsync(int fd) override { return PosixFileOps().Fsync(fd); }
  int Close(int fd) override { return PosixFileOps().Close(fd); }
  int Rename(const std::string& from, const std::string& to) override {
    return PosixFileOps().Rename(from, to);
  }
  int Unlink(const std::string& path) override { return PosixFileOps().Unlink(path); }
};

// Waits (polling) until pred() or about 30 s; the result is asserted, never
// the time it took.
template <class Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 30000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pred();
}

// Segment file names in dir, sorted.
inline std::vector<std::string> SegmentNames(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".seg")) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dpdhcp::journal::testing
