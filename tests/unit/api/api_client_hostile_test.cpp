// ApiClient against hostile servers (issue 9's adversarial review): answers that are
// malformed on purpose, echoes of the token, attempts that would never end. Each test failed
// on 97b6288.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <thread>

#include <stdlib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_client_fixture.hpp"
#include "support/test_http_server.hpp"
#include "tributary/api_client.hpp"
#include "tributary/error.hpp"

namespace tributary::testkit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using std::chrono::steady_clock;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// The longest piece of `secret` found in `text`, letter case ignored.
std::size_t longest_leak(const std::string& text, const std::string& secret) {
  const std::string haystack = lower(text);
  const std::string needle = lower(secret);
  std::size_t best = 0;
  for (std::size_t start = 0; start < needle.size(); ++start) {
    for (std::size_t n = best + 1; start + n <= needle.size(); ++n) {
      if (haystack.find(needle.substr(start, n)) == std::string::npos) break;
      best = n;
    }
  }
  return best;
}

// Item 2: a 304 means "unchanged" only as the answer to our If-None-Match.
TEST_F(ApiClientTest, RetriesABare304ToARequestWithoutAnEtag) {
  TestHttpServer server([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 304;
  });
  ApiClient client(options_for(server.url()));
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("gave up after 3 attempts"));
  EXPECT_THAT(message, HasSubstr("304 Not Modified to a request that sent no If-None-Match"));
  EXPECT_EQ(server.requests(), 3);
}

TEST_F(ApiClientTest, StillTakesA304ToItsIfNoneMatchAsNotModified) {
  TestHttpServer server([](const httplib::Request&, httplib::Response& res, int) {
    res.status = 304;
  });
  ApiClient client(options_for(server.url()));
  const auto fetch = client.fetch_day(kDay, consumer_, std::string("\"v1\""));
  EXPECT_EQ(fetch.outcome, FetchOutcome::NotModified);
  EXPECT_EQ(server.seen().at(0).header("If-None-Match"), "\"v1\"");
}

// Item 3: the client appends ?date= itself; a URL that has one gets the same day every time.
TEST(ApiOptionsValidate, RefusesAUrlCarryingADateParameter) {
  for (const std::string url :
       {"http://h/events?date=2024-01-01", "http://h/events?x=1&date=2024-01-01",
        "http://h/events?DATE=2024-01-01", "http://h/events?date"}) {
    ApiOptions options;
    options.url = url;
    const auto errors = options.validate();
    ASSERT_EQ(errors.size(), 1u) << url;
    EXPECT_THAT(errors[0], HasSubstr("must not carry a date parameter")) << url;
  }
  for (const std::string url : {"http://h/events?dates=1", "http://h/events?update=1",
                                "http://h/date=1/events", "http://h/events?x=date"}) {
    ApiOptions options;
    options.url = url;
    EXPECT_TRUE(options.validate().empty()) << url;
  }
}

// Item 5: the token echoed where a length limit cuts it, or encoded, or in another case.
TEST_F(ApiClientTest, ScrubsEveryFormAndPieceOfAnEchoedTokenBeforeCuttingTheText) {
  const std::string token = "Tok3n/with+Sp3cial=chars-" + kCanaryToken;
  const std::string encoded = [&] {
    std::string out;
    for (const char c : token) {
      if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-') {
        out += c;
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
        out += hex;
      }
    }
    return out;
  }();
  TestHttpServer server([&](const httplib::Request&, httplib::Response& res, int index) {
    switch (index % 6) {
      case 0:  // inside `detail`, at an offset where the 300-character cut falls in it
        res.status = 422;
        res.set_content(R"({"detail":")" + std::string(290, 'x') + token + "\"}", kJsonType);
        break;
      case 1:  // a raw text body
        res.status = 400;
        res.set_content(std::string(285, 'y') + " " + token, "text/plain");
        break;
      case 2:  // a 200 body that is not an array, the token near its 40-character cut
        res.status = 200;
        res.set_content(std::string(33, ' ') + "nope " + token, "text/plain");
        break;
      case 3:  // percent-encoded
        res.status = 422;
        res.set_content(R"({"detail":"token )" + encoded + "\"}", kJsonType);
        break;
      case 4:  // case-folded
        res.status = 422;
        res.set_content(R"({"detail":"token )" + lower(token) + "\"}", kJsonType);
        break;
      default:  // a refused token, with the token in the detail
        res.status = 401;
        res.set_content(R"({"detail":"token expired: )" + token + "\"}", kJsonType);
    }
  });
  auto options = options_for(server.url());
  options.token = token;
  options.max_attempts = 1;
  ApiClient client(options);
  std::string errors;
  for (int i = 0; i < 5; ++i) {
    errors += message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); }) + "\n";
  }
  errors += message_of<AuthError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(errors, HasSubstr("[redacted]"));
  EXPECT_THAT(errors, HasSubstr("token expired"));  // the server's reason is kept
  for (const std::string& text : {errors, log()}) {
    EXPECT_LT(longest_leak(text, token), 8u) << text;
    EXPECT_LT(longest_leak(text, encoded), 8u) << text;
  }
}

// Item 6: an ETag holding the token is neither kept (it would be stored) nor sent back.
TEST_F(ApiClientTest, NeitherKeepsNorSendsAnEtagHoldingTheToken) {
  TestHttpServer server([](const httplib::Request& req, httplib::Response& res, int) {
    res.set_header("ETag", "\"" + req.get_header_value("api-token") + "\"");
    res.set_content(kEvents, kJsonType);
  });
  ApiClient client(options_for(server.url()));
  const auto fetch = client.fetch_day(kDay, consumer_);
  EXPECT_FALSE(fetch.etag.has_value());
  EXPECT_THAT(log(), HasSubstr("ETag contains API_TOKEN"));
  client.fetch_day(kDay, consumer_, "\"" + kCanaryToken + "\"");
  EXPECT_EQ(server.seen().at(1).header("If-None-Match"), "");
  EXPECT_THAT(log(), Not(HasSubstr(kCanaryToken)));
}

/// A raw server answering 200 with `length` bytes of a valid array, `step` bytes every
/// `every`: a body that trickles in, never stalling.
RawTcpServer trickling(std::size_t length, std::size_t step, std::chrono::milliseconds every) {
  return RawTcpServer([=](int fd, int) {
    RawTcpServer::read_request(fd);
    std::string body = "[" + std::string(length - 2, ' ') + "]";
    RawTcpServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    for (std::size_t at = 0; at < body.size(); at += step) {
      if (::send(fd, body.data() + at, std::min(step, body.size() - at), MSG_NOSIGNAL) <= 0) {
        return;  // the client gave up
      }
      std::this_thread::sleep_for(every);
    }
  });
}

// Item 9: a body trickling faster than the low-speed limit still ends at the deadline.
TEST_F(ApiClientTest, EndsAnAttemptThatTricklesPastItsDeadlineAndRetriesIt) {
  auto server = trickling(400, 10, std::chrono::milliseconds(100));  // 4 s for the whole body
  auto options = options_for(server.url());
  options.low_speed_limit = 1;
  options.attempt_timeout = std::chrono::seconds(1);
  options.max_attempts = 2;
  ApiClient client(options);
  const auto started = steady_clock::now();
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_LT(steady_clock::now() - started, std::chrono::seconds(4));
  EXPECT_THAT(message, HasSubstr("gave up after 2 attempts"));
  EXPECT_THAT(message, HasSubstr("(curl 28)"));
  EXPECT_THAT(message, HasSubstr("api.attempt_timeout_seconds"));
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(ApiClientTest, EndsAnAttemptWhoseBodyStaysUnderTheMinimumThroughput) {
  auto server = trickling(400, 4, std::chrono::milliseconds(100));  // 40 bytes/s
  auto options = options_for(server.url());
  options.low_speed_limit = 1000;
  options.max_attempts = 1;
  ApiClient client(options);
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("(curl 28)"));
}

TEST(ApiOptionsDefaults, HaveARealisticMinimumThroughputAndADeadline) {
  const ApiOptions defaults;
  EXPECT_GE(defaults.low_speed_limit, 1024);  // 1 byte/s let a 4 byte/s trickle run for days
  EXPECT_LE(defaults.attempt_timeout, std::chrono::hours(2));
}

// Item 7: libcurl sends the token to an HTTP proxy in the clear when the API is plain http.
TEST_F(ApiClientTest, WarnsWhenAPlainHttpApiGoesThroughAProxy) {
  ::setenv("http_proxy", "http://127.0.0.1:9", 1);
  ApiClient client(options_for("http://api.example/events"));
  ::unsetenv("http_proxy");
  EXPECT_THAT(log(), HasSubstr("API_TOKEN travels to the proxy in the clear"));
  ApiClient secure(options_for("https://api.example/events"));
  EXPECT_EQ(log().find("in the clear"), log().rfind("in the clear"));  // once, for http only
}

// Item 12: any amount of whitespace may precede the array, as `validate` accepts.
TEST_F(ApiClientTest, StreamsAnArrayAfterMegabytesOfLeadingWhitespace) {
  const std::string body = "\xEF\xBB\xBF" + std::string(3 << 20, ' ') + "\n\t" + kEvents;
  TestHttpServer server(answer(200, body));
  ApiClient client(options_for(server.url()));
  const auto fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.attempts, 1);
  EXPECT_EQ(fetch.body_bytes, body.size());
  EXPECT_EQ(consumer_.finishes, 1);
  EXPECT_THAT(consumer_.body, HasSubstr(kEvents));
}

TEST_F(ApiClientTest, StillRefusesAByteOrderMarkAfterLeadingWhitespace) {
  TestHttpServer server(answer(200, std::string(10000, ' ') + "\xEF\xBB\xBF" + kEvents));
  auto options = options_for(server.url());
  options.max_attempts = 1;
  ApiClient client(options);
  EXPECT_THAT(message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); }),
              HasSubstr("not a JSON array"));
}

// Item 13: an answer longer than its Content-Length leaves bytes on the connection; the
// retry must not read them as its own answer.
TEST_F(ApiClientTest, RetriesOnAFreshConnectionAfterABodyLongerThanItsContentLength) {
  RawTcpServer server([](int fd, int index) {
    RawTcpServer::read_request(fd);
    if (index == 0) {
      const std::string body = kEvents;
      RawTcpServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Content-Length: 10\r\n\r\n" + body.substr(0, 10));
      // The rest comes after the client has read its 10 bytes and put the connection back.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      RawTcpServer::write_all(fd, body.substr(10));
      // Keep the connection open a while, so the client could reuse it.
      RawTcpServer::read_request(fd);
      return;
    }
    RawTcpServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]");
  });
  auto options = options_for(server.url());
  ApiClient client(options);
  const auto fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.attempts, 2);
  EXPECT_EQ(consumer_.body, "[]");
  EXPECT_EQ(server.connections(), 2);
}

// Item 14: the attempts of a day that ran out of retries are counted.
TEST_F(ApiClientTest, SaysHowManyAttemptsWereMadeWhenItGivesUp) {
  TestHttpServer server(answer(503, "{}"));
  ApiClient client(options_for(server.url()));
  try {
    client.fetch_day(kDay, consumer_);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.attempts(), 3);
  }
  TestHttpServer refusing(sequence({answer(503, "{}"), answer(422, R"({"detail":"no"})")}));
  ApiClient second(options_for(refusing.url()));
  try {
    second.fetch_day(kDay, consumer_);
    FAIL() << "expected ApiError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.attempts(), 2);  // a 422 is not retried, but it was the second request
  }
}

TEST_F(ApiClientTest, NamesAResponseHeaderTooLargeForLibcurl) {
  RawTcpServer server([](int fd, int) {
    RawTcpServer::read_request(fd);
    RawTcpServer::write_all(fd, "HTTP/1.1 200 OK\r\nX-Huge: " + std::string(200 << 10, 'h') +
                                    "\r\nContent-Length: 2\r\n\r\n[]");
  });
  auto options = options_for(server.url());
  options.max_attempts = 1;
  ApiClient client(options);
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("response headers larger than libcurl accepts (100 KB)"));
  EXPECT_THAT(message, Not(HasSubstr("Out of memory (curl 27);")));
}

TEST_F(ApiClientTest, KeepsTheHeadersEtagWhenAChunkedTrailerSendsAnother) {
  RawTcpServer server([](int fd, int) {
    RawTcpServer::read_request(fd);
    const std::string body = kEvents;
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());
    RawTcpServer::write_all(fd, std::string("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                            "ETag: \"from-header\"\r\nTrailer: ETag\r\n"
                                            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n") +
                                    size + "\r\n" + body + "\r\n0\r\nETag: \"from-trailer\"\r\n\r\n");
  });
  ApiClient client(options_for(server.url()));
  const auto fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(consumer_.body, kEvents);
  EXPECT_EQ(fetch.etag, std::optional<std::string>("\"from-header\""));
}

}  // namespace
}  // namespace tributary::testkit
