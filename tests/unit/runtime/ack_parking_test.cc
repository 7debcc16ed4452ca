// FrameParking: parked ACK frames leave in sequence order, byte for byte, once
// durable; a full table or full bytes refuse; a frame never spans chunks, and
// released chunks are reused first.
#include "../../../src/runtime/ack_parking.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace dpdhcp::runtime::internal {
namespace {

std::vector<uint8_t> Frame(uint8_t fill, uint16_t length) {
  return std::vector<uint8_t>(length, fill);
}

struct Released {
  std::vector<uint8_t> bytes;
  uint16_t port;
};

std::vector<Released> ReleaseUpTo(FrameParking& p, uint64_t durable) {
  std::vector<Released> out;
  p.ReleaseUpTo(durable, [&](const ParkedFrame& f) {
    out.push_back({std::vector<uint8_t>(f.data, f.data + f.length), f.port});
    return true;
  });
  return out;
}

TEST(FrameParkingTest, ReleasesInOrderUpToTheDurableSequence) {
  FrameParking p(8, 4096);
  for (uint8_t i = 1; i <= 5; ++i) {
    const auto f = Frame(i, static_cast<uint16_t>(100 + i));
    ASSERT_TRUE(p.Push(f.data(), static_cast<uint16_t>(f.size()), i % 2, 10 + i));
  }
  EXPECT_EQ(p.size(), 5u);
  EXPECT_EQ(p.front_sequence(), 11u);
  EXPECT_TRUE(ReleaseUpTo(p, 10).empty());
  const auto first = ReleaseUpTo(p, 13);
  ASSERT_EQ(first.size(), 3u);
  for (uint8_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(first[i - 1].bytes, Frame(i, static_cast<uint16_t>(100 + i)));
    EXPECT_EQ(first[i - 1].port, i % 2);
  }
  EXPECT_EQ(p.front_sequence(), 14u);
  EXPECT_EQ(ReleaseUpTo(p, 100).size(), 2u);
  EXPECT_TRUE(p.empty());
}

TEST(FrameParkingTest, FullFrameTableRefuses) {
  FrameParking p(4, 1 << 16);
  const auto f = Frame(7, 300);
  for (uint64_t s = 1; s <= 4; ++s) ASSERT_TRUE(p.Push(f.data(), 300, 0, s));
  EXPECT_FALSE(p.Push(f.data(), 300, 0, 5));
  EXPECT_EQ(ReleaseUpTo(p, 1).size(), 1u);
  EXPECT_TRUE(p.Push(f.data(), 300, 0, 5));
}

TEST(FrameParkingTest, FullBytesRefuseUntilAChunkIsReleased) {
  // 8192 bytes in two 4096-byte chunks: four 1000-byte frames (1024 each
  // with alignment) fill a chunk.
  FrameParking p(64, 8192, 4096);
  ASSERT_EQ(p.chunk_bytes(), 4096u);
  const auto f = Frame(9, 1000);
  for (uint64_t s = 1; s <= 8; ++s) ASSERT_TRUE(p.Push(f.data(), 1000, 0, s)) << s;
  EXPECT_FALSE(p.Push(f.data(), 1000, 0, 9));
  // Space comes back a chunk at a time: releasing part of the first chunk
  // frees nothing, releasing its last frame frees it.
  EXPECT_EQ(ReleaseUpTo(p, 3).size(), 3u);
  EXPECT_FALSE(p.Push(f.data(), 1000, 0, 9));
  EXPECT_EQ(ReleaseUpTo(p, 4).size(), 1u);
  for (uint64_t s = 9; s <= 12; ++s) EXPECT_TRUE(p.Push(f.data(), 1000, 0, s)) << s;
  EXPECT_FALSE(p.Push(f.data(), 1000, 0, 13));
  const auto out = ReleaseUpTo(p, 12);
  ASSERT_EQ(out.size(), 8u);
  for (const auto& r : out) EXPECT_EQ(r.bytes, f);
}

TEST(FrameParkingTest, AFrameNeverSpansChunks) {
  FrameParking p(64, 8192, 4096);
  const auto a = Frame(1, 1500), b = Frame(2, 1500), c = Frame(3, 1500);
  ASSERT_TRUE(p.Push(a.data(), 1500, 0, 1));  // chunk 0: bytes 0..1535
  ASSERT_TRUE(p.Push(b.data(), 1500, 0, 2));  // 1536..3071
  // c needs 1536 bytes, 1024 are left in chunk 0: it goes to chunk 1 whole.
  ASSERT_TRUE(p.Push(c.data(), 1500, 0, 3));
  ASSERT_TRUE(p.Push(c.data(), 1500, 0, 4));
  EXPECT_FALSE(p.Push(c.data(), 1500, 0, 5));  // chunk 1 is full too
  const auto out = ReleaseUpTo(p, 4);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].bytes, a);
  EXPECT_EQ(out[1].bytes, b);
  EXPECT_EQ(out[2].bytes, c);
  EXPECT_EQ(out[3].bytes, c);
  // Empty again: every chunk is usable.
  for (uint64_t s = 5; s <= 8; ++s) EXPECT_TRUE(p.Push(a.data(), 1500, 0, s)) << s;
}

// The footprint follows the backlog: with at most two chunks' worth parked
// at a time, a parking of 16 chunks keeps reusing the same few.
TEST(FrameParkingTest, AChunkReleasedIsTheNextOneFilled) {
  FrameParking p(1024, 16 * 4096, 4096);
  const auto f = Frame(4, 1000);  // 4 frames a chunk
  std::vector<const uint8_t*> slots;  // distinct frame addresses used
  uint64_t seq = 0;
  for (int round = 0; round < 50; ++round) {
    for (int k = 0; k < 4; ++k) ASSERT_TRUE(p.Push(f.data(), 1000, 0, ++seq));
    p.ReleaseUpTo(seq - 4, [&](const ParkedFrame& r) {
      if (std::find(slots.begin(), slots.end(), r.data) == slots.end()) slots.push_back(r.data);
      return true;
    });
  }
  // Two or three chunks of 4 slots; one ring cycling through all 16 chunks
  // would have used 64.
  EXPECT_LE(slots.size(), 12u);
}

TEST(FrameParkingTest, AFrameTheCallerCannotTakeStaysFirst) {
  FrameParking p(8, 4096);
  const auto f = Frame(5, 64);
  for (uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE(p.Push(f.data(), 64, 0, s));
  int calls = 0;
  EXPECT_EQ(p.ReleaseUpTo(10, [&](const ParkedFrame&) { return ++calls < 2; }), 1u);
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.front_sequence(), 2u);
  EXPECT_EQ(p.DrainAll([](const ParkedFrame&) { return true; }), 2u);
  EXPECT_TRUE(p.empty());
}

TEST(FrameParkingTest, OversizedFrameIsRefused) {
  FrameParking p(8, 1 << 16);
  const auto f = Frame(1, FrameParking::kMaxFrame + 1);
  EXPECT_FALSE(p.Push(f.data(), static_cast<uint16_t>(f.size()), 0, 1));
  EXPECT_TRUE(p.empty());
}

TEST(FrameParkingTest, AFrameBuiltInPlaceIsParkedOnlyOnCommit) {
  FrameParking p(8, 4096);
  uint8_t* slot = p.Reserve(200);
  ASSERT_NE(slot, nullptr);
  EXPECT_TRUE(p.empty());
  for (int i = 0; i < 200; ++i) slot[i] = static_cast<uint8_t>(i);
  // The frame came out shorter than reserved: only what was committed goes.
  p.Commit(150, 3, 42);
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.front_sequence(), 42u);
  // A reservation that is never committed parks nothing and is reused.
  uint8_t* abandoned = p.Reserve(100);
  ASSERT_NE(abandoned, nullptr);
  std::fill(abandoned, abandoned + 100, uint8_t{0xee});
  uint8_t* next = p.Reserve(64);
  EXPECT_EQ(next, abandoned);
  std::fill(next, next + 64, uint8_t{0x77});
  p.Commit(64, 1, 43);
  EXPECT_EQ(p.CountUpTo(41, 8), 0u);
  EXPECT_EQ(p.CountUpTo(43, 8), 2u);
  EXPECT_EQ(p.CountUpTo(43, 1), 1u);
  const auto out = ReleaseUpTo(p, 43);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].bytes.size(), 150u);
  for (int i = 0; i < 150; ++i) EXPECT_EQ(out[0].bytes[i], static_cast<uint8_t>(i));
  EXPECT_EQ(out[0].port, 3);
  EXPECT_EQ(out[1].bytes, Frame(0x77, 64));
  EXPECT_EQ(out[1].port, 1);
}

TEST(FrameParkingTest, ReserveRefusesLikePush) {
  FrameParking p(2, 4096);
  EXPECT_EQ(p.Reserve(FrameParking::kMaxFrame + 1), nullptr);
  for (uint64_t s = 1; s <= 2; ++s) {
    ASSERT_NE(p.Reserve(100), nullptr);
    p.Commit(100, 0, s);
  }
  EXPECT_EQ(p.Reserve(100), nullptr);  // frame table full
  EXPECT_EQ(p.size(), 2u);
}

// Many laps around a small ring with mixed sizes: when a push is refused,
// releasing the oldest frames makes room; every frame comes back intact, in
// order, and the ring is never refused while empty.
TEST(FrameParkingTest, ManyLapsKeepEveryFrameIntact) {
  FrameParking p(16, 8192, 2048);
  const auto length_of = [](uint64_t seq) { return static_cast<uint16_t>(60 + (seq * 97) % 1400); };
  uint64_t released = 0;
  const auto release_oldest = [&] {
    return p.ReleaseUpTo(p.front_sequence(), [&](const ParkedFrame& f) {
      const uint64_t seq = ++released;
      EXPECT_EQ(f.length, length_of(seq));
      EXPECT_EQ(f.data[0], static_cast<uint8_t>(seq));
      EXPECT_EQ(f.data[f.length - 1], static_cast<uint8_t>(seq));
      return true;
    });
  };
  constexpr uint64_t kFrames = 5000;
  for (uint64_t seq = 1; seq <= kFrames; ++seq) {
    const auto f = Frame(static_cast<uint8_t>(seq), length_of(seq));
    while (!p.Push(f.data(), length_of(seq), 0, seq)) {
      ASSERT_FALSE(p.empty()) << "refused while empty: " << seq;
      ASSERT_EQ(release_oldest(), 1u);
    }
  }
  while (!p.empty()) ASSERT_EQ(release_oldest(), 1u);
  EXPECT_EQ(released, kFrames);
}

}  // namespace
}  // namespace dpdhcp::runtime::internal
