// Watching it without psql: `tributary runs` and `tributary freshness`, at a fixed clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "integration/environment.hpp"
#include "tributary/migrations.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void exec(const DatabaseSettings& db, const std::string& sql) {
  pqxx::connection conn(db.connection_string());
  pqxx::work tx(conn);
  tx.exec(sql);
  tx.commit();
}

std::map<std::string, std::string> at(const DatabaseSettings& db, const char* now) {
  auto env = database_env(db);
  env["TRIBUTARY_NOW"] = now;
  return env;
}

TEST(RunsCommand, ListsRunsNewestFirstWithStatusDaysEventsAndError) {
  const auto db = fresh_database();
  DemoServer api(demo_server_options({}));
  const auto loaded = run_cli({"request-day", "2024-01-09"}, demo_env(db, api.url()));
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  exec(db,
       "insert into ingest.runs (command, arguments, started_at, finished_at, status, "
       "days_loaded, days_failed, events_loaded, error, pid, hostname) values "
       "('backfill-month', '{\"month\":\"2024-02\"}', '2024-03-01 03:00:00+00', "
       " '2024-03-01 03:02:05+00', 'partial', 28, 1, 56000, null, 11, 'h1'), "
       "('sync', '{\"since\":\"2024-01-01\"}', '2024-03-02 03:00:00+00', "
       " '2024-03-02 03:00:04+00', 'cancelled', 2, 0, 4000, 'interrupted by SIGTERM', 12, 'h1'), "
       "('sync', '{}', '2024-03-03 03:00:00+00', '2024-03-03 04:00:00+00', 'abandoned', 0, 0, 0, "
       " 'process 13 on h1 is gone', 13, 'h1')");
  const auto table = run_cli({"runs"}, database_env(db));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const auto first = table.out.find("abandoned");
  const auto second = table.out.find("cancelled");
  const auto third = table.out.find("partial");
  const auto fourth = table.out.find("succeeded");
  ASSERT_NE(fourth, std::string::npos) << table.out;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_LT(third, fourth);
  EXPECT_THAT(table.out, HasSubstr("2 min 5 s"));
  EXPECT_THAT(table.out, HasSubstr("28 loaded, 1 failed"));
  EXPECT_THAT(table.out, HasSubstr("error: interrupted by SIGTERM"));
  EXPECT_THAT(table.out, HasSubstr("{\"day\":\"2024-01-09\"}"));  // no bookkeeping keys

  const auto limited = run_cli({"runs", "--limit", "1", "--json"}, database_env(db));
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  const auto runs = nlohmann::json::parse(limited.out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "abandoned");
  EXPECT_EQ(runs[0]["error"], "process 13 on h1 is gone");
  EXPECT_EQ(runs[0]["duration_seconds"], 3600);

  const auto all = nlohmann::json::parse(run_cli({"runs", "--json"}, database_env(db)).out);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3]["command"], "request-day");
  EXPECT_EQ(all[3]["arguments"]["day"], "2024-01-09");
  EXPECT_GT(all[3]["events"]["loaded"].get<int>(), 0);
  EXPECT_EQ(all[3]["days"]["loaded"], 1);
}

TEST(RunsCommand, ShowsARunWhoseProcessIsGoneAsAbandoned) {
  const auto db = fresh_database();
  migrate(db);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  // pid 2^22 + 1 is above Linux's pid_max: no process has it.
  exec(db, "insert into ingest.runs (command, pid, hostname) values ('sync', 4194305, '" +
               std::string(host) + "')");
  const auto result = run_cli({"runs", "--json"}, database_env(db));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto runs = nlohmann::json::parse(result.out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "abandoned");
  EXPECT_THAT(runs[0]["error"].get<std::string>(), HasSubstr("4194305"));
}

TEST(RunsCommand, RecordsFullRefreshInTheRunsArguments) {
  const auto db = fresh_database();
  const auto full = run_cli({"run-models", "--full-refresh"}, database_env(db));
  ASSERT_EQ(full.exit_code, 0) << full.out << full.err;
  const auto plain = run_cli({"run-models"}, database_env(db));
  ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_EQ(query_value(db, "select string_agg(arguments->>'full_refresh', ',' order by id) "
                            "from ingest.runs where command = 'run-models'"),
            "true,false");
}

TEST(RunsCommand, SaysSoWhenNothingRanYet) {
  const auto db = fresh_database();
  const auto result = run_cli({"runs"}, database_env(db));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("no run recorded yet"));
}

// January 1-10 requested: the 6th failed, the 4th empty, the rest loaded.
void insert_ten_days(const DatabaseSettings& db) {
  migrate(db);
  exec(db,
       "insert into ingest.day_loads (day, status, events_loaded) "
       "select d, case when d = '2024-01-06' then 'failed' when d = '2024-01-04' then 'empty' "
       "else 'loaded' end, 10 from generate_series('2024-01-01'::date, '2024-01-10', '1 day') d");
}

TEST(FreshnessCommand, SaysThroughWhichDayTheDataIsCompleteAndWhatHoldsItBack) {
  const auto db = fresh_database();
  insert_ten_days(db);
  const auto result = run_cli({"freshness"}, at(db, "2024-01-12T12:00:00Z"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // Complete through the 5th (the 4th is empty: no gap); its end, 2024-01-06T00:00, is 6.5 days ago.
  EXPECT_THAT(result.out, HasSubstr("data complete through 2024-01-05 (from 2024-01-01): 6d 12h old"));
  EXPECT_THAT(result.out, HasSubstr("held back by 2024-01-06 (failed); the last complete day is 2024-01-11"));
}

TEST(FreshnessCommand, WarnsPastWarnAfterAndFailsPastErrorAfter) {
  const auto db = fresh_database();
  insert_ten_days(db);
  const auto env = at(db, "2024-01-12T12:00:00Z");
  const auto fine = run_cli({"freshness", "--warn-after", "7d", "--error-after", "8d"}, env);
  EXPECT_EQ(fine.exit_code, 0);
  EXPECT_THAT(fine.out, Not(HasSubstr("warning")));
  const auto warn = run_cli({"freshness", "--warn-after", "6d", "--error-after", "8d"}, env);
  EXPECT_EQ(warn.exit_code, 0);
  EXPECT_THAT(warn.out, HasSubstr("warning: older than --warn-after 6d"));
  const auto error = run_cli({"freshness", "--warn-after", "1d", "--error-after", "156h"}, env);
  EXPECT_EQ(error.exit_code, 0) << "6d 12h is exactly 156h: not past it";
  const auto late = run_cli({"freshness", "--error-after", "155h"}, env);
  EXPECT_EQ(late.exit_code, 1);
  EXPECT_THAT(late.out, HasSubstr("error: older than --error-after 155h"));

  const auto json = run_cli({"freshness", "--json", "--error-after", "36h"}, env);
  EXPECT_EQ(json.exit_code, 1);
  const auto out = nlohmann::json::parse(json.out);
  EXPECT_EQ(out["data_through"], "2024-01-05");
  EXPECT_EQ(out["age_minutes"], 156 * 60);
  EXPECT_EQ(out["first_gap"]["day"], "2024-01-06");
  EXPECT_EQ(out["status"], "error");

  const auto bad = run_cli({"freshness", "--warn-after", "soon"}, env);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--warn-after: 'soon' is not a duration"));
}

TEST(FreshnessCommand, NoDataIsAnErrorWhateverTheThresholds) {
  const auto db = fresh_database();
  const auto result = run_cli({"freshness"}, at(db, "2024-01-12T12:00:00Z"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("no data"));
  auto env = at(db, "2024-01-12T12:00:00Z");
  env["TRIBUTARY_START_DATE"] = "2024-01-01";
  const auto started = run_cli({"freshness"}, env);
  EXPECT_EQ(started.exit_code, 1);
  EXPECT_THAT(started.out, HasSubstr("no data: the first day, 2024-01-01, is missing"));
}

}  // namespace
}  // namespace tributary::testing
