#include "dpdhcp/journal/journal_stream.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_util.h"

namespace dpdhcp::journal {
namespace {

using lease::LeaseState;
using testing::MakeLease;

TEST(JournalStreamTest, CapacityIsAPowerOfTwo) {
  EXPECT_EQ(JournalStream(0, 1, 1, 0).capacity(), 2u);
  EXPECT_EQ(JournalStream(0, 1, 1, 5).capacity(), 8u);
  EXPECT_EQ(JournalStream(0, 1, 1, 64).capacity(), 64u);
}

TEST(JournalStreamTest, SequencesContinueFromFirstSequence) {
  JournalStream s(3, 7, 100, 8);
  EXPECT_EQ(s.index(), 3u);
  EXPECT_EQ(s.generation(), 7u);
  EXPECT_EQ(s.last_sequence(), 99u);
  EXPECT_EQ(s.durable_sequence(), 99u);
  EXPECT_EQ(s.Append(RecordType::kGranted, MakeLease(1)), 100u);
  EXPECT_EQ(s.Append(RecordType::kReleased, MakeLease(1, LeaseState::kReleased)), 101u);
  EXPECT_EQ(s.last_sequence(), 101u);
  EXPECT_EQ(s.appended_sequence(), 101u);
  EXPECT_EQ(s.published(), 2u);
}

// Full ring: nullopt and a drop count; the consumer retiring records frees
// their slots and publishes their sequence as durable.
TEST(JournalStreamTest, FullRingRefusesUntilRetired) {
  JournalStream s(0, 1, 1, 4);
  for (uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(s.Append(RecordType::kGranted, MakeLease(i)));
  EXPECT_FALSE(s.Append(RecordType::kGranted, MakeLease(9)));
  EXPECT_FALSE(s.Append(RecordType::kGranted, MakeLease(9)));
  EXPECT_EQ(s.drops(), 2u);
  s.Retire(3);
  EXPECT_EQ(s.durable_sequence(), 3u);
  EXPECT_EQ(s.Append(RecordType::kGranted, MakeLease(5)), 5u);
  EXPECT_EQ(s.Append(RecordType::kGranted, MakeLease(6)), 6u);
  EXPECT_EQ(s.Append(RecordType::kGranted, MakeLease(7)), 7u);
  EXPECT_FALSE(s.Append(RecordType::kGranted, MakeLease(8)));
}

// The slot bytes are the record body; the consumer seals it.
TEST(JournalStreamTest, SlotsHoldEncodedRecords) {
  JournalStream s(0, 4, 10, 4);
  for (uint32_t i = 0; i < 6; ++i) {
    ASSERT_TRUE(s.Append(RecordType::kGranted, MakeLease(i)));
    if (i >= 2) s.Retire(i - 1);  // keep the ring from filling; wraps twice
  }
  for (uint64_t pos = 2; pos < 6; ++pos) {
    SealRecord(s.slot(pos));
    Record r;
    ASSERT_EQ(DecodeRecord(s.slot(pos), &r), RecordError::kOk);
    EXPECT_EQ(r.sequence, 10 + pos);
    EXPECT_EQ(r.generation, 4u);
    EXPECT_EQ(r.lease, MakeLease(static_cast<uint32_t>(pos)));
  }
  EXPECT_EQ(s.ContiguousRun(2, 4), 2u);  // positions 2,3 then the wrap
  EXPECT_EQ(s.ContiguousRun(4, 2), 2u);
}

// A producer and a consumer thread: every record arrives once, in order,
// whole (run under TSan to check the ordering).
TEST(JournalStreamTest, ProducerConsumerThreads) {
  constexpr uint32_t kRecords = 200000;
  JournalStream s(0, 1, 1, 64);
  std::thread producer([&] {
    for (uint32_t i = 0; i < kRecords; ++i) testing::AppendWaiting(s, RecordType::kGranted, MakeLease(i));
  });
  uint64_t next = 0;
  while (next < kRecords) {
    const uint64_t end = s.published();
    for (; next < end; ++next) {
      SealRecord(s.slot(next));
      Record r;
      ASSERT_EQ(DecodeRecord(s.slot(next), &r), RecordError::kOk);
      ASSERT_EQ(r.sequence, next + 1);
      ASSERT_EQ(r.lease, MakeLease(static_cast<uint32_t>(next)));
    }
    s.Retire(end);
  }
  producer.join();
  EXPECT_EQ(s.durable_sequence(), kRecords);
}

}  // namespace
}  // namespace dpdhcp::journal
