// ApiClient under faults: which failures are transient (retried from scratch) and which
// are not; and that the token never leaks into a log line or an error.

#include <chrono>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/redact_url.hpp"
#include "api_client_fixture.hpp"
#include "support/test_http_server.hpp"
#include "tributary/api_client.hpp"
#include "tributary/error.hpp"

namespace tributary::testkit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kCutBody = R"([{"device_id":"a","event_time":1},)";

/// A step that declares `declared` bytes of body but sends only `sent`, then closes.
TestHttpServer::Handler cut_short(std::string sent, std::size_t declared) {
  return [sent = std::move(sent), declared](const httplib::Request&, httplib::Response& res, int) {
    res.set_content_provider(declared, kJsonType,
                             [sent](std::size_t, std::size_t, httplib::DataSink& sink) {
                               sink.write(sent.data(), sent.size());
                               return false;  // httplib closes the connection
                             });
  };
}

TEST_F(ApiClientTest, RetriesAConnectionResetBeforeTheAnswer) {
  RawTcpServer server([](int fd, int index) {
    RawTcpServer::read_request(fd);
    if (index == 0) {
      RawTcpServer::reset_on_close(fd);  // RST instead of an answer
      return;
    }
    RawTcpServer::write_all(fd,
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]");
  });
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.attempts, 2);
  EXPECT_EQ(consumer_.body, "[]");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_THAT(log(), HasSubstr("attempt 1/3 failed (Failure when receiving data from the peer"));
}

TEST_F(ApiClientTest, RetriesAConnectionClosedBeforeTheAnswer) {
  RawTcpServer server([](int fd, int index) {
    RawTcpServer::read_request(fd);
    if (index == 0) return;  // orderly close, nothing sent
    RawTcpServer::write_all(fd,
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]");
  });
  ApiClient client(options_for(server.url()));
  EXPECT_EQ(client.fetch_day(kDay, consumer_).attempts, 2);
  EXPECT_THAT(log(), HasSubstr("Server returned nothing (no headers, no data) (curl 52)"));
}

TEST_F(ApiClientTest, RetriesABodyCutShortOfItsContentLength) {
  TestHttpServer server(sequence({cut_short(kCutBody, 500), answer(200, kEvents)}));
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.attempts, 2);
  EXPECT_EQ(consumer_.begins, 2);      // the cut attempt streamed too ...
  EXPECT_EQ(consumer_.body, kEvents);  // ... but only the last attempt's bytes remain
  EXPECT_EQ(consumer_.finishes, 1);
  EXPECT_THAT(log(), HasSubstr("(curl 18)"));
}

TEST_F(ApiClientTest, RetriesAChunkedBodyThatEndsEarly) {
  const auto chunked_cut = [](const httplib::Request&, httplib::Response& res, int) {
    res.set_chunked_content_provider(kJsonType, [](std::size_t, httplib::DataSink& sink) {
      sink.write(kCutBody, std::string(kCutBody).size());
      return false;  // no last chunk
    });
  };
  TestHttpServer server(sequence({chunked_cut, answer(200, kEvents)}));
  ApiClient client(options_for(server.url()));
  EXPECT_EQ(client.fetch_day(kDay, consumer_).attempts, 2);
  EXPECT_EQ(consumer_.body, kEvents);
}

TEST_F(ApiClientTest, RetriesABodyThatStallsLongerThanTheStallLimit) {
  TestHttpServer server;
  server.set_handler(
      sequence({[&server](const httplib::Request&, httplib::Response& res, int) {
                  res.set_content_provider(
                      500, kJsonType, [&server](std::size_t, std::size_t, httplib::DataSink& sink) {
                        sink.write("[", 1);
                        server.pause(milliseconds{10'000});  // far beyond low_speed_time (1 s)
                        return false;
                      });
                },
                answer(200, kEvents)}));
  ApiClient client(options_for(server.url()));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.fetch_day(kDay, consumer_).attempts, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds{5000});
  EXPECT_EQ(consumer_.body, kEvents);
  EXPECT_THAT(log(), HasSubstr("(curl 28)"));
}

TEST_F(ApiClientTest, RetriesA200BodyThatIsNotJson) {
  TestHttpServer server(
      sequence({answer(200, "<html>gateway hiccup</html>"), answer(200, kEvents)}));
  ApiClient client(options_for(server.url()));
  EXPECT_EQ(client.fetch_day(kDay, consumer_).attempts, 2);
  EXPECT_EQ(consumer_.begins, 1);
  EXPECT_THAT(log(), HasSubstr("HTTP 200 body is not a JSON array (starts with '<html>"));
}

TEST_F(ApiClientTest, RetriesAnEmpty200Body) {
  TestHttpServer server(sequence({answer(200, ""), answer(200, "[]")}));
  ApiClient client(options_for(server.url()));
  EXPECT_EQ(client.fetch_day(kDay, consumer_).attempts, 2);
}

TEST_F(ApiClientTest, RetriesACompleteBodyHoldingATruncatedArray) {
  TestHttpServer server(sequence({answer(200, kCutBody), answer(200, kEvents)}));
  ApiClient client(options_for(server.url()));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(fetch.attempts, 2);
  EXPECT_EQ(consumer_.finishes, 2);  // the first finish() threw PayloadError
  EXPECT_EQ(consumer_.body, kEvents);
  EXPECT_THAT(log(), HasSubstr("body is not a valid JSON array"));
}

TEST_F(ApiClientTest, GivesUpWhenEveryBodyIsATruncatedArray) {
  TestHttpServer server(answer(200, kCutBody));
  ApiClient client(options_for(server.url()));
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("gave up after 3 attempts"));
  EXPECT_EQ(server.requests(), 3);
}

/// A consumer whose loader fails: that is not the API's fault, so it is not retried.
class FailingConsumer : public CollectingConsumer {
 public:
  void consume(std::string_view) override { throw std::runtime_error("database went away"); }
};

TEST_F(ApiClientTest, PassesOnAConsumerErrorThatIsNotAPayloadError) {
  TestHttpServer server(answer(200, kEvents));
  ApiClient client(options_for(server.url()));
  FailingConsumer failing;
  EXPECT_THAT(message_of<std::runtime_error>([&] { client.fetch_day(kDay, failing); }),
              HasSubstr("database went away"));
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(ApiClientTest, FailsWithoutRetryWhenTheDeclaredBodyExceedsTheCap) {
  TestHttpServer server(answer(200, "[" + std::string(5000, ' ') + "]"));
  auto options = options_for(server.url());
  options.max_body_bytes = 1000;
  ApiClient client(options);
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("body larger than 1000 bytes"));
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(ApiClientTest, FailsWithoutRetryWhenAChunkedBodyExceedsTheCap) {
  TestHttpServer server([](const httplib::Request&, httplib::Response& res, int) {
    res.set_chunked_content_provider(kJsonType, [](std::size_t offset, httplib::DataSink& sink) {
      if (offset == 0) sink.write("[", 1);
      const std::string filler(4096, ' ');
      sink.write(filler.data(), filler.size());
      if (offset > 20'000) sink.done();
      return true;
    });
  });
  auto options = options_for(server.url());
  options.max_body_bytes = 10'000;
  ApiClient client(options);
  const auto message = message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });
  EXPECT_THAT(message, HasSubstr("body larger than 10000 bytes"));
  EXPECT_EQ(server.requests(), 1);
}

TEST_F(ApiClientTest, NeverWritesTheTokenOrUrlPasswordToLogsOrErrors) {
  // A hostile server echoes the token back in every answer.
  TestHttpServer server;
  server.set_handler([](const httplib::Request& req, httplib::Response& res, int index) {
    const std::string echo = req.get_header_value("api-token");
    const int statuses[] = {500, 200, 422, 401};
    res.status = statuses[index % 4];
    res.set_content(res.status == 200 ? "oops " + echo : R"({"detail":"bad )" + echo + "\"}",
                    kJsonType);
  });
  auto options = options_for(server.url());
  options.url.insert(std::string("http://").size(), "user:hunter2@");
  options.max_attempts = 2;
  ApiClient client(options);
  std::string errors;
  errors += message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });   // 500, 200 bad
  errors += message_of<ApiError>([&] { client.fetch_day(kDay, consumer_); });   // 422
  errors += message_of<AuthError>([&] { client.fetch_day(kDay, consumer_); });  // 401
  errors += internal::redact_url(options.url);
  ASSERT_EQ(server.requests(), 4);
  EXPECT_EQ(server.seen()[0].header("api-token"), options.token);  // it was sent
  EXPECT_THAT(errors, HasSubstr("[redacted]"));
  for (const std::string& text : {errors, log()}) {
    EXPECT_THAT(text, Not(HasSubstr(options.token)));
    EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  }
  EXPECT_THAT(log(), HasSubstr("attempt 1/2 failed"));
}

}  // namespace
}  // namespace tributary::testkit
