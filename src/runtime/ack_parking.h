// ACKs waiting for their journal record to be durable (durability: strict).
//
// RFC 2131 §3.1 step 4: the server commits the binding to persistent storage
// before it sends the DHCPACK. A worker cannot wait for the journal thread's
// fdatasync, so it parks the ACK here with the sequence number of its record
// and keeps polling; once JournalStream::durable_sequence() reaches that
// number the ACK leaves with the next TX burst (DESIGN §2, §5 invariant 2).
//
// What is parked is the finished frame, not its mbuf. A group commit takes
// milliseconds, so at a million ACKs a second thousands wait at once: held
// as mbufs they would be ~2 KiB each of the pool the RX queues refill from,
// cold by the time they leave, and the pool's LIFO cache would hand out cold
// buffers too. Instead the worker writes the ACK frame (~350 bytes) straight
// into its byte space (Reserve, Commit), frees the request's mbuf at once
// while hot, and copies the frame into a fresh mbuf when it is durable;
// both ends prefetch the lines they touch next. A slow disk never starves
// RX of mbufs.
//
// The byte space is large (a slow fdatasync parks tens of thousands of
// frames) but what is parked at a time is usually ~1 MB. Cycling through all
// of it as one ring would write every frame into lines long out of cache and
// push the worker's own data out of its L2. So it is cut into chunks: frames
// fill the current chunk in order, and a full chunk is followed by the chunk
// released most recently (a stack), whose lines were read moments ago. A
// chunk is released with its last frame. The footprint follows the backlog.
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

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace dpdhcp::runtime::internal {

// ACKs a worker may hold while their journal records become durable, and the
// bytes for their frames (a DHCP ACK frame is ~300-600 bytes): the strict
// ACK rate of a worker is at most this many per group-commit time (65 ms of
// commits at 1 M ACKs/s, as the journal ring's 65,536 records; with half of
// that, fdatasync stalls on the dev machine withheld ~0.8 % of ACKs at 1.2 M
// ACKs/s, perf/README.md). Plain process memory, not the EAL's: 32 MiB +
// 1.5 MiB per worker.
inline constexpr uint32_t kAckParkingFrames = 65536;
inline constexpr uint64_t kAckParkingBytes = uint64_t{32} << 20;

// One parked frame as ReleaseUpTo hands it out.
struct ParkedFrame {
  const uint8_t* data;
  uint16_t length;
  uint16_t port;
};

class FrameParking {
 public:
  // Frames and bytes rounded up to a power of two, bytes to at least one
  // full frame; chunk_bytes (a power of two, at least one full frame, at
  // most bytes) is the unit in which byte space is reused.
  explicit FrameParking(uint32_t max_frames = 1, uint64_t bytes = kMaxFrame,
                        uint64_t chunk_bytes = kChunkBytes)
      : entries_(std::bit_ceil(max_frames == 0 ? 1u : max_frames)),
        mask_(entries_.size() - 1),
        byte_capacity_(std::bit_ceil(bytes < kMaxFrame ? kMaxFrame : bytes)),
        chunk_bytes_(std::min(byte_capacity_, std::bit_ceil(std::max(chunk_bytes, RoundUp(kMaxFrame))))),
        bytes_(new(std::align_val_t{kAlign}) uint8_t[byte_capacity_]) {
    // Chunk 0 is the current one; the stack hands out 1, 2, ... first.
    const uint64_t chunks = byte_capacity_ / chunk_bytes_;
    free_chunks_.reserve(chunks);
    for (uint64_t c = chunks; c-- > 1;) free_chunks_.push_back(static_cast<uint32_t>(c));
  }

  // Room for a frame of `length` bytes, or nullptr when the frame table or
  // the bytes are full, or length > kMaxFrame. The caller writes the frame
  // there (the worker builds its ACK in place: no copy) and then calls
  // Commit; nothing is parked until then.
  uint8_t* Reserve(uint16_t length) {
    if (tail_ - head_ == entries_.size() || length > kMaxFrame) return nullptr;
    const uint64_t need = RoundUp(length);
    if (used_ + need > chunk_bytes_) {
      // A frame never spans chunks. The current chunk closes with its last
      // frame, and the chunk released most recently (the warmest) follows.
      if (free_chunks_.empty()) return nullptr;
      entries_[(tail_ - 1) & mask_].closes_chunk = true;  // used_ > 0: the current chunk holds frames
      chunk_ = free_chunks_.back();
      free_chunks_.pop_back();
      used_ = 0;
    }
    reserved_ = chunk_ * chunk_bytes_ + used_;
    return bytes_.get() + reserved_;
  }

  // Parks the frame written at the last Reserve's pointer (length at most
  // what was reserved).
  void Commit(uint16_t length, uint16_t port, uint64_t sequence) {
    entries_[tail_ & mask_] = Entry{sequence, reserved_, length, port, false};
    ++tail_;
    used_ = reserved_ - chunk_ * chunk_bytes_ + RoundUp(length);
    // The next frame goes to lines that may have left the cache since their
    // chunk was last used: fetch them for writing now, while the worker
    // decides the next requests, rather than stall its stores on them then.
    const uint8_t* next = bytes_.get() + reserved_ + RoundUp(length);
    const uint8_t* end = bytes_.get() + (chunk_ + 1) * chunk_bytes_;
    for (uint64_t line = 0; line < kPrefetchLines && next < end; ++line, next += kAlign) {
      __builtin_prefetch(next, 1, 3);
    }
  }

  // Copies the frame in: Reserve, copy, Commit. False (nothing parked) as
  // Reserve.
  bool Push(const uint8_t* frame, uint16_t length, uint16_t port, uint64_t sequence) {
    uint8_t* slot = Reserve(length);
    if (slot == nullptr) return false;
    std::memcpy(slot, frame, length);
    Commit(length, port, sequence);
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
      // Written milliseconds ago: start reading the next frame's lines
      // while this one is copied out.
      if (tail_ - head_ > 1) {
        const Entry& next = entries_[(head_ + 1) & mask_];
        const uint8_t* p = bytes_.get() + next.offset;
        for (uint64_t off = 0; off < next.length; off += kAlign) __builtin_prefetch(p + off, 0, 3);
      }
      if (!fn(ParkedFrame{bytes_.get() + e.offset, e.length, e.port})) break;
      if (e.closes_chunk) free_chunks_.push_back(static_cast<uint32_t>(e.offset / chunk_bytes_));
      ++head_;
      ++n;
    }
    // Nothing parked: the current chunk is free again from its start.
    if (head_ == tail_) used_ = 0;
    return n;
  }

  // How many frames, at most `max`, ReleaseUpTo(durable) would hand out.
  uint32_t CountUpTo(uint64_t durable, uint32_t max) const {
    uint32_t n = 0;
    while (n < max && head_ + n != tail_ && entries_[(head_ + n) & mask_].sequence <= durable) ++n;
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
  uint64_t chunk_bytes() const { return chunk_bytes_; }
  // The oldest parked sequence; meaningful when !empty().
  uint64_t front_sequence() const { return entries_[head_ & mask_].sequence; }

  // The longest frame parked: an Ethernet frame with two VLAN tags.
  static constexpr uint64_t kMaxFrame = 1522;
  // A few hundred ACKs: the unit of reuse (see the comment at the top).
  static constexpr uint64_t kChunkBytes = uint64_t{64} << 10;

 private:
  // Frames start on cache lines: copies in and out move whole lines.
  static constexpr uint64_t kAlign = 64;
  // A typical ACK frame (~350 bytes) spans 6 lines.
  static constexpr uint64_t kPrefetchLines = 8;
  static constexpr uint64_t RoundUp(uint64_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

  struct Entry {
    uint64_t sequence = 0;
    uint64_t offset = 0;  // from the start of the bytes
    uint16_t length = 0;
    uint16_t port = 0;
    bool closes_chunk = false;  // the last frame of its chunk: releasing it frees the chunk
  };
  struct AlignedDelete {
    void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t{kAlign}); }
  };
  std::vector<Entry> entries_;
  uint64_t mask_;
  uint64_t byte_capacity_;
  uint64_t chunk_bytes_;
  std::unique_ptr<uint8_t[], AlignedDelete> bytes_;
  std::vector<uint32_t> free_chunks_;  // a stack: the last released is reused first
  uint64_t head_ = 0;      // next frame to release
  uint64_t tail_ = 0;      // next free entry
  uint64_t chunk_ = 0;     // the chunk frames are parked in now
  uint64_t used_ = 0;      // bytes of it in use from its start
  uint64_t reserved_ = 0;  // where the last Reserve's frame starts
};

}  // namespace dpdhcp::runtime::internal
