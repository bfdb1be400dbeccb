// request_day / backfill_month against a real Postgres and the demo API on loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include <pqxx/pqxx>

#include "integration/environment.hpp"
#include "tributary/day_range.hpp"
#include "tributary/demo/server.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

using date::January;
using date::year;

DemoOptions small_month(std::uint64_t seed = 7) {
  DemoOptions o;
  o.seed = seed;
  o.events_per_day = 150;
  o.invalid_rate = 0.03;
  return o;
}

Settings load_settings_for(const DatabaseSettings& db, const std::string& url) {
  Settings s;
  s.database = db;
  s.api.url = url;
  s.api.token = "demo-token";
  s.api.backoff_base = std::chrono::milliseconds(10);
  s.api.max_attempts = 3;
  return s;
}

struct Expected {
  std::set<std::pair<std::string, std::int64_t>> keys;
  std::vector<std::string> reasons;  // in (day, position) order
};

Expected expected_from_generator(const DemoOptions& options,
                                 const std::vector<date::sys_days>& days) {
  Expected e;
  DemoGenerator generator(options);
  for (const auto day : days) {
    generator.generate_day(day, [&](const GeneratedEvent& event) {
      if (event.expected_reason) {
        e.reasons.push_back(*event.expected_reason);
      } else {
        e.keys.emplace(event.device_id, event.event_time);
      }
    });
  }
  return e;
}

std::string xmin_fingerprint(const DatabaseSettings& db) {
  return query_value(db,
                     "select md5(string_agg(xmin::text, ',' order by device_id, event_time)) "
                     "from public.user_events");
}

std::vector<std::string> column(const DatabaseSettings& db, const std::string& sql) {
  pqxx::connection conn(db.connection_string());
  pqxx::nontransaction tx(conn);
  std::vector<std::string> values;
  for (const auto& row : tx.exec(sql)) values.emplace_back(row[0].c_str());
  return values;
}

TEST(Load, MonthBackfillLoadsEveryDistinctValidKeyAndKeepsEveryRejection) {
  const auto db = fresh_database();
  const auto options = small_month();
  DemoServer server(demo_server_options(options));
  const auto run = backfill_month(load_settings_for(db, server.url()), year{2024} / January);

  EXPECT_EQ(run.count(DayStatus::Loaded), 31u);
  EXPECT_TRUE(run.ok());
  const auto expected = expected_from_generator(options, days_of(year{2024} / January));
  ASSERT_FALSE(expected.reasons.empty());
  EXPECT_EQ(query_value(db, "select count(*) from public.user_events"),
            std::to_string(expected.keys.size()));
  EXPECT_EQ(column(db, "select reason from ingest.rejected_events order by day, position"),
            expected.reasons);
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"), "31");
  EXPECT_EQ(query_value(db, "select status from ingest.runs where id = " +
                                std::to_string(run.run_id)),
            "succeeded");
  // Every rejection keeps the element's original text.
  EXPECT_EQ(query_value(db, "select count(*) from ingest.rejected_events where raw_json = ''"), "0");
}

TEST(Load, ParallelEightAndParallelOneGiveIdenticalTables) {
  const auto options = small_month(11);
  DemoServer server(demo_server_options(options));
  const auto db1 = cluster().create_database("t_parallel_one");
  const auto db8 = cluster().create_database("t_parallel_eight");
  RunOptions one;
  one.parallel = 1;
  RunOptions eight;
  eight.parallel = 8;
  ASSERT_TRUE(backfill_month(load_settings_for(db1, server.url()), year{2024} / January, one).ok());
  ASSERT_TRUE(backfill_month(load_settings_for(db8, server.url()), year{2024} / January, eight).ok());
  EXPECT_EQ(user_events_checksum(db1), user_events_checksum(db8));
  EXPECT_NE(query_value(db1, "select count(*) from public.user_events"), "0");
}

TEST(Load, RerunRewritesNothingAndReportsEveryDayUnchanged) {
  const auto db = fresh_database();
  DemoServer server(demo_server_options(small_month()));
  const auto settings = load_settings_for(db, server.url());
  ASSERT_TRUE(backfill_month(settings, year{2024} / January).ok());
  const auto before = xmin_fingerprint(db);
  const auto checked_before = query_value(db, "select max(checked_at) from ingest.day_loads");

  const auto again = backfill_month(settings, year{2024} / January);
  EXPECT_EQ(again.count(DayStatus::Unchanged), 31u);
  EXPECT_EQ(again.total(&DayResult::rows_written), 0u);
  EXPECT_EQ(xmin_fingerprint(db), before);
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"), "31");
  EXPECT_NE(query_value(db, "select max(checked_at) from ingest.day_loads"), checked_before);
}

TEST(Load, SamePayloadWithoutEtagIsRecognisedByDigest) {
  const auto db = fresh_database();
  DemoServer server(demo_server_options(small_month()));
  auto settings = load_settings_for(db, server.url());
  const auto day = parse_day("2024-01-09");
  ASSERT_EQ(request_day(settings, day).days.at(0).status, DayStatus::Loaded);
  const auto before = xmin_fingerprint(db);
  // Forget the ETag: the client cannot send If-None-Match, so the digest must decide.
  query_value(db, "update ingest.day_loads set etag = null");
  const auto again = request_day(settings, day);
  EXPECT_EQ(again.days.at(0).status, DayStatus::Unchanged);
  EXPECT_EQ(xmin_fingerprint(db), before);
}

TEST(Load, ForceRewritesEveryRowAndKeepsTheSameContent) {
  const auto db = fresh_database();
  DemoServer server(demo_server_options(small_month()));
  const auto settings = load_settings_for(db, server.url());
  ASSERT_TRUE(backfill_month(settings, year{2024} / January).ok());
  const auto checksum = user_events_checksum(db);
  const auto before = xmin_fingerprint(db);
  RunOptions force;
  force.load.force = true;
  const auto again = backfill_month(settings, year{2024} / January, force);
  EXPECT_EQ(again.count(DayStatus::Loaded), 31u);
  EXPECT_GT(again.total(&DayResult::rows_written), 0u);
  EXPECT_NE(xmin_fingerprint(db), before);
  EXPECT_EQ(user_events_checksum(db), checksum);
}

}  // namespace
}  // namespace tributary::testing
