// The request envelope, the framing scanner and the registry itself.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "dpdhcp/control/json_framer.h"
#include "dpdhcp/control/registry.h"

namespace dpdhcp::control {
namespace {

struct EnvelopeCase {
  const char* name;
  std::string request;
  const char* error;  // nullptr: valid
};

class EnvelopeTest : public ::testing::TestWithParam<EnvelopeCase> {};

TEST_P(EnvelopeTest, ParsesOrNamesTheProblem) {
  const EnvelopeCase& c = GetParam();
  const auto r = ParseRequest(c.request);
  if (c.error == nullptr) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->command, "status-get");
  } else {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(std::string(r.status().message()).find(c.error), std::string::npos) << r.status();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Requests, EnvelopeTest,
    ::testing::Values(
        EnvelopeCase{"plain", R"({"command": "status-get"})", nullptr},
        EnvelopeCase{"with_arguments", R"({"command": "status-get", "arguments": {}})", nullptr},
        EnvelopeCase{"with_service", R"({"command": "status-get", "service": ["dhcp4"]})", nullptr},
        EnvelopeCase{"leading_space", "  \n{\"command\": \"status-get\"}", nullptr},
        EnvelopeCase{"not_json", R"({"command": "status-get")", "not valid JSON"},
        EnvelopeCase{"garbage", "hello", "must be a JSON map"},
        EnvelopeCase{"array", R"(["status-get"])", "must be a JSON map"},
        EnvelopeCase{"no_command", R"({"arguments": {}})", "no \"command\""},
        EnvelopeCase{"command_number", R"({"command": 7})", "\"command\" must be a string"},
        EnvelopeCase{"command_empty", R"({"command": ""})", "\"command\" is empty"},
        EnvelopeCase{"arguments_list", R"({"command": "status-get", "arguments": [1]})",
                     "\"arguments\" must be a map"},
        EnvelopeCase{"arguments_string", R"({"command": "status-get", "arguments": "x"})",
                     "\"arguments\" must be a map"},
        EnvelopeCase{"unknown_key", R"({"command": "status-get", "argument": {}})",
                     "unknown key \"argument\""},
        EnvelopeCase{"too_deep", "{\"command\": \"x\", \"arguments\": {\"a\": " + std::string(100, '[') +
                                     std::string(100, ']') + "}}",
                     "nests deeper than 64"},
        EnvelopeCase{"huge_number", R"({"command": 1e999})", "not valid JSON"},
        EnvelopeCase{"trailing", R"({"command": "status-get"} x)", "not valid JSON"}),
    [](const ::testing::TestParamInfo<EnvelopeCase>& i) { return i.param.name; });

TEST(JsonFramerTest, CompletesOnTheClosingBraceAcrossChunks) {
  const std::string text = R"({"command": "x", "arguments": {"s": "a } \" { [", "l": [1, {"k": 2}]}})";
  for (size_t split = 0; split <= text.size(); ++split) {
    JsonFramer f;
    f.Feed(std::string_view(text).substr(0, split));
    const auto state = f.Feed(std::string_view(text).substr(split));
    ASSERT_EQ(state, JsonFramer::State::kComplete) << "split at " << split;
    EXPECT_EQ(f.end(), text.size());
  }
}

TEST(JsonFramerTest, EscapedBackslashBeforeQuoteEndsTheString) {
  JsonFramer f;
  EXPECT_EQ(f.Feed(R"({"a": "x\\"})"), JsonFramer::State::kComplete);
}

TEST(JsonFramerTest, StopsAtTheEndOfTheFirstObject) {
  JsonFramer f;
  EXPECT_EQ(f.Feed(R"( {"a": 1}{"b": 2})"), JsonFramer::State::kComplete);
  EXPECT_EQ(f.end(), 9u);
}

TEST(JsonFramerTest, NeedsMoreUntilBalanced) {
  JsonFramer f;
  EXPECT_EQ(f.Feed(R"({"a": {"b": [)"), JsonFramer::State::kNeedMore);
  EXPECT_EQ(f.Feed("]}"), JsonFramer::State::kNeedMore);
  EXPECT_EQ(f.Feed("}"), JsonFramer::State::kComplete);
}

TEST(JsonFramerTest, RefusesNonObjectsAndDepth) {
  JsonFramer a;
  EXPECT_EQ(a.Feed("[1]"), JsonFramer::State::kError);
  JsonFramer b(3);
  EXPECT_EQ(b.Feed("{\"a\": [[["), JsonFramer::State::kError);
  EXPECT_NE(b.error().find("deeper than 3"), std::string::npos);
  JsonFramer c;
  EXPECT_EQ(c.Feed("{]"), JsonFramer::State::kComplete);  // the parser rejects it
  EXPECT_FALSE(ParseRequest("{]").ok());
}

TEST(CommandRegistryTest, ListsItsCommandsSorted) {
  CommandRegistry r;
  ASSERT_TRUE(r.Register("zeta", "z", Access::kRead, [](const Json&) { return Success("z"); }).ok());
  ASSERT_TRUE(r.Register("alpha", "a", Access::kWrite, [](const Json&) { return Success("a"); }).ok());
  const Answer a = r.Execute("list-commands", nullptr);
  EXPECT_EQ(a.result, Result::kSuccess);
  EXPECT_EQ(a.arguments, Json::array({"alpha", "list-commands", "zeta"}));
  EXPECT_EQ(r.Find("alpha")->access, Access::kWrite);
}

TEST(CommandRegistryTest, RefusesDuplicateAndEmptyNames) {
  CommandRegistry r;
  EXPECT_EQ(r.Register("list-commands", "", Access::kRead, [](const Json&) { return Success(""); }).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.Register("", "", Access::kRead, [](const Json&) { return Success(""); }).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CommandRegistryTest, UnknownCommandIsUnsupported) {
  CommandRegistry r;
  const Json answer = Json::parse(r.HandleRequestText(R"({"command": "lease6-get"})"));
  EXPECT_EQ(answer["result"], 2);
  EXPECT_EQ(answer["text"], "'lease6-get' command not supported");
  EXPECT_FALSE(answer.contains("arguments"));
}

TEST(CommandRegistryTest, BadEnvelopeIsAnError) {
  CommandRegistry r;
  const Json answer = Json::parse(r.HandleRequestText("{nope"));
  EXPECT_EQ(answer["result"], 1);
  EXPECT_NE(answer["text"].get<std::string>().find("not valid JSON"), std::string::npos);
}

TEST(CommandRegistryTest, ThrowingHandlerAnswersErrorAndRegistryGoesOn) {
  CommandRegistry r;
  ASSERT_TRUE(r.Register("boom", "", Access::kRead, [](const Json&) -> Answer {
                 throw std::runtime_error("kaput");
               }).ok());
  const Answer a = r.Execute("boom", nullptr);
  EXPECT_EQ(a.result, Result::kError);
  EXPECT_EQ(a.text, "boom: internal error: kaput");
  EXPECT_EQ(r.Execute("list-commands", nullptr).result, Result::kSuccess);
}

TEST(AnswerTest, SerialisesKeaShapeAndSurvivesBadUtf8) {
  Answer a = Success("ok", Json{{"s", std::string("\xff\xfe")}});
  const Json j = Json::parse(a.Serialize());
  EXPECT_EQ(j["result"], 0);
  EXPECT_EQ(j["text"], "ok");
  EXPECT_TRUE(j["arguments"]["s"].is_string());
  EXPECT_FALSE(Json::parse(Error("x").Serialize()).contains("arguments"));
}

TEST(AnswerTest, ParsesAnswers) {
  auto a = ParseAnswer(R"({"result": 3, "text": "none"})");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->result, Result::kEmpty);
  EXPECT_EQ(a->text, "none");
  EXPECT_FALSE(ParseAnswer("[]").ok());
  EXPECT_FALSE(ParseAnswer(R"({"text": "x"})").ok());
  EXPECT_FALSE(ParseAnswer(R"({"result": 0, "text": 5})").ok());
  EXPECT_EQ(ParseAnswer(R"({"result": 9})")->result, Result::kError);
}

TEST(AnswerTest, StatusMapsToKeaResults) {
  EXPECT_EQ(FromStatus(absl::OkStatus(), "fine").result, Result::kSuccess);
  EXPECT_EQ(FromStatus(absl::NotFoundError("x")).result, Result::kEmpty);
  EXPECT_EQ(FromStatus(absl::UnimplementedError("x")).result, Result::kUnsupported);
  EXPECT_EQ(FromStatus(absl::InternalError("x")).result, Result::kError);
}

}  // namespace
}  // namespace dpdhcp::control
