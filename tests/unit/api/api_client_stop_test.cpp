// ApiClient and a stop request (RunOptions::stop): a stalled body and a wait before a retry
// both end within about a second, with Interrupted, and nothing is retried after it.

#include <chrono>
#include <stop_token>
#include <thread>

#include <gtest/gtest.h>

#include "api_client_fixture.hpp"
#include "common/stop.hpp"
#include "support/test_http_server.hpp"
#include "tributary/api_client.hpp"

namespace tributary::testkit {
namespace {

using Clock = std::chrono::steady_clock;

// Requests a stop on `source` after `delay`, from another thread.
std::jthread stop_after(std::stop_source& source, milliseconds delay) {
  return std::jthread([&source, delay] {
    std::this_thread::sleep_for(delay);
    source.request_stop();
  });
}

TEST_F(ApiClientTest, AStopAbortsABodyThatStallsWithinASecond) {
  TestHttpServer server;
  server.set_handler([&server](const httplib::Request&, httplib::Response& res, int) {
    res.set_content_provider(500, kJsonType,
                             [&server](std::size_t, std::size_t, httplib::DataSink& sink) {
                               sink.write("[", 1);
                               server.pause(milliseconds{10'000});
                               return false;
                             });
  });
  auto options = options_for(server.url());
  options.low_speed_time = std::chrono::seconds{30};  // the stall limit is not what ends it
  ApiClient client(options);
  std::stop_source source;
  const auto start = Clock::now();
  const auto stopper = stop_after(source, milliseconds{300});
  EXPECT_THROW(client.fetch_day(kDay, consumer_, std::nullopt, source.get_token()),
               internal::Interrupted);
  EXPECT_LT(Clock::now() - start, milliseconds{1800});
  EXPECT_EQ(server.requests(), 1) << "not retried after the stop";
}

TEST_F(ApiClientTest, AStopEndsTheWaitBeforeARetry) {
  TestHttpServer server(answer(503, R"({"detail":"busy"})"));
  auto options = options_for(server.url());
  options.backoff_base = milliseconds{20'000};
  options.backoff_cap = milliseconds{20'000};
  options.jitter_seed = 7;
  ApiClient client(options);
  std::stop_source source;
  const auto start = Clock::now();
  const auto stopper = stop_after(source, milliseconds{300});
  EXPECT_THROW(client.fetch_day(kDay, consumer_, std::nullopt, source.get_token()),
               internal::Interrupted);
  EXPECT_LT(Clock::now() - start, milliseconds{1500});
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(ApiClientTest, AFetchAfterTheStopSendsNoRequest) {
  TestHttpServer server(answer(200, kEvents));
  ApiClient client(options_for(server.url()));
  std::stop_source source;
  source.request_stop();
  EXPECT_THROW(client.fetch_day(kDay, consumer_, std::nullopt, source.get_token()),
               internal::Interrupted);
  EXPECT_EQ(server.requests(), 0);
  // Without a stop the same client works as before.
  EXPECT_EQ(client.fetch_day(kDay, consumer_).attempts, 1);
}

}  // namespace
}  // namespace tributary::testkit
