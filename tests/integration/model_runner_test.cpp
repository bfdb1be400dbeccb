// The model runner end to end: a failing data test or SQL keeps the previous table and
// skips the dependants, views are kept in step with the tables they read, `--select`, and
// the CLI's exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/fixtures/model_fixtures.hpp"
#include "tributary/error.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

std::string table_checksum(const DatabaseSettings& db, const std::string& table) {
  return query_value(db,
                     "select count(*) || ':' || md5(coalesce(string_agg(t::text, ',' order by "
                     "t::text), '')) from " +
                         table + " as t");
}

ProcessResult run_models_cli(const DatabaseSettings& db, const fs::path& models_dir,
                             std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run-models", "--models-dir", models_dir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args, database_env(db));
}

TEST(ModelRunnerTest, FailingDataTestKeepsThePreviousTableSkipsDependantsAndExitsOne) {
  const auto db = fixture_database();
  const auto dir = copy_of_shipped_models("failing-test");
  replace_in_file(
      dir / "models.yaml", "description: The user.\n        tests: [not_null]",
      "description: The user.\n        tests: [not_null, {expression: \"user_id <> 666\"}]");
  const auto first = run_models_cli(db, dir);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto before = table_checksum(db, "analytics.user_daily_events");
  const auto weekly_before = table_checksum(db, "analytics.weekly_engagement");

  insert_events(db,
                {{"2024-01-03", 666, "10", "active", 2}, {"2024-01-04", 777, "10", "active", 1}});
  const auto second = run_models_cli(db, dir);
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  EXPECT_THAT(second.out, ContainsRegex("user_daily_events +failed"));
  EXPECT_THAT(second.out, HasSubstr("test expression(user_id <> 666) failed: 1 row"));
  EXPECT_THAT(second.out, HasSubstr("user_id=666"));
  EXPECT_THAT(second.out, ContainsRegex("weekly_engagement +skipped"));
  EXPECT_THAT(second.out, HasSubstr("failed 1 / skipped 4"));

  EXPECT_EQ(table_checksum(db, "analytics.user_daily_events"), before);
  EXPECT_EQ(table_checksum(db, "analytics.weekly_engagement"), weekly_before);
  EXPECT_EQ(query_value(db, "select count(*) from pg_class where relname like '%\\_\\_building%'"),
            "0");

  const auto last_run = "(select max(run_id) from ingest.model_runs)";
  EXPECT_EQ(query_rows(db, std::string("select model, status, coalesce(failed_test, ''), "
                                       "coalesce(rows::text, '') from ingest.model_runs "
                                       "where run_id = ") +
                               last_run),
            sorted({{"user_daily_events", "failed", "expression(user_id <> 666)", ""},
                    {"daily_active_users", "skipped", "", ""},
                    {"weekly_engagement", "skipped", "", ""},
                    {"weekly_active_corporations", "skipped", "", ""},
                    {"weekly_summary", "skipped", "", ""}}));
  EXPECT_THAT(
      query_value(db, std::string("select error from ingest.model_runs where run_id = ") +
                          last_run + " and model = 'user_daily_events'"),
      HasSubstr("test expression(user_id <> 666) failed: 1 row, e.g. [event_date=2024-01-03"));
  EXPECT_EQ(query_value(db, std::string("select error from ingest.model_runs where run_id = ") +
                                last_run + " and model = 'weekly_summary'"),
            "depends on user_daily_events, which failed");
  EXPECT_EQ(query_value(db, std::string("select status || ' ' || command from ingest.runs "
                                        "where id = ") +
                                last_run),
            "partial run-models");
  fs::remove_all(dir);
}

TEST(ModelRunnerTest, SqlErrorKeepsThePreviousTableAndNamesTheError) {
  const auto db = fixture_database();
  const auto dir = copy_of_shipped_models("sql-error");
  const auto settings = model_settings(db);
  ModelRunOptions options;
  options.models_dir = dir.string();
  ASSERT_TRUE(run_models(settings, options).ok());
  const auto before = table_checksum(db, "analytics.daily_active_users");

  replace_in_file(dir / "daily_active_users.sql", "count(distinct user_id)",
                  "count(distinct nope)");
  insert_events(db, {{"2024-01-03", 42, nullptr, nullptr, 1}});
  const auto report = run_models(settings, options);
  ASSERT_EQ(report.models.size(), 5u);
  const auto& daily = report.models[1];
  EXPECT_EQ(daily.name, "daily_active_users");
  EXPECT_EQ(daily.status, ModelStatus::Failed);
  EXPECT_THAT(daily.error, HasSubstr("SQL of daily_active_users.sql failed: column \"nope\" "
                                     "does not exist [SQLSTATE 42703]"));
  EXPECT_FALSE(daily.rows.has_value());
  EXPECT_EQ(table_checksum(db, "analytics.daily_active_users"), before);
  // Its siblings do not depend on it and were rebuilt with the new event.
  EXPECT_EQ(report.models[2].status, ModelStatus::Succeeded);
  EXPECT_EQ(query_value(db,
                        "select active_users from analytics.weekly_engagement "
                        "where week_start = '2024-01-01'"),
            "4");
  fs::remove_all(dir);
}

TEST(ModelRunnerTest, ViewModelFollowsTheTableItReadsAcrossRebuilds) {
  const auto db = fixture_database();
  const auto dir =
      fs::temp_directory_path() / ("tributary-view-models-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "per_user.sql")
      << "select user_id, count(*) as events from public.user_events group by user_id\n";
  std::ofstream(dir / "busy_users.sql")
      << "select user_id from analytics.per_user where events >= 4;\n";
  std::ofstream(dir / "models.yaml") << R"(
models:
  - name: per_user
    sql: per_user.sql
    description: Events per user.
    indexes: [[user_id]]
    columns:
      - {name: user_id, tests: [not_null, unique]}
  - name: busy_users
    sql: busy_users.sql
    materialized: view
    depends_on: [per_user]
    description: Users with at least 4 events.
)";
  ModelRunOptions options;
  options.models_dir = dir.string();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, options).ok());
  EXPECT_EQ(query_rows(db, "select user_id from analytics.busy_users"),
            sorted({{"1"}, {"3"}, {"8"}}));

  insert_events(db, {{"2024-01-03", 2, "10", "active", 3}});
  // Selecting only the table: the view over it is recreated in the swap transaction.
  options.select = {"per_user"};
  const auto report = run_models(settings, options);
  ASSERT_TRUE(report.ok()) << report.models.at(0).error;
  EXPECT_EQ(query_rows(db, "select user_id from analytics.busy_users"),
            sorted({{"1"}, {"2"}, {"3"}, {"8"}}));
  EXPECT_EQ(query_value(db, "select obj_description('analytics.busy_users'::regclass)"),
            "Users with at least 4 events.");
  EXPECT_EQ(
      query_value(db, "select count(*) from pg_indexes where indexname = 'per_user_user_id_idx'"),
      "1");
  fs::remove_all(dir);
}

TEST(ModelRunnerTest, SelectBuildsOneModelOrItWithItsDependants) {
  const auto db = fixture_database();
  const auto models = fs::path(TRIBUTARY_SOURCE_DIR) / "analysis_sql";
  ASSERT_EQ(run_models_cli(db, models).exit_code, 0);
  const auto only = run_models_cli(db, models, {"--select", "weekly_summary"});
  EXPECT_EQ(only.exit_code, 0) << only.out << only.err;
  EXPECT_THAT(only.out, HasSubstr("succeeded 1 / failed 0 / skipped 0"));
  const auto plus = run_models_cli(db, models, {"--select", "user_daily_events+"});
  EXPECT_EQ(plus.exit_code, 0) << plus.out << plus.err;
  EXPECT_THAT(plus.out, HasSubstr("succeeded 5 / failed 0 / skipped 0"));
  const auto unknown = run_models_cli(db, models, {"--select", "weekly_sumary"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err,
              HasSubstr("unknown model 'weekly_sumary' (did you mean weekly_summary?)"));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.model_runs"), "11");
}

TEST(ModelRunnerTest, InvalidManifestExitsTwoNamingTheCycle) {
  const auto db = fixture_database();
  const auto dir = copy_of_shipped_models("cycle");
  replace_in_file(dir / "models.yaml", "    depends_on: []\n",
                  "    depends_on: [weekly_summary]\n");
  const auto result = run_models_cli(db, dir);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_EQ(result.out, "");  // nothing built, nothing printed but the error
  EXPECT_THAT(result.err, HasSubstr("dependency cycle: user_daily_events -> weekly_summary -> "
                                    "user_daily_events"));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.model_runs"), "0");
  fs::remove_all(dir);
}

TEST(ModelRunnerTest, UnreachableDatabaseExitsFour) {
  auto db = cluster().settings_for("postgres");
  db.port = free_port();
  const auto result = run_models_cli(db, fs::path(TRIBUTARY_SOURCE_DIR) / "analysis_sql");
  EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("cannot reach the database"));
}

}  // namespace
}  // namespace tributary::testing

namespace tributary::testing {
namespace {

TEST(ModelRunnerAfterLoad, RecordsTheModelsUnderTheLoadsRunWithoutARunOfItsOwn) {
  const auto db = fresh_database();
  DemoOptions data;
  data.events_per_day = 50;
  DemoServer server(demo_server_options(data));
  Settings settings = model_settings(db);
  settings.api.url = server.url();
  settings.api.token = "demo-token";
  const RunResult load = request_day(settings, date::sys_days{date::year{2024} / 1 / 5});
  ASSERT_TRUE(load.ok());

  const auto report = run_models_after_load(settings, load.run_id, shipped_models());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.run_id, load.run_id);
  EXPECT_EQ(report.models.size(), 5U);
  EXPECT_EQ(query_value(db, "select count(*) from ingest.model_runs where run_id = " +
                                std::to_string(load.run_id) + " and status = 'succeeded'"),
            "5");
  EXPECT_EQ(query_value(db, "select count(*) from ingest.runs"), "1");
  EXPECT_NE(query_value(db, "select count(*) from analytics.daily_active_users"), "0");
}

}  // namespace
}  // namespace tributary::testing
