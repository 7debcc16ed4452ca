#include "dpdhcp/lease/large_array.h"

#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace dpdhcp::lease::internal {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kCacheLine = 64;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

void* AllocateLarge(size_t bytes, size_t* reserved) {
  const size_t align = bytes >= kHugePage ? kHugePage : kCacheLine;
  *reserved = RoundUp(bytes, align);  // aligned_alloc wants a multiple
  void* p = std::aligned_alloc(align, *reserved);
  if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // A hint: without THP support the call fails and nothing changes.
  if (align == kHugePage) madvise(p, *reserved, MADV_HUGEPAGE);
#endif
  return p;
}

void FreeLarge(void* p, size_t /*reserved*/) { std::free(p); }

}  // namespace dpdhcp::lease::internal
