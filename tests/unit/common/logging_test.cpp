// The json log format: one object a line, the context fields of the logging thread,
// strings escaped, invalid UTF-8 replaced.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "tributary/logging.hpp"

namespace tributary::logging_test {
namespace {

using ::testing::MatchesRegex;

// Sends the default logger's lines to `out` for the test, then puts everything back.
class JsonLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(
        "json-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(logger);
    set_log_format(LogFormat::Json);
  }
  void TearDown() override {
    set_log_format(LogFormat::Text);
    spdlog::set_default_logger(previous_);
  }
  std::vector<nlohmann::json> lines() {
    std::vector<nlohmann::json> parsed;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) parsed.push_back(nlohmann::json::parse(line));
    return parsed;
  }
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(JsonLogTest, WritesTimeLevelMessageAndTheContextFieldsInOrder) {
  {
    const LogContext run{{"run_id", std::int64_t{7}}};
    const LogContext day{{"day", std::string("2024-01-05")}};
    const LogContext attempt{{"attempt", std::int64_t{2}}};
    spdlog::warn("retrying");
  }
  spdlog::info("after");
  const auto parsed = lines();
  ASSERT_EQ(parsed.size(), 2u) << out_.str();
  EXPECT_EQ(out_.str().substr(0, 9), "{\"time\":\"");
  EXPECT_THAT(parsed[0]["time"].get<std::string>(),
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"));
  EXPECT_EQ(parsed[0]["level"], "warning");
  EXPECT_EQ(parsed[0]["message"], "retrying");
  EXPECT_EQ(parsed[0]["run_id"], 7);
  EXPECT_EQ(parsed[0]["day"], "2024-01-05");
  EXPECT_EQ(parsed[0]["attempt"], 2);
  const std::vector<std::string> order = {"time", "level", "message", "run_id", "day", "attempt"};
  std::vector<std::string> keys;
  const auto first = nlohmann::ordered_json::parse(out_.str().substr(0, out_.str().find('\n')));
  for (auto it = first.begin(); it != first.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, order);
  EXPECT_EQ(parsed[1].size(), 3u) << "the fields end with their context";
}

TEST_F(JsonLogTest, TheInnerContextWinsForAKeyBothSet) {
  const LogContext outer{{"attempt", std::int64_t{1}}};
  {
    const LogContext inner{{"attempt", std::int64_t{3}}};
    spdlog::warn("inner");
  }
  spdlog::warn("outer");
  const auto parsed = lines();
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0]["attempt"], 3);
  EXPECT_EQ(parsed[1]["attempt"], 1);
}

TEST_F(JsonLogTest, ContextIsPerThread) {
  const LogContext mine{{"day", std::string("2024-01-01")}};
  std::thread other([] { spdlog::info("from another thread"); });
  other.join();
  const auto parsed = lines();
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_FALSE(parsed[0].contains("day"));
}

TEST_F(JsonLogTest, EscapesQuotesControlCharactersAndReplacesInvalidUtf8) {
  spdlog::error("a \"quoted\" \\ line\nwith\ttabs \x01 and bad \xff\xfe bytes, caf\xc3\xa9");
  const auto text = out_.str();
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line: " << text;
  const auto parsed = lines();
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(
      parsed[0]["message"],
      "a \"quoted\" \\ line\nwith\ttabs \x01 and bad \xef\xbf\xbd\xef\xbf\xbd bytes, caf\xc3\xa9");
}

TEST_F(JsonLogTest, TextFormatIsUnchangedAndWritesNoFields) {
  set_log_format(LogFormat::Text);
  const LogContext day{{"day", std::string("2024-01-05")}};
  spdlog::warn("plain");
  EXPECT_THAT(out_.str(), MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+ warning plain\n"));
  EXPECT_EQ(log_format(), LogFormat::Text);
}

}  // namespace
}  // namespace tributary::logging_test
