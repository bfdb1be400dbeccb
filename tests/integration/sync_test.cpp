// Daily operation against an API that keeps a clock: `sync`, days not complete yet, late
// events, days after today, --missing-only. The test sets one "now" for both sides:
// TRIBUTARY_NOW for tributary, and the server serves only events uploaded by then.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <set>

#include "integration/environment.hpp"
#include "integration/fixtures/model_fixtures.hpp"
#include "support/test_http_server.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr int kEventsPerDay = 24;
constexpr std::int64_t kHourMs = 3'600'000;

// Event i of a day happens at hour i and is uploaded a minute later, except every sixth,
// uploaded 30 hours later (a late event).
std::int64_t upload_ms(std::int64_t event_ms, int i) {
  return event_ms + (i % 6 == 5 ? 30 * kHourMs : 60'000);
}

std::string event_json(const std::string& day, int i, std::int64_t event_ms, std::int64_t upload) {
  return R"({"date":")" + day + R"(T00:00:00","device_id":"dev-)" + std::to_string(i % 7) +
         R"(","event_time":)" + std::to_string(event_ms) + R"(,"amp_id":1,"user_id":)" +
         std::to_string(100 + i % 5) + R"(,"server_upload_time":)" + std::to_string(upload) +
         R"(,"server_received_time":1,"processed_time":1,"client_event_time":1,)"
         R"("client_upload_time":1,"event_type":"page_view","data_type":"event",)"
         R"("data":{"path":"/a"},"user_properties":{"user_corporate_id":)" +
         std::to_string(i % 3) + R"(,"user_corporate_status":"active"}})";
}

// The events API with a clock: `now_ms` decides what is served.
class ClockedApi {
 public:
  ClockedApi() {
    server_.set_handler([this](const httplib::Request& req, httplib::Response& res, int) {
      const auto day = parse_day(req.get_param_value("date"));
      const std::int64_t start = day.time_since_epoch().count() * 24 * kHourMs;
      std::string body = "[";
      int served = 0;
      for (int i = 0; i < kEventsPerDay; ++i) {
        const std::int64_t at = start + i * kHourMs;
        const std::int64_t up = upload_ms(at, i);
        if (up > now_ms.load()) continue;
        body += (served++ ? "," : "") + event_json(format_day(day), i, at, up);
      }
      if (served == 0) {
        res.status = 404;
        res.set_content(R"({"detail":"No event found for date"})", testkit::kJsonType);
        return;
      }
      res.set_content(body + "]", testkit::kJsonType);
    });
  }
  std::string url() const { return server_.url(); }
  // Both clocks at once.
  void set_now(const char* iso) {
    ::setenv("TRIBUTARY_NOW", iso, 1);
    now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 parse_time(iso, "test").time_since_epoch())
                 .count();
  }
  // The days requested since the last call, in order of request.
  std::set<std::string> requested() {
    std::set<std::string> days;
    const auto seen = server_.seen();
    for (std::size_t i = taken_; i < seen.size(); ++i) days.insert(seen[i].date);
    taken_ = seen.size();
    return days;
  }

  std::atomic<std::int64_t> now_ms{0};

 private:
  testkit::TestHttpServer server_;
  std::size_t taken_ = 0;
};

class SyncTest : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("TRIBUTARY_NOW"); }
  SyncOptions since(const char* day) {
    SyncOptions o;
    o.since = parse_day(day);
    return o;
  }
  ClockedApi api;
};

TEST_F(SyncTest, CrossesAMonthAndAYearThenOnlyRechecksTheLookbackWindowWritingNothing) {
  const auto db = fresh_database();
  const auto settings = fast_api_settings(db, api.url());
  api.set_now("2025-01-04T12:00:00Z");  // last complete day: 2025-01-03 (lag 2h)
  const auto first = sync(settings, since("2024-12-29"));
  EXPECT_EQ(api.requested(), (std::set<std::string>{"2024-12-29", "2024-12-30", "2024-12-31",
                                                    "2025-01-01", "2025-01-02", "2025-01-03"}));
  EXPECT_EQ(first.count(DayStatus::Loaded), 6u);
  EXPECT_EQ(query_value(db, "select command || ' ' || status from ingest.runs where id = " +
                                std::to_string(first.run_id)),
            "sync succeeded");

  const auto before = user_events_checksum(db);
  const auto second = sync(settings, {});  // starts at the earliest day requested
  EXPECT_EQ(api.requested(), (std::set<std::string>{"2025-01-01", "2025-01-02", "2025-01-03"}));
  EXPECT_EQ(second.count(DayStatus::Unchanged), 3u);
  EXPECT_EQ(second.count(DayStatus::Skipped), 3u);
  EXPECT_EQ(second.total(&DayResult::rows_written), 0u);
  EXPECT_EQ(user_events_checksum(db), before);
}

TEST_F(SyncTest, ADayRequestedBeforeItIsCompleteIsIncompleteThenLoadedWhole) {
  const auto db = fresh_database();
  const auto settings = fast_api_settings(db, api.url());
  api.set_now("2025-01-02T10:30:00Z");  // 2025-01-02 is today: partly uploaded
  const auto partial = request_day(settings, parse_day("2025-01-02"));
  EXPECT_EQ(partial.days.at(0).status, DayStatus::Incomplete);


  EXPECT_EQ(query_value(db, "select status from ingest.day_loads where day = '2025-01-02'"),
            "incomplete");
  EXPECT_EQ(query_value(db, "select count(*) from public.user_events"), "10");  // hours 0-10, but the 5th is late
  EXPECT_EQ(api.requested(), (std::set<std::string>{"2025-01-02"}));

  // The next morning, within the lag: still not complete, so a sync does not reach it.
  api.set_now("2025-01-03T01:00:00Z");
  sync(settings, {});
  EXPECT_EQ(api.requested(), (std::set<std::string>{}));
  // Complete (and the late events uploaded too, 30 hours on): the sync loads the whole day.
  api.set_now("2025-01-05T12:00:00Z");
  const auto run = sync(settings, {});
  EXPECT_TRUE(api.requested().count("2025-01-02"));
  EXPECT_EQ(query_value(db, "select status || ' ' || events_loaded from ingest.day_loads "
                            "where day = '2025-01-02'"),
            "loaded 24");
  EXPECT_EQ(run.count(DayStatus::Incomplete), 0u);
}

TEST_F(SyncTest, AnIncompleteEmptyDayIsNeverRecordedEmpty) {
  const auto db = fresh_database();
  const auto settings = fast_api_settings(db, api.url());
  api.set_now("2025-01-02T00:00:30Z");  // nothing of today is uploaded yet: the API says 404
  EXPECT_EQ(request_day(settings, parse_day("2025-01-02")).days.at(0).status,
            DayStatus::Incomplete);
  EXPECT_EQ(query_value(db, "select status from ingest.day_loads where day = '2025-01-02'"),
            "incomplete");
}

// Late events: a day loaded once complete, then a sync later inside the lookback window,
// gives the table a single load at the later time gives — and the incremental models equal
// a full refresh.
TEST_F(SyncTest, LateEventsArePickedUpInsideTheLookbackWindow) {
  const auto db = fresh_database();
  const auto settings = fast_api_settings(db, api.url());
  api.set_now("2025-01-03T03:00:00Z");
  const auto early = sync(settings, since("2025-01-01"));
  EXPECT_EQ(early.count(DayStatus::Loaded), 2u);
  EXPECT_EQ(query_value(db, "select events_loaded from ingest.day_loads where day = '2025-01-02'"),
            "20");  // its four late events are not uploaded yet
  ASSERT_TRUE(run_models_after_load(settings, early.run_id, shipped_models()).ok());

  api.set_now("2025-01-04T12:00:00Z");
  const auto late = sync(settings, {});
  EXPECT_EQ(query_value(db, "select events_loaded from ingest.day_loads where day = '2025-01-02'"),
            "24");
  ASSERT_TRUE(run_models_after_load(settings, late.run_id, shipped_models()).ok());

  const auto reference = fresh_database();
  const auto reference_settings = fast_api_settings(reference, api.url());
  const auto once = sync(reference_settings, since("2025-01-01"));
  ASSERT_TRUE(once.ok());
  EXPECT_EQ(user_events_checksum(db), user_events_checksum(reference));
  auto full = shipped_models();
  full.full_refresh = true;
  ASSERT_TRUE(run_models(reference_settings, full).ok());
  for (const char* table : {"daily_active_users", "weekly_engagement", "weekly_active_corporations",
                            "weekly_summary"}) {
    const std::string sql = std::string("select md5(string_agg(t::text, ',' order by t::text)) "
                                        "from analytics.") + table + " t";
    EXPECT_EQ(query_value(db, sql), query_value(reference, sql)) << table;
  }
}

TEST_F(SyncTest, ADayAfterTodayIsRefusedAloneAndSkippedAndCountedInARange) {
  const auto db = fresh_database();
  api.set_now("2025-01-30T12:00:00Z");
  const auto env = demo_env(db, api.url());
  auto with_now = env;
  with_now["TRIBUTARY_NOW"] = "2025-01-30T12:00:00Z";
  const auto refused = run_cli({"request-day", "2025-01-31"}, with_now);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("2025-01-31 is after today (2025-01-30 UTC)"));
  // Refused before anything: not even the migrations ran.
  EXPECT_EQ(query_value(db, "select count(*) from pg_tables where schemaname = 'ingest'"), "0");

  const auto month = run_cli({"backfill-month", "this-month", "--no-models"}, with_now);
  EXPECT_EQ(month.exit_code, 0) << month.err;
  EXPECT_THAT(month.out, HasSubstr("/ skipped 1 (1 after today)"));
  EXPECT_THAT(month.out, HasSubstr("incomplete 1"));  // today
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where day > '2025-01-30'"), "0");
  EXPECT_EQ(api.requested().count("2025-01-31"), 0u);

  const auto range = run_cli({"backfill", "--from", "yesterday", "--to", "2025-02-02", "--no-models"},
                             with_now);
  EXPECT_EQ(range.exit_code, 0) << range.err;
  EXPECT_THAT(range.out, HasSubstr("/ skipped 3 (3 after today)"));
  EXPECT_EQ(api.requested(), (std::set<std::string>{"2025-01-29", "2025-01-30"}));
}

// The cron line `backfill-month this-month --missing-only` of a user who runs it every day.
TEST_F(SyncTest, MissingOnlyNeverLeavesADayWithoutItsDataOnceTheApiServesIt) {
  const auto db = fresh_database();
  const auto settings = fast_api_settings(db, api.url());
  RunOptions missing;
  missing.missing_only = true;
  const auto month = date::year{2025} / 1;
  // The first run comes before anything of the 10th is uploaded (the API says 404), the
  // second within the lag of the 10th.
  for (const char* now : {"2025-01-10T00:00:30Z", "2025-01-11T01:00:00Z", "2025-01-15T23:00:00Z",
                          "2025-02-03T00:00:00Z"}) {
    api.set_now(now);
    const auto run = backfill_month(settings, month, missing);
    EXPECT_TRUE(run.ok()) << now;
    EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'empty'"), "0")
        << now;
  }
  // Every day of January is complete and holds its events (late events of a day loaded
  // once complete are the business of sync's lookback, not of --missing-only).
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads "
                            "where status = 'loaded' and events_loaded >= 20"),
            "31");
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where day = '2025-01-10' "
                            "and events_loaded = 24"),
            "1");
}

TEST_F(SyncTest, SyncWithoutAStartSaysHowToGiveOne) {
  const auto db = fresh_database();
  api.set_now("2025-01-04T12:00:00Z");
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_NOW"] = "2025-01-04T12:00:00Z";
  const auto result = run_cli({"sync"}, env);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("pass --since DATE, or set TRIBUTARY_START_DATE"));

  env["TRIBUTARY_START_DATE"] = "today-2";
  const auto started = run_cli({"sync", "--no-models"}, env);
  EXPECT_EQ(started.exit_code, 0) << started.err;
  // today-2 = 2025-01-02 through the last complete day 2025-01-03.
  EXPECT_EQ(api.requested(), (std::set<std::string>{"2025-01-02", "2025-01-03"}));
  EXPECT_THAT(started.out, HasSubstr("days loaded 2 / empty 0 / incomplete 0"));
}

}  // namespace
}  // namespace tributary::testing
