// DemoServer over real HTTP on loopback (cpp-httplib's client): answers, ETag/304, gzip,
// every fault kind, repeatable fault decisions, speed; parse_fault; the `demo-api` command.

#include "tributary/demo/server.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/error.hpp"

namespace tributary {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kFridayText = "2024-01-05";
constexpr date::sys_days kFridayDay{date::year{2024} / 1 / 5};

DemoServerOptions server_options(std::vector<FaultSpec> faults = {},
                                 std::size_t events_per_day = 300) {
  DemoServerOptions options;
  options.data.events_per_day = events_per_day;
  options.faults = std::move(faults);
  return options;
}

httplib::Client client_for(const DemoServer& server) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(30, 0);
  client.set_decompress(false);
  return client;
}

httplib::Headers with_token(httplib::Headers extra = {}) {
  extra.emplace("api-token", "demo-token");
  return extra;
}

std::string events_path(const std::string& day) { return "/events?date=" + day; }

/// The body a complete day must have: the generator's elements as one JSON array.
std::string expected_body(const DemoServerOptions& options, date::sys_days day) {
  std::string body = "[";
  DemoGenerator(options.data).generate_day(day, [&](const GeneratedEvent& e) {
    if (body.size() > 1) body += ',';
    body += e.json;
  });
  return body + "]";
}

std::string detail_of(const httplib::Result& res) {
  return json::parse(res->body).at("detail").get<std::string>();
}

TEST(DemoServer, ServesADayAsAJsonArrayOfEventCountElements) {
  const auto options = server_options();
  DemoServer server(options);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.port()) + "/events");
  auto client = client_for(server);
  const auto res = client.Get(events_path(kFridayText), with_token());
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("ETag"), DemoGenerator(options.data).etag(kFridayDay));
  EXPECT_EQ(res->body, expected_body(options, kFridayDay));
  EXPECT_EQ(json::parse(res->body).size(), DemoGenerator(options.data).event_count(kFridayDay));
  EXPECT_EQ(server.requests(), 1u);
}

TEST(DemoServer, RefusesAMissingOrWrongTokenWith401) {
  DemoServer server(server_options());
  auto client = client_for(server);
  const auto missing = client.Get(events_path(kFridayText));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_FALSE(detail_of(missing).empty());
  const auto wrong = client.Get(events_path(kFridayText), {{"api-token", "demo-tokeN"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
}

TEST(DemoServer, AnswersDaysOutsideTheRangeWith404NoEventFound) {
  DemoServer server(server_options());
  auto client = client_for(server);
  for (const char* day : {"2023-12-31", "2024-02-01"}) {
    const auto res = client.Get(events_path(day), with_token());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
    EXPECT_EQ(res->body, R"({"detail":"No event found for date"})");
  }
  const auto elsewhere = client.Get("/other", with_token());
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 404);
  EXPECT_NE(detail_of(elsewhere), "No event found for date");
}

TEST(DemoServer, RejectsAMissingOrMalformedDateWith400) {
  DemoServer server(server_options());
  auto client = client_for(server);
  for (const std::string path :
       {"/events", "/events?date=2024-02-30", "/events?date=2024-1-5", "/events?date=yesterday",
        "/events?date=2024-01-05T00:00:00", "/events?date=%FF%FE"}) {
    const auto res = client.Get(path, with_token());
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path;
    EXPECT_NE(detail_of(res).find("YYYY-MM-DD"), std::string::npos) << path;
  }
}

TEST(DemoServer, AnswersIfNoneMatchWithTheEtagWith304) {
  DemoServer server(server_options());
  auto client = client_for(server);
  const auto first = client.Get(events_path(kFridayText), with_token());
  ASSERT_TRUE(first);
  const std::string etag = first->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  const auto again = client.Get(events_path(kFridayText), with_token({{"If-None-Match", etag}}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->get_header_value("ETag"), etag);
  const auto other = client.Get(events_path(kFridayText), with_token({{"If-None-Match", "\"old\""}}));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
}

TEST(DemoServer, AnswersIdentityUnlessStartedWithCompression) {
  DemoServer server(server_options());
  auto raw = client_for(server);
  const auto answer = raw.Get(events_path(kFridayText), with_token({{"Accept-Encoding", "gzip"}}));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->get_header_value("Content-Encoding"), "");
}

TEST(DemoServer, CompressesWithGzipWhenAskedToTheSameBody) {
  auto options = server_options({}, 2000);
  options.compress = true;
  DemoServer server(options);
  auto raw = client_for(server);
  const auto compressed = raw.Get(events_path(kFridayText), with_token({{"Accept-Encoding", "gzip"}}));
  ASSERT_TRUE(compressed);
  EXPECT_EQ(compressed->status, 200);
  EXPECT_EQ(compressed->get_header_value("Content-Encoding"), "gzip");
  ASSERT_GE(compressed->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(compressed->body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(compressed->body[1]), 0x8b);
  const std::string plain = expected_body(options, kFridayDay);
  EXPECT_LT(compressed->body.size(), plain.size() / 4);

  auto decoding = client_for(server);
  decoding.set_decompress(true);
  const auto decoded =
      decoding.Get(events_path(kFridayText), with_token({{"Accept-Encoding", "gzip"}}));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(decoded->body, plain);
}

TEST(DemoServer, Injects429WithRetryAfterOne) {
  DemoServer server(server_options({parse_fault("429=1")}));
  auto client = client_for(server);
  const auto res = client.Get(events_path(kFridayText), with_token());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  EXPECT_FALSE(detail_of(res).empty());
}

TEST(DemoServer, Injects500And503WithADetail) {
  for (const auto& [fault, status] : {std::pair{"500=1", 500}, std::pair{"503=1.0", 503}}) {
    DemoServer server(server_options({parse_fault(fault)}));
    auto client = client_for(server);
    const auto res = client.Get(events_path(kFridayText), with_token());
    ASSERT_TRUE(res) << fault;
    EXPECT_EQ(res->status, status);
    EXPECT_FALSE(detail_of(res).empty());
  }
}

TEST(DemoServer, ResetsTheConnectionWithoutAnyAnswer) {
  DemoServer server(server_options({parse_fault("reset=1")}));
  auto client = client_for(server);
  const auto res = client.Get(events_path(kFridayText), with_token());
  EXPECT_FALSE(res);
  EXPECT_EQ(res.error(), httplib::Error::Read);
  EXPECT_EQ(server.requests(), 1u);
  // The server itself is fine: the next request on a new connection is answered.
  const auto unauthorised = client.Get(events_path(kFridayText));
  ASSERT_TRUE(unauthorised);
  EXPECT_EQ(unauthorised->status, 401);
}

TEST(DemoServer, CutsTheBodyShortAndDropsTheConnection) {
  DemoServer server(server_options({parse_fault("cut=1")}, 2000));
  auto client = client_for(server);
  std::string received;
  const auto res =
      client.Get(events_path(kFridayText), with_token(), [&](const char* data, std::size_t size) {
        received.append(data, size);
        return true;
      });
  EXPECT_FALSE(res);
  EXPECT_GT(received.size(), 1000u);
  EXPECT_LT(received.size(), expected_body(server_options({}, 2000), kFridayDay).size() * 2 / 3);
  EXPECT_FALSE(json::accept(received));
}

TEST(DemoServer, StallsTheBodyForTheStallTimeThenCloses) {
  auto options = server_options({parse_fault("stall=1")}, 2000);
  options.stall = milliseconds(400);
  DemoServer server(options);
  auto client = client_for(server);
  std::string received;
  const auto start = std::chrono::steady_clock::now();
  const auto res =
      client.Get(events_path(kFridayText), with_token(), [&](const char* data, std::size_t size) {
        received.append(data, size);
        return true;
      });
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(400));
  EXPECT_FALSE(res);
  EXPECT_GT(received.size(), 1000u);
  EXPECT_FALSE(json::accept(received));
}

TEST(DemoServer, StopsPromptlyWhileABodyStalls) {
  auto options = server_options({parse_fault("stall=1")}, 2000);
  options.stall = milliseconds(60'000);
  auto server = std::make_unique<DemoServer>(options);
  auto request = std::async(std::launch::async, [port = server->port()] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(120, 0);
    return static_cast<bool>(client.Get(events_path(kFridayText), with_token()));
  });
  std::this_thread::sleep_for(milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3000));
  EXPECT_FALSE(request.get());
}

TEST(DemoServer, WaitReturnsOnceAnotherThreadStopsIt) {
  DemoServer server(server_options());
  auto waiting = std::async(std::launch::async, [&server] { server.wait(); });
  EXPECT_EQ(waiting.wait_for(milliseconds(100)), std::future_status::timeout);
  server.stop();
  EXPECT_EQ(waiting.wait_for(milliseconds(3000)), std::future_status::ready);
  server.stop();  // idempotent
}

TEST(DemoServer, AnswersBadJsonWith200AndABodyThatIsNotJson) {
  DemoServer server(server_options({parse_fault("badjson=1")}));
  auto client = client_for(server);
  const auto res = client.Get(events_path(kFridayText), with_token());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->body.empty());
  EXPECT_FALSE(json::accept(res->body));
}

/// Status of each request for days 1..10 of January, three attempts each (0 = no answer).
std::vector<int> statuses(const DemoServerOptions& options) {
  DemoServer server(options);
  std::vector<int> out;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    for (int d = 1; d <= 10; ++d) {
      auto client = client_for(server);
      const auto day = std::string("2024-01-") + (d < 10 ? "0" : "") + std::to_string(d);
      const auto res = client.Get(events_path(day), with_token());
      out.push_back(res ? res->status : 0);
    }
  }
  return out;
}

TEST(DemoServer, DecidesFaultsBySeedDateAndAttemptRepeatably) {
  const auto options = server_options({parse_fault("500=0.25"), parse_fault("503=0.2"),
                                       parse_fault("429=0.2"), parse_fault("reset=0.1")},
                                      50);
  const auto first = statuses(options);
  EXPECT_EQ(first, statuses(options));
  EXPECT_NE(std::count(first.begin(), first.end(), 200), 0);
  EXPECT_NE(std::count(first.begin(), first.end(), 200), static_cast<long>(first.size()));
  auto reseeded = options;
  reseeded.data.seed = 7;
  EXPECT_NE(first, statuses(reseeded));
}

TEST(DemoServer, InjectsAFaultIntoAboutRateOfTheRequests) {
  DemoServer server(server_options({parse_fault("500=0.5")}, 20));
  auto client = client_for(server);
  int faults = 0;
  for (int i = 0; i < 200; ++i) {
    const auto res = client.Get(events_path(kFridayText), with_token());
    ASSERT_TRUE(res);
    faults += res->status == 500;
  }
  EXPECT_GT(faults, 70);
  EXPECT_LT(faults, 130);
}

TEST(DemoServer, ServesAHundredThousandEventDayQuickly) {
  DemoServer server(server_options({}, 100'000));
  auto client = client_for(server);
  const auto start = std::chrono::steady_clock::now();
  const auto res = client.Get(events_path(kFridayText), with_token());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  ASSERT_FALSE(res->body.empty());
  EXPECT_EQ(res->body.front(), '[');
  EXPECT_EQ(res->body.back(), ']');
  std::printf("[ demo     ] served 100000 events, %.1f MB in %.3f s: %.0f MB/s\n",
              static_cast<double>(res->body.size()) / 1e6, seconds,
              static_cast<double>(res->body.size()) / 1e6 / seconds);
}

TEST(DemoServer, RefusesAPortThatIsInUse) {
  DemoServer first(server_options());
  auto options = server_options();
  options.port = first.port();
  EXPECT_THROW((DemoServer{options}), Error);
}

TEST(DemoServerParseFault, AcceptsEveryKindWithARateInZeroToOne) {
  const std::vector<std::pair<std::string, FaultKind>> cases{
      {"429=0.1", FaultKind::TooManyRequests},
      {"500=0.2", FaultKind::InternalError},
      {"503=0", FaultKind::ServiceUnavailable},
      {"reset=1", FaultKind::Reset},
      {"cut=0.5", FaultKind::Cut},
      {"stall=0.05", FaultKind::Stall},
      {"badjson=1.0", FaultKind::BadJson}};
  for (const auto& [text, kind] : cases) {
    const FaultSpec spec = parse_fault(text);
    EXPECT_EQ(spec.kind, kind) << text;
  }
  EXPECT_DOUBLE_EQ(parse_fault("500=0.2").rate, 0.2);
}

TEST(DemoServerParseFault, RejectsUnknownKindsAndRatesOutsideZeroToOneNamingTheText) {
  for (const char* text :
       {"404=0.1", "500", "500=", "500=1.5", "500=-0.1", "500=abc", "=0.1", "cut=0.1x"}) {
    try {
      parse_fault(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(text), std::string::npos) << message;
      EXPECT_NE(message.find("badjson"), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace tributary
