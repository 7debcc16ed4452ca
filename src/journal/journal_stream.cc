#include "dpdhcp/journal/journal_stream.h"

#include <bit>

namespace dpdhcp::journal {
namespace {

uint64_t RingCapacity(uint32_t requested) {
  return std::bit_ceil(std::max<uint64_t>(requested, 2));
}

}  // namespace

JournalStream::JournalStream(uint32_t index, uint32_t generation, uint64_t first_sequence,
                             uint32_t capacity)
    : index_(index),
      generation_(generation),
      first_sequence_(first_sequence),
      capacity_(RingCapacity(capacity)),
      mask_(capacity_ - 1),
      slots_(capacity_),
      durable_(first_sequence - 1) {}

}  // namespace dpdhcp::journal
