// ApiClient with the real payload parser, and against the demo API (docs/cli.md, demo-api):
// a day fetched and fully parsed, 404 outside the range, 304, gzip, injected faults.

#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "api_client_fixture.hpp"
#include "support/test_http_server.hpp"
#include "tributary/api_client.hpp"
#include "tributary/demo/server.hpp"
#include "tributary/error.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::testkit {
namespace {

using ::testing::HasSubstr;

/// Feeds the body to models::PayloadParser, as the pipeline does, and counts the outcome.
class ParsingConsumer : public DayConsumer, public models::EventSink {
 public:
  void begin_attempt() override {
    ++begins;
    events = 0;
    rejections = 0;
    summary.reset();
    parser_.emplace(*this);
  }
  void consume(std::string_view bytes) override { parser_->feed(bytes); }
  void finish() override { summary = parser_->finish(); }
  void on_event(models::UserEvent&&, std::size_t) override { ++events; }
  void on_rejection(models::Rejection&&) override { ++rejections; }

  int begins = 0;
  std::size_t events = 0;
  std::size_t rejections = 0;
  std::optional<models::PayloadSummary> summary;

 private:
  std::optional<models::PayloadParser> parser_;
};

TEST_F(ApiClientTest, RetriesAWellFramedTruncatedArrayThePayloadParserRejects) {
  TestHttpServer server(sequence({answer(200, R"([{"a":1},)"), answer(200, "[]")}));
  ApiClient client(options_for(server.url()));
  ParsingConsumer parsing;
  const DayFetch fetch = client.fetch_day(kDay, parsing);
  EXPECT_EQ(fetch.attempts, 2);
  EXPECT_EQ(parsing.begins, 2);
  ASSERT_TRUE(parsing.summary);
  EXPECT_EQ(parsing.summary->elements, 0u);
  EXPECT_THAT(log(), HasSubstr("body is not a valid JSON array"));
}

class DemoApiTest : public ApiClientTest {
 protected:
  static DemoServerOptions demo_options() {
    DemoServerOptions options;
    options.data.events_per_day = 40;
    options.token = "demo-token";
    return options;
  }
  static ApiOptions client_options(const DemoServer& server) {
    ApiOptions options = options_for(server.url());
    options.token = "demo-token";
    return options;
  }
};

TEST_F(DemoApiTest, FetchesAndParsesAWholeDay) {
  DemoServer server(demo_options());
  const DemoGenerator generator(demo_options().data);
  ApiClient client(client_options(server));
  ParsingConsumer parsing;
  const DayFetch fetch = client.fetch_day(kDay, parsing);
  EXPECT_EQ(fetch.outcome, FetchOutcome::Events);
  EXPECT_EQ(fetch.attempts, 1);
  EXPECT_EQ(fetch.etag, generator.etag(kDay));
  ASSERT_TRUE(parsing.summary);
  EXPECT_GT(generator.event_count(kDay), 0u);
  EXPECT_EQ(parsing.summary->elements, generator.event_count(kDay));
  EXPECT_EQ(parsing.events + parsing.rejections, generator.event_count(kDay));
  EXPECT_EQ(fetch.body_bytes, parsing.summary->bytes);
}

TEST_F(DemoApiTest, ReportsADayOutsideItsRangeAsEmpty) {
  DemoServer server(demo_options());
  ApiClient client(client_options(server));
  const DayFetch fetch = client.fetch_day(date::year{2023} / 12 / 31, consumer_);
  EXPECT_EQ(fetch.outcome, FetchOutcome::Empty);
  EXPECT_EQ(fetch.status, 404);
  EXPECT_EQ(consumer_.begins, 0);
}

TEST_F(DemoApiTest, AnswersNotModifiedToTheDaysEtag) {
  DemoServer server(demo_options());
  ApiClient client(client_options(server));
  const DayFetch first = client.fetch_day(kDay, consumer_);
  ASSERT_TRUE(first.etag);
  CollectingConsumer again;
  const DayFetch second = client.fetch_day(kDay, again, first.etag);
  EXPECT_EQ(second.outcome, FetchOutcome::NotModified);
  EXPECT_EQ(second.etag, first.etag);
  EXPECT_EQ(again.begins, 0);
}

TEST_F(DemoApiTest, SendsGzipThatTheClientDecodes) {
  auto gzip_options = demo_options();
  gzip_options.compress = true;
  DemoServer server(gzip_options);
  httplib::Client raw("127.0.0.1", server.port());
  const httplib::Headers headers{{"api-token", "demo-token"}, {"Accept-Encoding", "gzip"}};
  raw.set_decompress(false);
  const auto compressed = raw.Get("/events?date=2024-01-05", headers);
  ASSERT_TRUE(compressed);
  EXPECT_EQ(compressed->get_header_value("Content-Encoding"), "gzip");
  raw.set_decompress(true);
  const auto plain = raw.Get("/events?date=2024-01-05", headers);
  ASSERT_TRUE(plain);
  EXPECT_LT(compressed->body.size(), plain->body.size());

  ApiClient client(client_options(server));
  const DayFetch fetch = client.fetch_day(kDay, consumer_);
  EXPECT_EQ(consumer_.body, plain->body);
  EXPECT_EQ(fetch.body_bytes, plain->body.size());
}

TEST_F(DemoApiTest, RefusesAWrongTokenWithAnAuthError) {
  DemoServer server(demo_options());
  ApiOptions options = client_options(server);
  options.token = "not-the-demo-token";
  ApiClient client(options);
  EXPECT_THAT(message_of<AuthError>([&] { client.fetch_day(kDay, consumer_); }),
              HasSubstr("API_TOKEN was rejected by " + server.url() + " (401"));
  EXPECT_EQ(server.requests(), 1u);
}

TEST_F(DemoApiTest, RidesOutInjectedFaults) {
  DemoServerOptions demo = demo_options();
  demo.faults = {parse_fault("500=0.15"), parse_fault("reset=0.15"), parse_fault("cut=0.15"),
                 parse_fault("badjson=0.15"), parse_fault("503=0.1")};
  DemoServer server(demo);
  const DemoGenerator generator(demo.data);
  ApiOptions options = client_options(server);
  options.max_attempts = 10;
  ApiClient client(options);
  int attempts = 0;
  for (int d = 1; d <= 10; ++d) {
    const date::sys_days day = date::year{2024} / 1 / d;
    ParsingConsumer parsing;
    const DayFetch fetch = client.fetch_day(day, parsing);
    attempts += fetch.attempts;
    ASSERT_TRUE(parsing.summary) << date::format("%F", day);
    EXPECT_EQ(parsing.summary->elements, generator.event_count(day)) << date::format("%F", day);
  }
  EXPECT_GT(attempts, 10);  // some faults were met, and retried
  // libcurl itself resends once when a reused connection dies before any answer (a `reset`
  // on a kept-alive connection), so the server may count more requests than attempts.
  EXPECT_GE(server.requests(), static_cast<std::uint64_t>(attempts));
}

}  // namespace
}  // namespace tributary::testkit
