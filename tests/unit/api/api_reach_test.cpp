// An API that cannot be reached: which curl failures mean "never got there", the
// ApiUnreachableError a day gets when no attempt did, and the ApiReach that the clients of
// one run share (reached, give up, one voice in the log).

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/transfer.hpp"
#include "api_client_fixture.hpp"
#include "support/test_http_server.hpp"
#include "tributary/api_client.hpp"
#include "tributary/error.hpp"

namespace tributary::testkit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(CouldNotReach, NoHostNoConnectionAndNoTlsSessionNeverReachedTheApi) {
  using internal::could_not_reach;
  for (const CURLcode code :
       {CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY,
        CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM}) {
    EXPECT_TRUE(could_not_reach(code, false)) << curl_easy_strerror(code);
  }
  EXPECT_TRUE(could_not_reach(CURLE_OPERATION_TIMEDOUT, false)) << "a connect timeout";
}

TEST(CouldNotReach, AnythingAfterTheConnectionReachedTheApi) {
  using internal::could_not_reach;
  EXPECT_FALSE(could_not_reach(CURLE_OPERATION_TIMEDOUT, true)) << "a stalled answer";
  for (const CURLcode code : {CURLE_OK, CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
                              CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY}) {
    EXPECT_FALSE(could_not_reach(code, true)) << curl_easy_strerror(code);
  }
}

TEST(ApiReachShared, GivingUpWakesAWaitAtOnce) {
  ApiReach reach;
  EXPECT_TRUE(reach.wait_to_retry(std::chrono::milliseconds(5)));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reach.give_up();
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(reach.wait_to_retry(std::chrono::seconds(30)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  stopper.join();
  EXPECT_TRUE(reach.given_up());
  EXPECT_FALSE(reach.wait_to_retry(std::chrono::seconds(30))) << "given up stays given up";
}

TEST(ApiReachShared, OneClientSpeaksUntilTheApiIsReached) {
  ApiReach reach;
  const int a = 0;
  const int b = 0;
  EXPECT_TRUE(reach.speaks_for(&a));
  EXPECT_FALSE(reach.speaks_for(&b));
  EXPECT_TRUE(reach.speaks_for(&a));
  reach.mark_reached();
  EXPECT_TRUE(reach.speaks_for(&b));
}

TEST_F(ApiClientTest, ARefusedConnectionOnEveryAttemptIsUnreachableNamingApiUrl) {
  RefusingPort nothing;
  ApiClient client(options_for(nothing.url() + "?key=url-secret"));
  try {
    client.fetch_day(kDay, consumer_);
    FAIL() << "expected ApiUnreachableError";
  } catch (const ApiUnreachableError& e) {
    EXPECT_EQ(e.attempts(), 3);
    EXPECT_EQ(e.status(), 0);
    EXPECT_THAT(e.what(), HasSubstr("could not reach the API at API_URL=" + nothing.url() + ": "));
    EXPECT_THAT(e.what(), HasSubstr("Connection refused"));
    EXPECT_THAT(e.what(), HasSubstr("gave up after 3 attempts, fetching 2024-01-05"));
    EXPECT_THAT(e.what(), Not(HasSubstr("url-secret")));
    EXPECT_THAT(e.what(), Not(HasSubstr(kCanaryToken)));
  }
  EXPECT_THAT(log(), Not(HasSubstr(kCanaryToken)));
}

TEST_F(ApiClientTest, AnUnknownHostIsUnreachable) {
  ApiClient client(options_for("http://nonexistent.invalid/events"));
  const auto message = message_of<ApiUnreachableError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("API_URL=http://nonexistent.invalid/events"));
  EXPECT_THAT(message, HasSubstr("(curl 6)"));
}

TEST_F(ApiClientTest, ATlsFailureIsUnreachableAfterOneAttempt) {
  RawTcpServer server([](int fd, int) { RawTcpServer::write_all(fd, "HTTP/1.1 400 Bad\r\n\r\n"); });
  auto url = server.url();
  url.replace(0, 4, "https");
  ApiClient client(options_for(url));
  try {
    client.fetch_day(kDay, consumer_);
    FAIL() << "expected ApiUnreachableError";
  } catch (const ApiUnreachableError& e) {
    EXPECT_EQ(e.attempts(), 1);
    EXPECT_THAT(e.what(), HasSubstr("(curl 35)"));
    EXPECT_THAT(e.what(), HasSubstr("not retried, fetching 2024-01-05"));
  }
}

TEST_F(ApiClientTest, AnApiAnsweringErrorsWasReachedAndIsNotUnreachable) {
  TestHttpServer server([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 503;
    res.set_content(R"({"detail":"down for maintenance"})", kJsonType);
  });
  auto reach = std::make_shared<ApiReach>();
  ApiClient client(options_for(server.url()), reach);
  try {
    client.fetch_day(kDay, consumer_);
    FAIL() << "expected ApiError";
  } catch (const ApiUnreachableError& e) {
    FAIL() << "an answer is not unreachable: " << e.what();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_TRUE(reach->reached());
}

TEST_F(ApiClientTest, OnlyOneOfTheClientsOfARunLogsWhileNothingIsReached) {
  RefusingPort nothing;
  auto reach = std::make_shared<ApiReach>();
  ApiClient first(options_for(nothing.url()), reach);
  ApiClient second(options_for(nothing.url()), reach);
  EXPECT_THROW(first.fetch_day(kDay, consumer_), ApiUnreachableError);
  EXPECT_THROW(second.fetch_day(kDay, consumer_), ApiUnreachableError);
  EXPECT_EQ(occurrences(log(), "retrying in"), 2u) << log();  // the first client's 2 retries
  EXPECT_FALSE(reach->reached());
}

TEST_F(ApiClientTest, AClientOfARunThatGaveUpStopsWaitingAndSendsNothingMore) {
  RefusingPort nothing;
  auto reach = std::make_shared<ApiReach>();
  auto options = options_for(nothing.url());
  options.max_attempts = 5;
  options.backoff_base = std::chrono::seconds(20);  // a wait that would outlast the test
  options.backoff_cap = std::chrono::seconds(20);
  ApiClient client(options, reach);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    reach->give_up();
  });
  const auto started = std::chrono::steady_clock::now();
  std::string message;
  int attempts = -1;
  try {
    client.fetch_day(kDay, consumer_);
  } catch (const ApiUnreachableError& e) {
    message = e.what();
    attempts = e.attempts();
  }
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_THAT(message, HasSubstr("the run gave up"));
  EXPECT_GE(attempts, 1);
  EXPECT_LT(attempts, 5);

  TestHttpServer healthy([](const httplib::Request&, httplib::Response& res, int) {
    res.set_content(kEvents, kJsonType);
  });
  ApiClient late(options_for(healthy.url()), reach);
  EXPECT_THROW(late.fetch_day(kDay, consumer_), ApiUnreachableError);
  EXPECT_EQ(healthy.requests(), 0) << "a run that gave up requests no new day";
}

TEST_F(ApiClientTest, OnceTheRunReachedTheApiAGiveUpNoLongerStopsARequest) {
  TestHttpServer healthy([](const httplib::Request&, httplib::Response& res, int) {
    res.set_content(kEvents, kJsonType);
  });
  auto reach = std::make_shared<ApiReach>();
  reach->mark_reached();
  reach->give_up();
  ApiClient client(options_for(healthy.url()), reach);
  EXPECT_EQ(client.fetch_day(kDay, consumer_).attempts, 1);
}

}  // namespace
}  // namespace tributary::testkit
