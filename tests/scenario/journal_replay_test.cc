// The engine's lease changes, journaled as the runtime journals them, replay
// into the state the engine had (docs/journal.md): in particular DECLINE
// (RFC 2131 §4.3.3), whose erased binding must not come back at restart once
// the quarantine record that replaced it is reclaimed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "dpdhcp/journal/journal.h"
#include "dpdhcp/journal/replay.h"
#include "harness.h"

namespace dpdhcp::scenario {
namespace {

using engine::LeaseEvent;
using engine::ReplyKind;
using lease::LeaseState;

constexpr const char* kConfig = R"({"Dhcp4": {
  "interfaces-config": {"interfaces": [
    {"name": "lab0", "port": "net_null0", "address": "198.18.0.1/24"}]},
  "valid-lifetime": 100000, "decline-probation-period": 1000,
  "subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "interface": "lab0",
               "pools": [{"pool": "198.18.0.100 - 198.18.0.109"}]}]}})";

journal::RecordType TypeOf(LeaseEvent e) {
  switch (e) {
    case LeaseEvent::kGranted: return journal::RecordType::kGranted;
    case LeaseEvent::kRenewed: return journal::RecordType::kRenewed;
    case LeaseEvent::kReleased: return journal::RecordType::kReleased;
    case LeaseEvent::kDeclined: return journal::RecordType::kDeclined;
    case LeaseEvent::kExpired: return journal::RecordType::kExpired;
    default: return journal::RecordType::kDeleted;
  }
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = std::filesystem::temp_directory_path().string() + "/dpdhcp-scn-XXXXXX";
    path_ = mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes every change the server recorded so far into a fresh journal (one
// stream per shard, as one worker per shard would), then replays it.
struct Replayed {
  std::unique_ptr<pool::AddressSpace> addresses;
  std::unique_ptr<lease::LeaseStore> leases;
  journal::ReplayResult result;
};

Replayed JournalAndReplay(Server& server, const std::string& dir) {
  {
    journal::JournalOptions o;
    o.num_streams = server.num_shards();
    auto j = journal::Journal::Open(dir, o);
    EXPECT_TRUE(j.ok()) << j.status();
    for (const engine::LeaseChange& c : server.changes()) {
      const uint32_t stream = server.leases().ShardFor(c.lease.hw());
      EXPECT_TRUE((*j)->stream(stream).Append(TypeOf(c.event), c.lease).has_value());
    }
    EXPECT_TRUE((*j)->Sync(std::chrono::seconds(5)));
    (*j)->Stop();
  }
  server.changes().clear();
  Replayed r;
  auto space = pool::AddressSpace::Build(server.config());
  EXPECT_TRUE(space.ok());
  r.addresses = *std::move(space);
  r.leases = std::make_unique<lease::LeaseStore>(server.num_shards(), 4096);
  auto res = journal::Replay(dir, *r.leases, r.addresses.get());
  EXPECT_TRUE(res.ok()) << res.status();
  if (res.ok()) r.result = *res;
  return r;
}

// Live (bound or declined) leases by address.
std::map<uint32_t, lease::Lease> LiveByAddress(const lease::LeaseStore& store) {
  std::map<uint32_t, lease::Lease> out;
  for (uint32_t s = 0; s < store.num_shards(); ++s) {
    store.shard(s).ForEach([&](uint32_t, const lease::Lease& l) {
      if (l.state == LeaseState::kBound || l.state == LeaseState::kDeclined) {
        out[l.address.value()] = l;
      }
    });
  }
  return out;
}

class JournalReplayScenario : public ::testing::TestWithParam<uint32_t> {};

TEST_P(JournalReplayScenario, DeclineEmitsADeleteForTheErasedBinding) {
  Server server(kConfig, GetParam());
  Client c(server, TestMac(1));
  ASSERT_EQ(c.Dora().kind(), ReplyKind::kAck);
  const Ipv4Address a = c.address();
  const Exchange d = c.Decline();
  EXPECT_EQ(d.decision.prior.event, LeaseEvent::kDeleted);
  EXPECT_EQ(d.decision.prior.lease.address, a);
  EXPECT_EQ(d.decision.prior.lease.state, LeaseState::kBound);
  EXPECT_EQ(d.decision.change.event, LeaseEvent::kDeclined);
  EXPECT_FALSE(d.decision.prior.lease.key == d.decision.change.lease.key);
}

TEST_P(JournalReplayScenario, DeclinedAddressReplaysQuarantinedThenFree) {
  Server server(kConfig, GetParam());
  Client decliner(server, TestMac(1));
  Client keeper(server, TestMac(2));
  ASSERT_EQ(decliner.Dora().kind(), ReplyKind::kAck);
  ASSERT_EQ(keeper.Dora().kind(), ReplyKind::kAck);
  const Ipv4Address declined = decliner.address();
  const Ipv4Address kept = keeper.address();
  ASSERT_EQ(decliner.Decline().kind(), ReplyKind::kNone);

  TempDir dir;
  {
    // During probation: the quarantine record holds the address, the
    // decliner holds nothing.
    Replayed r = JournalAndReplay(server, dir.path());
    const auto live = LiveByAddress(*r.leases);
    ASSERT_EQ(live.size(), 2u);
    EXPECT_EQ(live.at(declined.value()).state, LeaseState::kDeclined);
    EXPECT_EQ(live.at(kept.value()).state, LeaseState::kBound);
    EXPECT_FALSE(r.addresses->IsFree(declined));
    EXPECT_EQ(r.result.superseded_by_address, 0u);  // the binding was deleted, not outvoted
  }
  // Probation over: the quarantine record is deleted. The journal now holds
  // the decliner's grant, its delete, the quarantine and its delete: the
  // address must come back free, not bound to the decliner again.
  server.Advance(1001);
  server.ReclaimAll();
  Replayed r = JournalAndReplay(server, dir.path());
  const auto live = LiveByAddress(*r.leases);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live.count(kept.value()), 1u);
  EXPECT_TRUE(r.addresses->IsFree(declined));
}

INSTANTIATE_TEST_SUITE_P(Shards, JournalReplayScenario, ::testing::Values(1u, 4u));

}  // namespace
}  // namespace dpdhcp::scenario
