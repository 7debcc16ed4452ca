// ACKs waiting for their journal record to be durable (durability: strict).
//
// RFC 2131 §3.1 step 4: the server commits the binding to persistent storage
// before it sends the DHCPACK. A worker cannot wait for the journal thread's
// fdatasync, so it parks the ACK here with the sequence number of its record
// and keeps polling; once JournalStream::durable_sequence() reaches that
// number the ACK leaves with the next TX burst (DESIGN §2, §5 invariant 2).
//
// What is parked is a copy of the finished frame, not its mbuf. A group
// commit takes milliseconds, so at a million ACKs a second thousands wait at
// once: held as mbufs they would be ~2 KiB each of the pool the RX queues
// refill from, cold by the time they leave, and the pool's LIFO cache would
// hand out cold buffers too. Copied (~350 bytes, in order, into one byte
// ring) the request's mbuf is freed at once while hot, the parked bytes are
// read back sequentially (which the hardware prefetcher follows), and a slow
// disk never starves RX of mbufs.
//
// A stream's sequence numbers grow by one per record and the worker parks in
// the order it appends, so the queue is sorted: releasing is popping from the
// front while front.sequence <= durable. Fixed capacity (frames and bytes),
// allocated in the constructor (set-up), never after: Push on a full queue
// returns false and the caller drops the ACK under a named reason.
//
// Single-threaded: the owning worker only. No DPDK: the in-process benchmark
// drives the same code.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace dpdhcp::runtime::internal {

// ACKs a worker may hold while their journal records become durable, and the
// bytes for their frames (a DHCP ACK frame is ~300-600 bytes): the strict
// ACK rate of a worker is at most this many per group-commit time (32 ms of
// commits at 1 M ACKs/s; perf/README.md has the measured trade-off). Plain
// process memory, not the EAL's: 16 MiB + 1 MiB per worker.
inline constexpr uint32_t kAckParkingFrames = 32768;
inline constexpr uint64_t kAckParkingBytes = uint64_t{16} << 20;

// One parked frame as ReleaseUpTo hands it out.
struct ParkedFrame {
  const uint8_t* data;
  uint16_t length;
  uint16_t port;
};

class FrameParking {
 public:
  // Both rounded up to a power of two; bytes to at least one full frame.
  explicit FrameParking(uint32_t max_frames = 1, uint64_t bytes = kMaxFrame)
      : entries_(std::bit_ceil(max_frames == 0 ? 1u : max_frames)),
        mask_(entries_.size() - 1),
        byte_capacity_(std::bit_ceil(bytes < kMaxFrame ? kMaxFrame : bytes)),
        bytes_(new(std::align_val_t{kAlign}) uint8_t[byte_capacity_]) {}

  // Copies the frame in. False (nothing parked) when the frame table or the
  // bytes are full, or the frame is longer than kMaxFrame.
  bool Push(const uint8_t* frame, uint16_t length, uint16_t port, uint64_t sequence) {
    if (tail_ - head_ == entries_.size() || length > kMaxFrame) return false;
    const uint64_t need = RoundUp(length);
    uint64_t start = byte_tail_;
    const uint64_t at = start & (byte_capacity_ - 1);
    // A frame never wraps: it starts at the ring's beginning instead.
    if (at + need > byte_capacity_) start += byte_capacity_ - at;
    if (start + need - byte_head_ > byte_capacity_) return false;
    std::memcpy(bytes_.get() + (start & (byte_capacity_ - 1)), frame, length);
    entries_[tail_ & mask_] = Entry{sequence, start, length, port};
    ++tail_;
    byte_tail_ = start + need;
    return true;
  }

  // Hands every frame whose sequence <= durable to fn(const ParkedFrame&),
  // oldest first, until fn returns false (it could not take this one: it
  // stays parked, first in line). Returns how many fn took. The data pointer
  // is valid only during the call.
  template <class Fn>
  uint32_t ReleaseUpTo(uint64_t durable, Fn&& fn) {
    uint32_t n = 0;
    while (head_ != tail_) {
      const Entry& e = entries_[head_ & mask_];
      if (e.sequence > durable) break;
      const ParkedFrame f{bytes_.get() + (e.offset & (byte_capacity_ - 1)), e.length, e.port};
      if (!fn(f)) break;
      byte_head_ = e.offset + RoundUp(e.length);
      ++head_;
      ++n;
    }
    if (head_ == tail_) byte_head_ = byte_tail_;  // skipped wrap padding included
    return n;
  }

  // Hands every frame to fn regardless of its sequence (shutdown).
  template <class Fn>
  uint32_t DrainAll(Fn&& fn) {
    return ReleaseUpTo(UINT64_MAX, fn);
  }

  bool empty() const { return head_ == tail_; }
  uint64_t size() const { return tail_ - head_; }
  uint64_t capacity() const { return entries_.size(); }
  uint64_t byte_capacity() const { return byte_capacity_; }
  // The oldest parked sequence; meaningful when !empty().
  uint64_t front_sequence() const { return entries_[head_ & mask_].sequence; }

  // The longest frame parked: an Ethernet frame with two VLAN tags.
  static constexpr uint64_t kMaxFrame = 1522;

 private:
  // Frames start on cache lines: copies in and out move whole lines.
  static constexpr uint64_t kAlign = 64;
  static uint64_t RoundUp(uint64_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

  struct Entry {
    uint64_t sequence = 0;
    uint64_t offset = 0;  // absolute byte position (masked on use)
    uint16_t length = 0;
    uint16_t port = 0;
  };
  struct AlignedDelete {
    void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t{kAlign}); }
  };
  std::vector<Entry> entries_;
  uint64_t mask_;
  uint64_t byte_capacity_;
  std::unique_ptr<uint8_t[], AlignedDelete> bytes_;
  uint64_t head_ = 0;       // next frame to release
  uint64_t tail_ = 0;       // next free entry
  uint64_t byte_head_ = 0;  // first byte still in use (absolute)
  uint64_t byte_tail_ = 0;  // next free byte (absolute)
};

}  // namespace dpdhcp::runtime::internal
