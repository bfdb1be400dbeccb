#pragma once

// Shared by the ApiClient tests: a consumer that keeps what it is given, and a fixture that
// captures the log.

#include <chrono>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "tributary/api_client.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::testkit {

using std::chrono::milliseconds;

inline const date::sys_days kDay = date::year{2024} / 1 / 5;
inline constexpr const char* kEvents =
    R"([{"device_id":"a","event_time":1},{"device_id":"b","event_time":2}])";

/// A token unique to this run: finding it in a log line or a message proves a leak.
inline const std::string kCanaryToken = [] {
  std::random_device entropy;
  return "canary-" + std::to_string(entropy()) + "-" + std::to_string(entropy());
}();

/// Keeps the bytes of the current attempt; finish() checks they form a JSON array, as the
/// real parser does, and throws models::PayloadError when they do not.
class CollectingConsumer : public DayConsumer {
 public:
  void begin_attempt() override {
    ++begins;
    body.clear();
    chunks = 0;
  }
  void consume(std::string_view bytes) override {
    EXPECT_GT(begins, 0) << "consume() before begin_attempt()";
    body.append(bytes);
    ++chunks;
  }
  void finish() override {
    ++finishes;
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_array()) {
      throw models::PayloadError(models::PayloadError::Kind::Truncated, body.size(),
                                 "the array is not complete");
    }
  }
  int begins = 0;
  int finishes = 0;
  int chunks = 0;
  std::string body;
};

/// Each test logs into a string, to check what was (and was not) written.
class ApiClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("api_client_test", sink));
  }
  void TearDown() override { spdlog::set_default_logger(previous_); }

  static ApiOptions options_for(const std::string& url) {
    ApiOptions options;
    options.url = url;
    options.token = kCanaryToken;
    options.max_attempts = 3;
    options.backoff_base = milliseconds{10};
    options.backoff_cap = milliseconds{40};
    options.connect_timeout = milliseconds{2000};
    options.low_speed_time = std::chrono::seconds{1};
    options.jitter_seed = 7;
    return options;
  }
  std::string log() const { return log_.str(); }

  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_;
  CollectingConsumer consumer_;
};

/// Runs `call`, expecting it to throw E; returns the message.
template <typename E, typename F>
std::string message_of(F&& call) {
  try {
    call();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

}  // namespace tributary::testkit
