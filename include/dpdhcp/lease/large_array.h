// A fixed-size array for the big preallocated tables of a shard (records,
// index): value-initialised once, never resized, and placed so that the TLB
// copes with hundreds of megabytes. Arrays of 2 MiB or more are 2 MiB aligned
// and, on Linux, marked MADV_HUGEPAGE (transparent huge pages in "madvise"
// mode): at 10 M leases random lookups otherwise pay a page walk on top of
// each cache miss. Allocation happens in the constructor only (slow path).
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

namespace dpdhcp::lease {

namespace internal {
// Returns memory for `bytes` (at least 64-byte aligned); *reserved is what
// must be passed back to FreeLarge. Throws std::bad_alloc like operator new.
void* AllocateLarge(size_t bytes, size_t* reserved);
void FreeLarge(void* p, size_t reserved);
}  // namespace internal

template <class T>
class LargeArray {
  static_assert(std::is_trivially_destructible_v<T>);
  static_assert(alignof(T) <= 64);

 public:
  LargeArray() = default;
  explicit LargeArray(size_t n) : size_(n) {
    if (n == 0) return;
    data_ = static_cast<T*>(internal::AllocateLarge(n * sizeof(T), &reserved_));
    std::uninitialized_value_construct_n(data_, n);
  }
  LargeArray(const LargeArray&) = delete;
  LargeArray& operator=(const LargeArray&) = delete;
  ~LargeArray() {
    if (data_ != nullptr) internal::FreeLarge(data_, reserved_);
  }

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* get() { return data_; }
  const T* get() const { return data_; }
  size_t size() const { return size_; }
  // Bytes reserved (the element bytes rounded up to the alignment).
  size_t bytes() const { return reserved_; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t reserved_ = 0;
};

}  // namespace dpdhcp::lease
