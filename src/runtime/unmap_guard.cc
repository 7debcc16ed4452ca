#include "unmap_guard.h"

#include <dlfcn.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>

#include "absl/strings/str_format.h"

namespace dpdhcp::runtime::internal {
namespace {

// The active guards. munmap() counts itself in `g_users` before it reads a
// slot and Destroy empties the slot before it waits for `g_users` to drain
// (both sequentially consistent): a guard is never freed under a waiter.
std::array<std::atomic<rte_rcu_qsbr*>, UnmapGuard::kMaxActive> g_active{};
std::atomic<uint32_t> g_users{0};

// The guard and reader id of the calling thread, when it is a worker.
thread_local rte_rcu_qsbr* t_qsbr = nullptr;
thread_local uint32_t t_id = RTE_QSBR_THRID_INVALID;

using MunmapFn = int (*)(void*, size_t);

// The munmap() this one stands in front of: libc's, or a sanitizer's
// interceptor. Found once; while dlsym() runs (should it unmap anything)
// and if it finds nothing, the system call itself.
int NextMunmap(void* addr, size_t length) {
  static std::atomic<MunmapFn> next{nullptr};
  thread_local bool resolving = false;
  MunmapFn f = next.load(std::memory_order_acquire);
  if (f == nullptr && !resolving) {
    resolving = true;
    f = reinterpret_cast<MunmapFn>(dlsym(RTLD_NEXT, "munmap"));
    resolving = false;
    if (f != nullptr) next.store(f, std::memory_order_release);
  }
  // syscall() returns -1 and sets errno on failure, as munmap() does.
  return f != nullptr ? f(addr, length) : static_cast<int>(syscall(SYS_munmap, addr, length));
}

}  // namespace

absl::StatusOr<UnmapGuard*> UnmapGuard::Create(uint32_t workers) {
  const size_t size = rte_rcu_qsbr_get_memsize(workers);
  if (static_cast<ssize_t>(size) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot size the unmap guard for %u workers", workers));
  }
  auto* v = static_cast<rte_rcu_qsbr*>(rte_zmalloc("dpdhcp_unmap_guard", size,
                                                   RTE_CACHE_LINE_SIZE));
  if (v == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate the unmap guard (EAL memory)");
  }
  if (rte_rcu_qsbr_init(v, workers) != 0) {
    rte_free(v);
    return absl::InternalError("cannot initialise the unmap guard");
  }
  for (uint32_t w = 0; w < workers; ++w) rte_rcu_qsbr_thread_register(v, w);
  for (std::atomic<rte_rcu_qsbr*>& slot : g_active) {
    rte_rcu_qsbr* expected = nullptr;
    if (slot.compare_exchange_strong(expected, v)) return new UnmapGuard(v);
  }
  rte_free(v);
  return absl::ResourceExhaustedError(
      absl::StrFormat("more than %d dataplanes in one process", kMaxActive));
}

void UnmapGuard::Destroy(UnmapGuard* guard) {
  if (guard == nullptr) return;
  for (std::atomic<rte_rcu_qsbr*>& slot : g_active) {
    rte_rcu_qsbr* expected = guard->qsbr_;
    slot.compare_exchange_strong(expected, nullptr);
  }
  while (g_users.load() != 0) rte_pause();
  if (t_qsbr == guard->qsbr_) SetUnmapGuardThread(nullptr, RTE_QSBR_THRID_INVALID);
  rte_free(guard->qsbr_);
  delete guard;
}

void SetUnmapGuardThread(rte_rcu_qsbr* qsbr, uint32_t id) {
  t_qsbr = qsbr;
  t_id = qsbr != nullptr ? id : RTE_QSBR_THRID_INVALID;
}

void WaitForUnmapGrace() {
  g_users.fetch_add(1);
  for (std::atomic<rte_rcu_qsbr*>& slot : g_active) {
    rte_rcu_qsbr* v = slot.load();
    if (v == nullptr) continue;
    // A worker's own munmap() reports it quiescent instead of waiting for it.
    rte_rcu_qsbr_synchronize(v, v == t_qsbr ? t_id : RTE_QSBR_THRID_INVALID);
  }
  g_users.fetch_sub(1);
}

}  // namespace dpdhcp::runtime::internal

// Every munmap() of the process, the PMDs' included (see unmap_guard.h):
// the executable exports it (src/app/meson.build), so the dynamic linker
// binds the dlopen()ed DPDK drivers' calls here rather than to libc. glibc's
// own internal unmaps (free(), thread stacks) do not come here.
extern "C" int munmap(void* addr, size_t length) noexcept {
  dpdhcp::runtime::internal::WaitForUnmapGrace();
  return dpdhcp::runtime::internal::NextMunmap(addr, length);
}
