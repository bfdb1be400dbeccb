// Several loaders, one backfill: processes started side by side on one month pass over the
// days another one holds, come back to them at the end, and load each day exactly once —
// the table the same as one process gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "integration/environment.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;

TEST(SeveralLoaders, ThreeBackfillsOfOneMonthLoadEachDayOnceAndGiveTheSingleProcessTable) {
  DemoOptions data;
  data.seed = 47;
  data.events_per_day = 3000;
  DemoServer server(demo_server_options(data));
  const auto reference = cluster().create_database("t_several_loaders_reference");
  Settings s;
  s.database = reference;
  s.api.url = server.url();
  s.api.token = "demo-token";
  ASSERT_TRUE(backfill_month(s, date::year{2024} / 1, {}).ok());

  const auto db = fresh_database();
  const auto env = demo_env(db, server.url());
  ASSERT_EQ(run_cli({"migrate"}, env).exit_code, 0);
  std::vector<std::unique_ptr<BackgroundProcess>> loaders;
  for (int i = 0; i < 3; ++i) {
    loaders.push_back(
        spawn_cli({"backfill-month", "2024-01", "--parallel", "2", "--no-models"}, env));
  }
  int reported_elsewhere = 0;
  for (auto& loader : loaders) {
    const auto done = loader->wait();
    ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
    if (done.out.find("loaded by another process") != std::string::npos) ++reported_elsewhere;
  }
  EXPECT_GT(reported_elsewhere, 0) << "no process found a day another one had";

  // Each day written by exactly one run, none of them re-checked as unchanged by another.
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"), "31");
  EXPECT_EQ(query_value(db,
                        "select sum(days_loaded) || ' ' || sum(days_unchanged) || ' ' || "
                        "sum(days_failed) from ingest.runs where command = 'backfill-month'"),
            "31 0 0");
  EXPECT_EQ(query_value(db,
                        "select sum(days_loaded + days_skipped) from ingest.runs "
                        "where command = 'backfill-month'"),
            "93")
      << "every run accounts for every day: loaded, or left to another process";
  EXPECT_NE(query_value(db, "select count(distinct run_id) from ingest.day_loads"), "1")
      << "the days were shared";
  EXPECT_EQ(user_events_checksum(db), user_events_checksum(reference));
}

TEST(SeveralLoaders, ADayHeldByAnotherProcessIsDoneAtTheEndAndNotAgainWhenThatOneLoadedIt) {
  DemoOptions data;
  data.seed = 48;
  data.events_per_day = 500;
  DemoServer server(demo_server_options(data));
  const auto db = fresh_database();
  const auto env = demo_env(db, server.url());
  ASSERT_EQ(run_cli({"migrate"}, env).exit_code, 0);

  // Another process holds 2024-01-03 (its transaction is open) while this one backfills.
  pqxx::connection other(db.connection_string());
  pqxx::work holding(other);
  holding.exec("select pg_advisory_xact_lock(29810, (date '2024-01-03' - date '1970-01-01'))");
  auto run = spawn_cli({"backfill-month", "2024-01", "--parallel", "2", "--no-models"}, env);
  // The others are loaded meanwhile; the held day waits for the end of the run.
  for (int i = 0; i < 600; ++i) {
    if (query_value(db, "select count(*) from ingest.day_loads") == "30") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads"), "30");
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where day = '2024-01-03'"), "0");
  holding.abort();  // that process let go without loading it: this run loads it
  const auto done = run->wait();
  ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
  EXPECT_THAT(done.out, HasSubstr("days loaded 31"));
  EXPECT_EQ(query_value(db, "select status from ingest.day_loads where day = '2024-01-03'"),
            "loaded");
}

}  // namespace
}  // namespace tributary::testing
