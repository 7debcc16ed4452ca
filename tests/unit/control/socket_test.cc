// The control socket, over a real Unix socket in a temporary directory.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "dpdhcp/control/client.h"
#include "dpdhcp/control/commands.h"
#include "dpdhcp/control/socket_server.h"
#include "test_state.h"

namespace dpdhcp::control {
namespace {

using namespace std::chrono_literals;

// A raw connection, for clients that misbehave on purpose.
int Connect(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

class SocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = testing::MakeTestState();
    ASSERT_TRUE(RegisterServerCommands(registry_, *state_).ok());
  }
  void StartServer(ControlServerOptions o = {}) {
    o.path = dir_.File("control.sock");
    server_ = std::make_unique<ControlServer>(registry_, o);
    ASSERT_TRUE(server_->Start().ok());
  }
  absl::StatusOr<Answer> Send(std::string_view command, const Json& args = nullptr) {
    return SendCommand(server_->path(), command, args, 10s);
  }
  Json Raw(std::string_view request) {
    auto text = Exchange(server_->path(), request, 10s);
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? Json::parse(*text) : Json();
  }

  testing::TempDir dir_;
  std::unique_ptr<MemoryServerState> state_;
  CommandRegistry registry_;
  std::unique_ptr<ControlServer> server_;
};

TEST_F(SocketTest, AnswersACommand) {
  StartServer();
  auto a = Send("lease4-get", Json{{"ip-address", "198.18.0.100"}});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->result, Result::kSuccess);
  EXPECT_EQ(a->arguments["hw-address"], "0a:00:01:00:00:00");
  EXPECT_EQ(server_->stats().answered, 1u);
}

TEST_F(SocketTest, SocketFileIsPrivateByDefaultAndRemovedOnStop) {
  StartServer();
  struct stat st {};
  ASSERT_EQ(stat(server_->path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  server_->Stop();
  EXPECT_NE(stat(server_->path().c_str(), &st), 0);
}

TEST_F(SocketTest, ModeAndGroupAreApplied) {
  ControlServerOptions o;
  o.mode = 0660;
  o.group = std::to_string(getgid());
  StartServer(o);
  struct stat st {};
  ASSERT_EQ(stat(server_->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, getgid());
}

TEST_F(SocketTest, UnknownGroupAndLongPathAreErrors) {
  ControlServerOptions o;
  o.path = dir_.File("a.sock");
  o.group = "no-such-group-dpdhcp";
  ControlServer s1(registry_, o);
  EXPECT_EQ(s1.Start().code(), absl::StatusCode::kNotFound);
  o.group.clear();
  o.path = "/tmp/" + std::string(200, 'x');
  ControlServer s2(registry_, o);
  EXPECT_EQ(s2.Start().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SocketTest, ReplacesAStaleSocketButNotALiveOneOrAFile) {
  const std::string path = dir_.File("control.sock");
  {  // A socket file nobody accepts on, as a crashed server leaves it.
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    ASSERT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    close(fd);
  }
  StartServer();
  ASSERT_TRUE(Send("version-get").ok());
  ControlServerOptions o;
  o.path = path;
  ControlServer second(registry_, o);
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Send("version-get").ok());  // the first one is unaffected

  o.path = dir_.File("plain-file");
  std::ofstream(o.path) << "x";
  ControlServer third(registry_, o);
  EXPECT_EQ(third.Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SocketTest, MalformedJsonGetsAClearErrorAndTheServerGoesOn) {
  StartServer();
  Json a = Raw(R"({"command": "status-get", "arguments": {"x": })");
  EXPECT_EQ(a["result"], 1);
  EXPECT_NE(a["text"].get<std::string>().find("not valid JSON"), std::string::npos) << a;
  a = Raw("not json at all");
  EXPECT_EQ(a["result"], 1);
  EXPECT_EQ(a["text"], "request must be a JSON map");
  a = Raw(R"({"command": "status-get", "arguments": [)" + std::string(1000, '[') + "]}");
  EXPECT_EQ(a["result"], 1);
  EXPECT_NE(a["text"].get<std::string>().find("deeper"), std::string::npos);
  a = Raw(R"({"command": "no-such-thing"})");
  EXPECT_EQ(a["result"], 2);
  auto ok = Send("version-get");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->result, Result::kSuccess);
}

TEST_F(SocketTest, TruncatedRequestIsAnsweredOnHalfClose) {
  StartServer();
  const Json a = Raw(R"({"command": "status-get")");
  EXPECT_EQ(a["result"], 1);
  EXPECT_NE(a["text"].get<std::string>().find("not valid JSON"), std::string::npos);
}

TEST_F(SocketTest, OversizedRequestIsRefused) {
  ControlServerOptions o;
  o.max_request_bytes = 64 * 1024;
  StartServer(o);
  // A syntactically open request that never completes within the cap.
  const std::string big = R"({"command": "config-test", "arguments": {"pad": ")" + std::string(200 * 1024, 'x');
  auto text = Exchange(server_->path(), big, 10s);
  ASSERT_TRUE(text.ok()) << text.status();
  const Json a = Json::parse(*text);
  EXPECT_EQ(a["result"], 1);
  EXPECT_EQ(a["text"], "request too large (more than 65536 bytes)");
  EXPECT_EQ(server_->stats().too_large, 1u);
  EXPECT_TRUE(Send("version-get").ok());
}

TEST_F(SocketTest, DefaultCapIsOneMebibyte) {
  StartServer();
  const std::string big = R"({"command": "config-test", "arguments": {"pad": ")" + std::string(1100 * 1024, 'x') + "\"}}";
  auto text = Exchange(server_->path(), big, 10s);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(Json::parse(*text)["text"], "request too large (more than 1048576 bytes)");
}

TEST_F(SocketTest, SilentClientTimesOutWithoutBlockingOthers) {
  ControlServerOptions o;
  o.idle_timeout = 300ms;
  StartServer(o);
  const int silent = Connect(server_->path());
  ASSERT_GE(silent, 0);
  // While the silent client holds its connection, others are served.
  for (int i = 0; i < 5; ++i) {
    auto a = Send("version-get");
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(a->result, Result::kSuccess);
  }
  // Then the silent one is told and closed (ReadAll returns at the close).
  const Json a = Json::parse(ReadAll(silent));
  close(silent);
  EXPECT_EQ(a["result"], 1);
  EXPECT_EQ(a["text"], "timed out waiting for a complete request");
  EXPECT_EQ(server_->stats().timed_out, 1u);
}

TEST_F(SocketTest, EmptyConnectionGetsNoAnswer) {
  StartServer();
  const int fd = Connect(server_->path());
  ASSERT_GE(fd, 0);
  shutdown(fd, SHUT_WR);
  EXPECT_EQ(ReadAll(fd), "");
  close(fd);
  EXPECT_TRUE(Send("version-get").ok());
}

TEST_F(SocketTest, ConcurrentClientsAllGetTheirOwnAnswers) {
  StartServer();
  constexpr int kThreads = 8, kRequests = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        const std::string ip = "198.18.0." + std::to_string(100 + (t * kRequests + i) % 120);
        auto a = SendCommand(server_->path(), "lease4-get", Json{{"ip-address", ip}}, 10s);
        if (a.ok() && a->result == Result::kSuccess && a->arguments["ip-address"] == ip) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads * kRequests);
  EXPECT_EQ(server_->stats().answered, static_cast<uint64_t>(kThreads * kRequests));
}

TEST_F(SocketTest, TooManyConnectionsAreTurnedAwayNotQueuedForever) {
  ControlServerOptions o;
  o.max_connections = 2;
  o.idle_timeout = 10s;
  StartServer(o);
  const int a = Connect(server_->path()), b = Connect(server_->path());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  const int c = Connect(server_->path());
  ASSERT_GE(c, 0);
  const Json busy = Json::parse(ReadAll(c));
  EXPECT_EQ(busy["result"], 1);
  EXPECT_NE(busy["text"].get<std::string>().find("busy"), std::string::npos);
  close(a);
  close(b);
  close(c);
}

TEST_F(SocketTest, ShutdownIsAnsweredBeforeTheServerStops) {
  StartServer();
  std::atomic<int> exit_value{-1};
  state_->SetShutdownCallback([&](int v) { exit_value = v; });
  auto a = Send("shutdown", Json{{"exit-value", 0}});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->text, "Shutting down.");
  EXPECT_EQ(exit_value.load(), 0);
}

TEST(ClientTest, CannotConnectIsUnavailable) {
  testing::TempDir dir;
  auto a = SendCommand(dir.File("none.sock"), "version-get", nullptr, 1s);
  EXPECT_EQ(a.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(std::string(a.status().message()).find("no such socket"), std::string::npos);
}

}  // namespace
}  // namespace dpdhcp::control
