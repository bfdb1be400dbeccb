// Loads against hostile or glitching servers (issue 9's adversarial review): answers that
// must never count as "unchanged" or "empty", configuration that would load the wrong data,
// and a run that stops half-way. Each test failed on 97b6288.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "integration/environment.hpp"
#include "tributary/day_range.hpp"
#include "tributary/pipeline.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A valid event dated `day` (YYYY-MM-DD) with the given key.
std::string event_on(const std::string& day, const std::string& device, std::int64_t time) {
  return R"({"date":")" + day + R"(T00:00:00","device_id":")" + device +
         R"(","event_time":)" + std::to_string(time) + R"(,"amp_id":1,"user_id":7,)"
         R"("server_upload_time":10,"server_received_time":1,"processed_time":1,)"
         R"("client_event_time":1,"client_upload_time":1,"event_type":"page_view",)"
         R"("data_type":"event","data":{"path":"/a"},"user_properties":{}})";
}

// `count` valid events dated `day`.
std::string payload_of(const std::string& day, int count) {
  std::string body = "[";
  for (int i = 0; i < count; ++i) {
    if (i > 0) body += ',';
    body += event_on(day, "dev-" + std::to_string(i), 1704067200000 + i);
  }
  return body + "]";
}

RunOptions with(bool force, bool mirror) {
  RunOptions o;
  o.load.force = force;
  o.load.mirror = mirror;
  return o;
}

// Item 2: a 304 to a request that sent no ETag says nothing about the day.
TEST(HostileLoad, ABare304NeverMakesADayUnchangedOrLoaded) {
  const auto db = fresh_database();
  std::atomic<bool> bare{true};
  testkit::TestHttpServer server([&](const httplib::Request& req, httplib::Response& res, int) {
    if (bare) {
      res.status = 304;
      return;
    }
    res.set_header("ETag", "\"v1\"");
    res.set_content(payload_of(req.get_param_value("date"), 3), testkit::kJsonType);
  });
  const auto settings = fast_api_settings(db, server.url());
  const auto day = parse_day("2024-01-05");
  for (const auto& options : {with(false, false), with(true, false), with(false, true)}) {
    const auto run = request_day(settings, day, options);
    EXPECT_EQ(run.days.at(0).status, DayStatus::Failed);
    EXPECT_THAT(run.days.at(0).error, HasSubstr("304"));
  }
  EXPECT_EQ(query_value(db, "select status from ingest.day_loads where day = '2024-01-05'"),
            "failed");

  RunOptions missing;
  missing.missing_only = true;
  const auto month = backfill_month(settings, date::year{2024} / 1, missing);
  EXPECT_EQ(month.count(DayStatus::Unchanged), 0u);
  EXPECT_EQ(month.count(DayStatus::Failed), 31u);
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'failed'"), "31");

  // A real answer loads the day; a 304 to its ETag then keeps it unchanged.
  bare = false;
  EXPECT_EQ(request_day(settings, day).days.at(0).status, DayStatus::Loaded);
  bare = true;
  EXPECT_EQ(request_day(settings, day).days.at(0).status, DayStatus::Unchanged);
  EXPECT_EQ(query_value(db, "select status || ' ' || events_loaded from ingest.day_loads "
                            "where day = '2024-01-05'"),
            "loaded 3");
}

// Item 3: an API_URL carrying its own date would load one day's payload as every day.
TEST(HostileLoad, AnApiUrlWithADateParameterIsAConfigurationError) {
  const auto db = fresh_database();
  const auto env = demo_env(db, "http://127.0.0.1:9/events?date=2024-01-01");
  const auto result = run_cli({"backfill-month", "2024-01", "--no-models"}, env);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("API_URL must not carry a date parameter"));
}

TEST(HostileLoad, SaysLoudlyWhenMostEventsAreDatedAnotherDay) {
  const auto db = fresh_database();
  testkit::TestHttpServer server([](const httplib::Request&, httplib::Response& res, int) {
    res.set_content(payload_of("2024-01-01", 4), testkit::kJsonType);
  });
  const auto settings = fast_api_settings(db, server.url());
  const auto own = request_day(settings, parse_day("2024-01-01")).days.at(0);
  EXPECT_EQ(own.warning, "");
  const auto other = request_day(settings, parse_day("2024-01-05")).days.at(0);
  EXPECT_EQ(other.status, DayStatus::Loaded);
  EXPECT_EQ(other.events_other_day, 4u);
  EXPECT_THAT(other.warning, HasSubstr("4 of 4 valid events are dated another day"));

  const auto env = demo_env(db, server.url());
  const auto cli = run_cli({"request-day", "2024-01-06"}, env);
  EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
  EXPECT_THAT(cli.out, HasSubstr("WARNING 2024-01-06: 4 of 4 valid events"));
  EXPECT_THAT(cli.err, HasSubstr("WARNING: 4 of 4 valid events"));
}

// Item 4: one empty answer from a glitching API must not empty a loaded day.
TEST(HostileLoad, MirrorRefusesToDeleteMostOfADayUnlessForced) {
  const auto db = fresh_database();
  std::atomic<int> events{10};
  testkit::TestHttpServer server([&](const httplib::Request& req, httplib::Response& res, int) {
    if (events == 0) {
      res.status = 404;
      res.set_content(R"({"detail":"No event found for date"})", testkit::kJsonType);
      return;
    }
    res.set_content(payload_of(req.get_param_value("date"), events), testkit::kJsonType);
  });
  auto settings = fast_api_settings(db, server.url());
  const auto day = parse_day("2024-01-05");
  ASSERT_EQ(request_day(settings, day).days.at(0).status, DayStatus::Loaded);
  const auto rows = [&] { return query_value(db, "select count(*) from public.user_events"); };
  ASSERT_EQ(rows(), "10");

  events = 0;  // "No event found": all 10 rows would go
  const auto refused = request_day(settings, day, with(false, true)).days.at(0);
  EXPECT_EQ(refused.status, DayStatus::Failed);
  EXPECT_THAT(refused.error, HasSubstr("--mirror would delete 10 of the 10 rows of 2024-01-05"));
  EXPECT_THAT(refused.error, HasSubstr("--mirror --force"));
  EXPECT_EQ(refused.attempts, 1);
  EXPECT_EQ(query_value(db, "select attempts from ingest.day_loads"), "1");
  EXPECT_EQ(rows(), "10");

  events = 4;  // 6 of 10 would go: over 50 %
  EXPECT_EQ(request_day(settings, day, with(false, true)).days.at(0).status, DayStatus::Failed);
  EXPECT_EQ(rows(), "10");
  events = 6;  // 4 of 10: within the guard
  EXPECT_EQ(request_day(settings, day, with(false, true)).days.at(0).status, DayStatus::Loaded);
  EXPECT_EQ(rows(), "6");

  settings.mirror_max_delete_percent = 100;  // the setting lifts the guard ...
  events = 2;                                 // (4 of 6)
  EXPECT_EQ(request_day(settings, day, with(false, true)).days.at(0).status, DayStatus::Loaded);
  EXPECT_EQ(rows(), "2");
  settings.mirror_max_delete_percent = 50;
  events = 0;  // ... and so does --force
  EXPECT_EQ(request_day(settings, day, with(true, true)).days.at(0).status, DayStatus::Empty);
  EXPECT_EQ(rows(), "0");
}

// Item 14: the attempts of a day that ran out of retries are recorded, not 0.
TEST(HostileLoad, RecordsTheAttemptsOfADayThatRanOutOfRetries) {
  const auto db = fresh_database();
  testkit::TestHttpServer server(testkit::answer(503, "{}"));
  auto settings = fast_api_settings(db, server.url());
  settings.api.max_attempts = 3;
  const auto day = request_day(settings, parse_day("2024-01-05")).days.at(0);
  EXPECT_EQ(day.status, DayStatus::Failed);
  EXPECT_EQ(day.attempts, 3);
  EXPECT_EQ(query_value(db, "select attempts from ingest.day_loads"), "3");
}

// Item 14: a token refused half-way through a backfill: the days done are reported, and
// the server's reason is shown.
TEST(HostileLoad, ATokenRefusedMidBackfillStillPrintsTheReportAndTheServersReason) {
  const auto db = fresh_database();
  testkit::TestHttpServer server([](const httplib::Request& req, httplib::Response& res, int) {
    const auto day = req.get_param_value("date");
    if (day > "2024-01-10") {
      res.status = 401;
      res.set_content(R"({"detail":"token expired"})", testkit::kJsonType);
      return;
    }
    res.set_content(payload_of(day, 2), testkit::kJsonType);
  });
  const auto env = demo_env(db, server.url());
  const auto result = run_cli({"backfill-month", "2024-01", "--parallel", "1", "--no-models"}, env);
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("run stopped early"));
  EXPECT_THAT(result.out, HasSubstr("days loaded 10 "));
  EXPECT_THAT(result.err, HasSubstr("token expired"));
  EXPECT_THAT(result.err, Not(HasSubstr("demo-token")));
}

}  // namespace
}  // namespace tributary::testing
