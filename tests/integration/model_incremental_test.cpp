// Incremental models: after a full build, a run rebuilds only the days and weeks whose
// event dates changed (ingest.changed_event_dates), and the tables always equal what a
// full build gives — for inserted, updated, moved, deleted and truncated events alike.
// The writes here are made by hand, logging their dates as a manual fix must; that the
// loader logs exactly the dates it changes is merge_paths_test's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "db/lock_keys.hpp"
#include "integration/fixtures/model_fixtures.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kTables = {"user_daily_events", "daily_active_users",
                                          "weekly_engagement", "weekly_active_corporations",
                                          "weekly_summary"};

std::string tables_checksum(const DatabaseSettings& db) {
  std::string out;
  for (const auto& table : kTables) {
    out += table + "=" +
           query_value(db,
                       "select count(*) || ':' || md5(coalesce(string_agg(t::text, ',' "
                       "order by t::text), '')) from analytics." +
                           table + " as t") +
           "\n";
  }
  return out;
}

std::map<std::string, std::string> refreshes(const ModelRunReport& report) {
  std::map<std::string, std::string> out;
  for (const auto& m : report.models) out[m.name] = m.refresh;
  return out;
}

// Runs the models incrementally, then in full, and expects the same tables from both.
ModelRunReport expect_incremental_equals_full(const DatabaseSettings& db) {
  const auto settings = model_settings(db);
  auto options = shipped_models();
  const auto incremental = run_models(settings, options);
  EXPECT_TRUE(incremental.ok());
  const auto after_incremental = tables_checksum(db);
  options.full_refresh = true;
  const auto full = run_models(settings, options);
  EXPECT_TRUE(full.ok());
  for (const auto& m : full.models) EXPECT_EQ(m.refresh, "full") << m.name;
  EXPECT_EQ(after_incremental, tables_checksum(db));
  return incremental;
}

TEST(ModelIncrementalTest, FirstBuildIsFullThenUnchangedDataRebuildsNothing) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  const auto first = run_models(settings, shipped_models());
  ASSERT_TRUE(first.ok());
  for (const auto& m : first.models) EXPECT_EQ(m.refresh, "full") << m.name;
  const auto before = tables_checksum(db);

  const auto second = run_models(settings, shipped_models());
  ASSERT_TRUE(second.ok());
  for (const auto& m : second.models) {
    EXPECT_EQ(m.refresh, "unchanged") << m.name;
    EXPECT_TRUE(m.rows.has_value()) << m.name;
  }
  EXPECT_EQ(tables_checksum(db), before);
  // Every model has consumed the log: nothing is kept.
  EXPECT_EQ(query_value(db, "select count(*) from ingest.changed_event_dates"), "0");
}

TEST(ModelIncrementalTest, NewEventsRebuildOnlyTheirDayAndWeek) {
  const auto db = fixture_database();
  ASSERT_TRUE(run_models(model_settings(db), shipped_models()).ok());
  insert_events(db, {{"2024-01-03", 4242, "77", "Active", 3}});
  EXPECT_EQ(query_value(db,
                        "select string_agg(distinct event_date::text, ',') "
                        "from ingest.changed_event_dates"),
            "2024-01-03");

  const auto report = expect_incremental_equals_full(db);
  const auto refresh = refreshes(report);
  EXPECT_EQ(refresh.at("user_daily_events"), "incremental (1 partition)");
  EXPECT_EQ(refresh.at("weekly_summary"), "incremental (1 partition)");
  EXPECT_EQ(query_value(db,
                        "select count(*) from analytics.user_daily_events "
                        "where user_id = 4242"),
            "1");
}

TEST(ModelIncrementalTest, AnEventMovedToAnotherWeekRebuildsBothWeeks) {
  const auto db = fixture_database();
  ASSERT_TRUE(run_models(model_settings(db), shipped_models()).ok());
  // User 2's event of 2024-01-02 now belongs to 2024-01-10: the old day and week lose it,
  // the new ones gain it.
  EXPECT_EQ(query_value(db,
                        "with moved as (update public.user_events set event_date = "
                        "'2024-01-10' where event_date = '2024-01-02' and user_id = 2 "
                        "returning 1), logged as (insert into ingest.changed_event_dates "
                        "(event_date) values ('2024-01-02'), ('2024-01-10')) "
                        "select count(*) from moved"),
            "1");
  const auto report = expect_incremental_equals_full(db);
  EXPECT_EQ(refreshes(report).at("user_daily_events"), "incremental (2 partitions)");
  EXPECT_EQ(refreshes(report).at("weekly_engagement"), "incremental (2 partitions)");
}

TEST(ModelIncrementalTest, DeletedEventsAndEmptiedDaysDisappearFromTheModels) {
  const auto db = fixture_database();
  ASSERT_TRUE(run_models(model_settings(db), shipped_models()).ok());
  query_value(db,
              "with gone as (delete from public.user_events where event_date = "
              "(select min(event_date) from public.user_events) returning event_date), "
              "logged as (insert into ingest.changed_event_dates (event_date) "
              "select distinct event_date from gone) select count(*) from gone");
  expect_incremental_equals_full(db);
}

TEST(ModelIncrementalTest, TruncatedEventsRebuildEverythingInFull) {
  const auto db = fixture_database();
  ASSERT_TRUE(run_models(model_settings(db), shipped_models()).ok());
  // A NULL date in the log: everything changed.
  query_value(db,
              "truncate public.user_events; "
              "insert into ingest.changed_event_dates (event_date) values (null); select 1");
  insert_events(db, {{"2024-02-05", 1, "10", "active", 1}});
  const auto report = expect_incremental_equals_full(db);
  EXPECT_EQ(refreshes(report).at("user_daily_events"), "full");
  EXPECT_EQ(query_value(db, "select count(*) from analytics.weekly_engagement"), "1");
}

TEST(ModelIncrementalTest, AChangedModelSqlIsBuiltInFull) {
  const auto db = fixture_database();
  const auto dir = copy_of_shipped_models("incremental-sql");
  auto options = shipped_models();
  options.models_dir = dir.string();
  ASSERT_TRUE(run_models(model_settings(db), options).ok());
  replace_in_file(dir / "daily_active_users.sql", "group by event_date",
                  "group by event_date\nhaving count(*) > 0");
  const auto report = run_models(model_settings(db), options);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(refreshes(report).at("daily_active_users"), "full");
  EXPECT_EQ(refreshes(report).at("user_daily_events"), "unchanged");
  std::filesystem::remove_all(dir);
}

TEST(ModelIncrementalTest, AnotherManifestNeitherConsumesNorSharesTheChangeLog) {
  const auto db = fixture_database();
  ASSERT_TRUE(run_models(model_settings(db), shipped_models()).ok());
  // The same models in another schema, built in full every time: its runs must not prune
  // the log the shipped models have not consumed yet, nor take over their state.
  const auto dir = copy_of_shipped_models("other-schema");
  replace_in_file(dir / "models.yaml", "schema: analytics", "schema: scratch");
  for (const auto* model : {"daily_active_users", "weekly_engagement", "weekly_active_corporations",
                            "weekly_summary"}) {
    const auto file = dir / (std::string(model) + ".sql");
    std::ifstream in(file);
    std::string sql((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto at = sql.find("analytics."); at != std::string::npos; at = sql.find("analytics.")) {
      sql.replace(at, 10, "scratch.");
    }
    std::ofstream(file) << sql;
  }
  auto other = shipped_models();
  other.models_dir = dir.string();
  insert_events(db, {{"2024-01-03", 4343, "77", "active", 1}});
  const auto first_other = run_models(model_settings(db), other);
  ASSERT_TRUE(first_other.ok());
  EXPECT_EQ(refreshes(first_other).at("user_daily_events"), "full");

  const auto report = expect_incremental_equals_full(db);
  EXPECT_EQ(refreshes(report).at("user_daily_events"), "incremental (1 partition)");
  EXPECT_EQ(query_value(db,
                        "select count(*) from analytics.user_daily_events "
                        "where user_id = 4343"),
            "1");
  std::filesystem::remove_all(dir);
}

TEST(ModelIncrementalTest, AReaderHoldingTheTableDoesNotDelayAnIncrementalRun) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  insert_events(db, {{"2024-01-03", 99, "10", "active", 1}});
  pqxx::connection conn(db.connection_string());
  pqxx::work reading(conn);
  reading.exec("select count(*) from analytics.weekly_engagement");  // holds its lock
  const auto report = run_models(settings, shipped_models());
  ASSERT_TRUE(report.ok());
  for (const auto& m : report.models) EXPECT_LT(m.duration.count(), 2000) << m.name;
  reading.commit();
  EXPECT_EQ(query_value(db,
                        "select active_users from analytics.weekly_engagement "
                        "where week_start = '2024-01-01'"),
            "4");
}

TEST(ModelIncrementalTest, AChangeCommittedDuringARunIsPickedUpByTheNext) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  // An open load: its change is logged but not committed while the models run.
  pqxx::connection conn(db.connection_string());
  pqxx::work load(conn);
  load.exec(
      "insert into public.user_events (device_id, event_time, event_date, event_type, "
      "data_type, user_id, amp_id, server_upload_time, server_received_time, "
      "processed_time, client_event_time, client_upload_time, path, user_corporate_id, "
      "user_corporate_status) values ('late-device', 999999, '2024-01-04', 'page_view', "
      "'event', 5150, 1, 0, 0, 0, 0, 0, '/app', 10, 'active')");
  load.exec("insert into ingest.changed_event_dates (event_date) values ('2024-01-04')");
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  load.commit();
  const auto report = expect_incremental_equals_full(db);
  EXPECT_EQ(refreshes(report).at("user_daily_events"), "incremental (1 partition)");
  EXPECT_EQ(query_value(db,
                        "select count(*) from analytics.user_daily_events "
                        "where user_id = 5150"),
            "1");
}

// A day holds the change-log lock from before its merge's snapshot to its commit; the
// runner takes its snapshot only when no day holds it, so a day writing while the models
// start is either wholly in their snapshot or wholly after it.
TEST(ModelIncrementalTest, TheSnapshotWaitsForADayThatIsWritingAndHoldsItsChange) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  pqxx::connection conn(db.connection_string());
  pqxx::work load(conn);
  load.exec_params("select pg_advisory_xact_lock_shared($1)", internal::kChangeLogLockKey);
  load.exec(
      "insert into public.user_events (device_id, event_time, event_date, event_type, "
      "data_type, user_id, amp_id, server_upload_time, server_received_time, "
      "processed_time, client_event_time, client_upload_time, path, user_corporate_id, "
      "user_corporate_status) values ('writing-device', 888888, '2024-01-05', 'page_view', "
      "'event', 6160, 1, 0, 0, 0, 0, 0, '/app', 10, 'active')");
  load.exec("insert into ingest.changed_event_dates (event_date) values ('2024-01-05')");

  std::promise<ModelRunReport> done;
  auto report = done.get_future();
  std::thread runner([&] { done.set_value(run_models(settings, shipped_models())); });
  EXPECT_EQ(report.wait_for(std::chrono::milliseconds(1500)), std::future_status::timeout)
      << "the models took a snapshot while a day was writing";
  load.commit();
  ASSERT_EQ(report.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  runner.join();
  const auto after = report.get();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(refreshes(after).at("user_daily_events"), "incremental (1 partition)");
  EXPECT_EQ(query_value(db,
                        "select count(*) from analytics.user_daily_events "
                        "where user_id = 6160"),
            "1");
  expect_incremental_equals_full(db);
}

}  // namespace
}  // namespace tributary::testing
