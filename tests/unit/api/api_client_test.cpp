// ApiClient against scripted local servers: what it sends, how it reads each kind of
// answer, and which failures it retries (docs/api-format.md).

#include "tributary/api_client.hpp"

#include <chrono>
#include <ctime>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/redact_url.hpp"
#include "api_client_fixture.hpp"
#include "support/test_http_server.hpp"
#include "tributary/error.hpp"

namespace tributary::testkit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(ApiClientTest, StreamsA200ArrayToTheConsumer) {
  TestHttpServer server(answer(200, kEvents));
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.outcome, FetchOutcome::Events);
  EXPECT_EQ(fetch.status, 200);
  EXPECT_EQ(fetch.attempts, 1);
  EXPECT_EQ(fetch.body_bytes, std::string(kEvents).size());
  EXPECT_EQ(consumer_.body, kEvents);
  EXPECT_EQ(consumer_.begins, 1);
  EXPECT_EQ(consumer_.finishes, 1);
}

TEST_F(ApiClientTest, SendsTheDateTokenUserAgentAndAcceptEncoding) {
  TestHttpServer server(answer(200, "[]"));
  ApiClient client(options_for(server.url()));
  client.fetch_day(kDay, consumer_);
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/events?date=2024-01-05");
  EXPECT_EQ(seen[0].header("api-token"), kCanaryToken);
  EXPECT_EQ(seen[0].header("User-Agent"), "tributary/0.1");
  EXPECT_THAT(seen[0].header("Accept-Encoding"), HasSubstr("gzip"));
  EXPECT_EQ(seen[0].header("If-None-Match"), "");
}

TEST_F(ApiClientTest, AppendsTheDateWithAmpersandWhenTheUrlHasAQuery) {
  TestHttpServer server(answer(200, "[]"));
  ApiClient client(options_for(server.url() + "?v=2"));
  client.fetch_day(kDay, consumer_);
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].date, "2024-01-05");
  EXPECT_THAT(seen[0].target, HasSubstr("v=2"));
}

TEST_F(ApiClientTest, StreamsAnArrayAfterABomAndWhitespace) {
  const std::string body = "\xEF\xBB\xBF \r\n" + std::string(kEvents);
  TestHttpServer server(answer(200, body));
  ApiClient client(options_for(server.url()));
  EXPECT_EQ(client.fetch_day(kDay, consumer_).outcome, FetchOutcome::Events);
  EXPECT_EQ(consumer_.body, body);
}

TEST_F(ApiClientTest, StreamsALargeBodyInChunksAsItArrives) {
  std::string body = "[";
  for (int i = 0; i < 20'000; ++i) body += (i ? ",{\"i\":" : "{\"i\":") + std::to_string(i) + "}";
  body += "]";
  TestHttpServer server(answer(200, body));
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.body_bytes, body.size());
  EXPECT_EQ(consumer_.body, body);
  EXPECT_GT(consumer_.chunks, 2);
}

TEST_F(ApiClientTest, TreatsA404NoEventFoundAsEmpty) {
  TestHttpServer server(answer(404, R"({"detail":"No event found for date"})"));
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.outcome, FetchOutcome::Empty);
  EXPECT_EQ(fetch.status, 404);
  EXPECT_EQ(fetch.detail, "No event found for date");
  EXPECT_EQ(fetch.attempts, 1);
  EXPECT_EQ(consumer_.begins, 0);
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(ApiClientTest, TreatsA200NoEventFoundObjectAsEmpty) {
  TestHttpServer server(answer(200, R"( {"detail": "No event found for 2024-01-05"})"));
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.outcome, FetchOutcome::Empty);
  EXPECT_EQ(fetch.status, 200);
  EXPECT_EQ(consumer_.begins, 0);
}

class RejectedToken : public ApiClientTest, public ::testing::WithParamInterface<int> {};

TEST_P(RejectedToken, ThrowsAuthErrorAfterExactlyOneRequest) {
  TestHttpServer server(answer(GetParam(), R"({"detail":"Invalid token"})"));
  ApiClient client(options_for(server.url()));
  const std::string message = message_of<AuthError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_EQ(server.requests(), 1);
  EXPECT_THAT(message, HasSubstr("API_TOKEN was rejected by " + server.url()));
  EXPECT_THAT(message, HasSubstr("(" + std::to_string(GetParam())));
  EXPECT_THAT(message, HasSubstr("set API_TOKEN in .env"));
}

INSTANTIATE_TEST_SUITE_P(Status, RejectedToken, ::testing::Values(401, 403));

TEST_F(ApiClientTest, HonoursRetryAfterSecondsOnA429ThenSucceeds) {
  TestHttpServer server(sequence({[](const httplib::Request&, httplib::Response& res, int) {
                                    res.status = 429;
                                    res.set_header("Retry-After", "1");
                                    res.set_content(R"({"detail":"slow down"})", kJsonType);
                                  },
                                  answer(200, kEvents)}));
  ApiClient client(options_for(server.url()));
  const auto start = std::chrono::steady_clock::now();
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(fetch.attempts, 2);
  EXPECT_EQ(fetch.outcome, FetchOutcome::Events);
  EXPECT_GE(elapsed, milliseconds{900});
  EXPECT_LT(elapsed, milliseconds{5000});
  EXPECT_THAT(log(), HasSubstr("2024-01-05: attempt 1/3 failed (HTTP 429"));
  EXPECT_THAT(log(), HasSubstr("retrying in 1000 ms (Retry-After)"));
}

TEST_F(ApiClientTest, HonoursRetryAfterAsAnHttpDate) {
  // Two seconds from now, truncated to the second: between 1 and 2 seconds away.
  const std::time_t when = std::time(nullptr) + 2;
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  const std::string retry_at = text;
  TestHttpServer server(sequence({[retry_at](const httplib::Request&, httplib::Response& res, int) {
                                    res.status = 429;
                                    res.set_header("Retry-After", retry_at);
                                  },
                                  answer(200, "[]")}));
  ApiClient client(options_for(server.url()));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.fetch_day(kDay, consumer_).attempts, 2);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds{900});
  EXPECT_LT(elapsed, milliseconds{3500});
}

TEST_F(ApiClientTest, RetriesServerErrorsThenSucceeds) {
  TestHttpServer server(sequence(
      {answer(500, R"({"detail":"boom"})"), answer(503, "unavailable"), answer(200, kEvents)}));
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.attempts, 3);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(consumer_.begins, 1);  // only the attempt that streamed an array
  EXPECT_EQ(consumer_.body, kEvents);
  EXPECT_THAT(log(), HasSubstr("attempt 1/3 failed (HTTP 500: boom)"));
  EXPECT_THAT(log(), HasSubstr("attempt 2/3 failed (HTTP 503)"));
}

TEST_F(ApiClientTest, GivesUpAfterMaxAttemptsOfServerErrors) {
  TestHttpServer server(answer(500, R"({"detail":"boom"})"));
  auto options = options_for(server.url());
  options.max_attempts = 4;
  ApiClient client(options);
  try {
    client.fetch_day(kDay, consumer_);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_THAT(e.what(), HasSubstr("2024-01-05"));
    EXPECT_THAT(e.what(), HasSubstr(server.url() + "?date=2024-01-05"));
    EXPECT_THAT(e.what(), HasSubstr("gave up after 4 attempts"));
    EXPECT_THAT(e.what(), HasSubstr("last error: HTTP 500: boom"));
  }
  EXPECT_EQ(server.requests(), 4);
}

class WrongRequest : public ApiClientTest, public ::testing::WithParamInterface<int> {};

TEST_P(WrongRequest, FailsWithTheServersDetailWithoutRetrying) {
  TestHttpServer server(answer(GetParam(), R"({"detail":"date must be YYYY-MM-DD"})"));
  ApiClient client(options_for(server.url()));
  try {
    client.fetch_day(kDay, consumer_);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), GetParam());
    EXPECT_THAT(e.what(), HasSubstr("date must be YYYY-MM-DD"));
    EXPECT_THAT(e.what(), HasSubstr("2024-01-05"));
  }
  EXPECT_EQ(server.requests(), 1);
}

INSTANTIATE_TEST_SUITE_P(Status, WrongRequest, ::testing::Values(400, 404, 422));

TEST_F(ApiClientTest, DoesNotFollowRedirects) {
  TestHttpServer server([](const httplib::Request&, httplib::Response& res, int) {
    res.set_redirect("http://elsewhere.invalid/events", 302);
  });
  ApiClient client(options_for(server.url()));
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("redirected (HTTP 302) to http://elsewhere.invalid/events"));
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(ApiClientTest, StoresTheEtagAndReportsNotModifiedToIfNoneMatch) {
  TestHttpServer server([](const httplib::Request& req, httplib::Response& res, int) {
    res.set_header("ETag", "\"day-v1\"");
    if (req.get_header_value("If-None-Match") == "\"day-v1\"") {
      res.status = 304;
      return;
    }
    res.set_content(kEvents, kJsonType);
  });
  ApiClient client(options_for(server.url()));
  const DayFetch first = client.fetch_day(kDay, consumer_);
  ASSERT_EQ(first.outcome, FetchOutcome::Events);
  ASSERT_EQ(first.etag, "\"day-v1\"");

  CollectingConsumer again;
  const DayFetch second = client.fetch_day(kDay, again, first.etag);
  EXPECT_EQ(second.outcome, FetchOutcome::NotModified);
  EXPECT_EQ(second.status, 304);
  EXPECT_EQ(second.etag, "\"day-v1\"");
  EXPECT_EQ(again.begins, 0);
  EXPECT_EQ(server.seen()[1].header("If-None-Match"), "\"day-v1\"");
}

TEST_F(ApiClientTest, DecodesAGzipBody) {
  const std::string plain = kEvents;
  TestHttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
    res.set_header("Content-Encoding", "gzip");
    res.set_content(gzip_stored(plain), kJsonType);
  });
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.outcome, FetchOutcome::Events);
  EXPECT_EQ(fetch.body_bytes, plain.size());
  EXPECT_EQ(consumer_.body, plain);
}

TEST_F(ApiClientTest, DecodesTheCompressionHttplibChooses) {
  std::string body = "[";
  for (int i = 0; i < 5'000; ++i) body += (i ? "," : "") + std::string(R"({"path":"/app/home"})");
  body += "]";
  TestHttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
    res.set_content(body, "application/json");  // httplib compresses this type
  });
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.body_bytes, body.size());
  EXPECT_EQ(consumer_.body, body);
}

TEST_F(ApiClientTest, KeepsOneConnectionAcrossDaysAndRetries) {
  TestHttpServer server(sequence({answer(200, "[]"), answer(500, "{}"), answer(200, "[]")}));
  ApiClient client(options_for(server.url()));
  client.fetch_day(kDay, consumer_);
  EXPECT_EQ(client.fetch_day(kDay + date::days{1}, consumer_).attempts, 2);
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].remote_port, seen[0].remote_port);
  EXPECT_EQ(seen[2].remote_port, seen[0].remote_port);
  EXPECT_EQ(seen[1].date, "2024-01-06");
}

TEST_F(ApiClientTest, FailsAfterMaxAttemptsWhenNothingListens) {
  RefusingPort nothing;
  ApiClient client(options_for(nothing.url()));
  try {
    client.fetch_day(kDay, consumer_);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_THAT(e.what(), HasSubstr("gave up after 3 attempts"));
    EXPECT_THAT(e.what(), HasSubstr("(curl 7)"));
  }
  EXPECT_THAT(log(), HasSubstr("attempt 2/3 failed (Couldn't connect to server"));
  EXPECT_THAT(log(), Not(HasSubstr("attempt 3/3")));  // no wait after the last attempt
}

TEST_F(ApiClientTest, DoesNotRetryATlsFailure) {
  RawTcpServer server([](int fd, int) { RawTcpServer::write_all(fd, "HTTP/1.1 400 Bad\r\n\r\n"); });
  auto url = server.url();
  url.replace(0, 4, "https");
  ApiClient client(options_for(url));
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("(curl 35)"));  // SSL connect error
  EXPECT_THAT(message, HasSubstr("not retried"));
  EXPECT_EQ(server.connections(), 1);
}

TEST(RedactUrl, StripsUserinfo) {
  EXPECT_EQ(internal::redact_url("https://user:secret@api.example.com/events"),
            "https://api.example.com/events");
  EXPECT_EQ(internal::redact_url("http://token@127.0.0.1:8085/events?date=2024-01-05"),
            "http://127.0.0.1:8085/events?date=2024-01-05");
  EXPECT_EQ(internal::redact_url("user:secret@host/x"), "host/x");
}

TEST(RedactUrl, KeepsOnlyTheDateParameter) {
  EXPECT_EQ(internal::redact_url("https://h/e?key=s3cret&date=2024-01-05&sig=x#frag"),
            "https://h/e?date=2024-01-05");
  EXPECT_EQ(internal::redact_url("https://h/e?key=s3cret"), "https://h/e");
}

TEST(RedactUrl, LeavesAPlainUrlAlone) {
  EXPECT_EQ(internal::redact_url("http://127.0.0.1:8085/events"), "http://127.0.0.1:8085/events");
  EXPECT_EQ(internal::redact_url("https://api.example.com"), "https://api.example.com");
}

TEST(ApiOptionsValidate, AcceptsTheDefaultsWithAUrlAndNoToken) {
  ApiOptions options;
  options.url = "https://api.example.com/events";
  EXPECT_TRUE(options.validate().empty());
}

TEST(ApiOptionsValidate, NamesEveryBadField) {
  ApiOptions options;
  options.max_attempts = 0;
  options.backoff_base = milliseconds{-1};
  options.connect_timeout = milliseconds{0};
  options.low_speed_time = std::chrono::seconds{0};
  options.max_body_bytes = 0;
  options.token = "abc\r\nX-Evil: 1";
  EXPECT_THAT(options.validate(),
              ::testing::UnorderedElementsAre(
                  "API_URL is empty", "API_TOKEN contains a line break or control character",
                  "api.max_attempts must be at least 1", "api.backoff_base_ms must not be negative",
                  "api.connect_timeout_ms must be positive", "api.stall_seconds must be at least 1",
                  "api.max_body_bytes must be at least 1"));
}

TEST(ApiOptionsValidate, RequiresAnHttpUrlWithAHost) {
  ApiOptions options;
  options.url = "ftp://user:pw@example.com/events";
  EXPECT_THAT(options.validate(),
              ::testing::ElementsAre("API_URL must start with http:// or https:// (got "
                                     "ftp://example.com/events)"));
  options.url = "http:///events";
  EXPECT_THAT(options.validate(), ::testing::ElementsAre("API_URL has no host"));
}

TEST(ApiClientConstruction, ThrowsConfigErrorJoiningEveryProblem) {
  ApiOptions options;
  options.max_attempts = 0;
  try {
    ApiClient client(options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("API_URL is empty; api.max_attempts must be at least 1"));
  }
}

TEST_F(ApiClientTest, WarnsLoudlyWhenTlsVerificationIsOff) {
  auto options = options_for("https://api.example.com/events");
  options.insecure_skip_tls_verify = true;
  ApiClient client(options);
  EXPECT_THAT(log(),
              HasSubstr("TLS certificate verification is OFF for https://api.example.com/events"));
}

TEST_F(ApiClientTest, IsUsableAfterAMove) {
  TestHttpServer server(answer(200, "[]"));
  ApiClient first(options_for(server.url()));
  ApiClient second(std::move(first));
  EXPECT_EQ(second.fetch_day(kDay, consumer_).outcome, FetchOutcome::Events);
}

}  // namespace
}  // namespace tributary::testkit
