// Readers never see a half-built table: a reader on its own connection queries
// analytics.weekly_engagement in a loop while the models are rebuilt, and the swap waits
// for (and retries past) a reader that holds the table.
#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/fixtures/model_fixtures.hpp"

namespace tributary::testing {
namespace {

constexpr const char* kWeeklyChecksum =
    "select count(*) || ':' || md5(string_agg(t::text, ',' order by week_start)) "
    "from analytics.weekly_engagement as t";

TEST(ModelSwapTest, ReaderSeesACompleteTableOnEveryQueryDuringTwentyRebuilds) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  const auto expected = query_value(db, kWeeklyChecksum);
  ASSERT_THAT(expected, ::testing::StartsWith("5:"));

  // Shared with the reader thread: when to stop, and what it saw (read after join).
  std::atomic<bool> stop{false};
  int queries = 0;
  std::vector<std::string> wrong;
  std::thread reader([&] {
    pqxx::connection conn(db.connection_string());
    while (!stop) {
      try {
        pqxx::nontransaction tx(conn);
        // The short sleep keeps the table locked for a moment, so swaps meet the reader.
        const auto row = tx.exec1(std::string(kWeeklyChecksum) + ", pg_sleep(0.002)");
        if (row[0].is_null() || row[0].c_str() != expected) {
          wrong.push_back(row[0].is_null() ? "NULL" : row[0].c_str());
        }
      } catch (const std::exception& e) {
        wrong.push_back(e.what());
      }
      ++queries;
    }
  });
  ModelRunOptions options = shipped_models();
  options.apply_migrations = false;
  int failed_runs = 0;
  for (int i = 0; i < 20; ++i) failed_runs += run_models(settings, options).ok() ? 0 : 1;
  stop = true;
  reader.join();

  EXPECT_EQ(failed_runs, 0);
  EXPECT_GT(queries, 20);
  EXPECT_THAT(wrong, ::testing::IsEmpty());
  EXPECT_EQ(query_value(db,
                        "select count(*) from ingest.model_runs where status = 'succeeded' "
                        "and model = 'weekly_engagement'"),
            "21");
}

TEST(ModelSwapTest, SwapWaitsAndRetriesWhileAReaderHoldsTheTableLongerThanTheLockTimeout) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ModelRunOptions options = shipped_models();
  ASSERT_TRUE(run_models(settings, options).ok());
  insert_events(db, {{"2024-01-03", 99, "10", "active", 1}});

  // A reader that keeps weekly_engagement locked for 3 s, past the 2 s lock timeout.
  pqxx::connection conn(db.connection_string());
  pqxx::work reading(conn);
  EXPECT_EQ(reading
                .exec1("select active_users from analytics.weekly_engagement "
                       "where week_start = '2024-01-01'")[0]
                .as<int>(),
            3);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    reading.commit();
  });
  options.select = {"user_daily_events", "weekly_engagement"};
  options.full_refresh = true;  // an incremental run swaps nothing (model_incremental_test)
  const auto report = run_models(settings, options);
  release.join();
  ASSERT_EQ(report.models.size(), 2u);
  EXPECT_EQ(report.models[1].name, "weekly_engagement");
  EXPECT_EQ(report.models[1].status, ModelStatus::Succeeded) << report.models[1].error;
  EXPECT_GE(report.models[1].duration.count(), 2000);  // at least one lock timeout
  EXPECT_EQ(query_value(db,
                        "select active_users from analytics.weekly_engagement "
                        "where week_start = '2024-01-01'"),
            "4");
}

}  // namespace
}  // namespace tributary::testing
