// What analysts see of the load, logged in as `analyst` (created by
// scripts/create-analyst-role.sh, a member of tributary_reader): analytics.load_status,
// analytics.model_status and the models without a schema name; still nothing of ingest and
// no writes. Also what the two views show, the comments on public.user_events, and that a
// model cannot take a view's name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "integration/fixtures/model_fixtures.hpp"
#include "tributary/error.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAnalystPassword = "analyst-views-password";

// Runs scripts/create-analyst-role.sh against `db`: the `analyst` login with kAnalystPassword.
void create_analyst(const DatabaseSettings& db) {
  auto env = database_env(db);
  env["ANALYST_PASSWORD"] = kAnalystPassword;
  const auto created = run_process(
      {"/bin/bash", std::string(TRIBUTARY_SOURCE_DIR) + "/scripts/create-analyst-role.sh"}, env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
}

DatabaseSettings as_login(DatabaseSettings db, const std::string& user,
                          const std::string& password) {
  db.url.clear();
  db.user = user;
  db.password = password;
  return db;
}

DatabaseSettings as_analyst(const DatabaseSettings& db) {
  return as_login(db, "analyst", kAnalystPassword);
}

// The demo API serving 2024-01-01 to 2024-01-10, 150 events a weekday.
DemoServerOptions ten_days(std::vector<FaultSpec> faults = {}) {
  DemoOptions data;
  data.events_per_day = 150;
  data.invalid_rate = 0.05;
  data.to = date::sys_days{date::year{2024} / 1 / 10};
  auto options = demo_server_options(data);
  options.faults = std::move(faults);
  return options;
}

// A database as `make deploy` leaves it after some days: 01-02 and 01-03 loaded with the
// models built, 01-04 never requested, 01-05 loaded, 01-07 failed (every request answered 500).
DatabaseSettings loaded_database() {
  const auto db = fresh_database();
  {
    DemoServer server(ten_days());
    const auto env = demo_env(db, server.url());
    const auto backfill = run_cli({"backfill", "--from", "2024-01-02", "--to", "2024-01-03"}, env);
    EXPECT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
    const auto day =
        run_cli({"backfill", "--from", "2024-01-05", "--to", "2024-01-05", "--no-models"}, env);
    EXPECT_EQ(day.exit_code, 0) << day.out << day.err;
  }
  DemoServer failing(ten_days({parse_fault("500=1")}));
  auto env = demo_env(db, failing.url());
  env["TRIBUTARY_MAX_ATTEMPTS"] = "1";
  const auto failed =
      run_cli({"backfill", "--from", "2024-01-07", "--to", "2024-01-07", "--no-models"}, env);
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  return db;
}

TEST(AnalystViews, AnalystReadsBothViewsAndWeeklySummaryWithoutASchemaName) {
  const auto db = loaded_database();
  create_analyst(db);
  const auto analyst = as_analyst(db);

  EXPECT_EQ(query_value(analyst, "show search_path"), "analytics, public");
  EXPECT_EQ(query_value(analyst,
                        "select string_agg(day || ' ' || status, ', ' order by day) "
                        "from load_status"),
            "2024-01-02 loaded, 2024-01-03 loaded, 2024-01-04 missing, 2024-01-05 loaded, "
            "2024-01-06 missing, 2024-01-07 failed");
  EXPECT_EQ(query_value(analyst,
                        "select string_agg(model || ' ' || status || ' ' || refresh, "
                        "', ' order by model) from model_status"),
            "daily_active_users succeeded full, user_daily_events succeeded full, "
            "weekly_active_corporations succeeded full, weekly_engagement succeeded full, "
            "weekly_summary succeeded full");
  const auto weeks = query_value(db, "select count(*) from analytics.weekly_summary");
  EXPECT_NE(weeks, "0");
  EXPECT_EQ(query_value(analyst, "select count(*) from weekly_summary"), weeks);
  EXPECT_EQ(query_value(analyst, "select count(*) from user_events"),
            query_value(db, "select count(*) from public.user_events"));
  // The figures are those of ingest.day_loads, which the analyst cannot read.
  const std::string columns =
      "select day, status, events_received, events_loaded, events_rejected, events_duplicate, "
      "loaded_at, checked_at, run_id ";
  EXPECT_EQ(query_rows(analyst, columns + "from load_status where status <> 'missing'"),
            query_rows(db, columns + "from ingest.day_loads"));
  EXPECT_EQ(query_value(analyst,
                        "select count(*) from load_status where status = 'loaded' "
                        "and events_loaded > 0 and events_rejected > 0"),
            "3");
  // Each model's rows are those of its table.
  EXPECT_EQ(query_value(analyst, "select rows from model_status where model = 'weekly_summary'"),
            weeks);
}

TEST(AnalystViews, AnotherAnalystLoginGetsTheSameSearchPathFromItsOwnRoleSetting) {
  const auto db = loaded_database();
  cluster().psql("postgres",
                 "do $$ begin if not exists (select from pg_roles where rolname = "
                 "'analyst_two') then create role analyst_two login password 'two-pw'; "
                 "end if; end $$");
  cluster().psql("postgres", "grant tributary_reader to analyst_two");
  cluster().psql("postgres", "alter role analyst_two reset search_path");
  const auto two = as_login(db, "analyst_two", "two-pw");
  // Membership alone gives the rights, not the search_path: a NOLOGIN group's settings do
  // not reach its members.
  EXPECT_THAT(sql_outcome(two, "select * from load_status"),
              HasSubstr("relation \"load_status\" does not exist"));
  EXPECT_EQ(sql_outcome(two, "select * from analytics.load_status"), "ok");
  cluster().psql("postgres", "alter role analyst_two set search_path = analytics, public");
  EXPECT_EQ(sql_outcome(two, "select * from load_status, model_status, weekly_summary"), "ok");
}

TEST(AnalystViews, AnalystStillCannotReadIngestOrWriteAnywhere) {
  const auto db = loaded_database();
  create_analyst(db);
  const auto analyst = as_analyst(db);
  for (const char* table : {"ingest.runs", "ingest.day_loads", "ingest.rejected_events",
                            "ingest.model_runs", "ingest.model_relations"}) {
    EXPECT_EQ(sql_outcome(analyst, std::string("select * from ") + table), "42501") << table;
  }
  const std::vector<std::string> writes = {
      "insert into load_status (day, status) values ('2030-01-01', 'loaded')",
      "update load_status set status = 'loaded'",
      "delete from load_status",
      "insert into model_status (model) values ('x')",
      "update model_status set status = 'succeeded'",
      "delete from model_status",
      "create or replace view analytics.load_status as select 1 as day",
      "drop view analytics.load_status",
      "alter view analytics.model_status rename to mine",
      "comment on view analytics.load_status is 'mine'",
      "update weekly_summary set active_users = 0",
      "delete from user_events",
      "create table analytics.mine (x int)",
      "create view public.mine as select 1 as x",
  };
  for (const auto& sql : writes) {
    const auto outcome = sql_outcome(analyst, sql);
    // A write into one of the status views may also be refused before its privileges are
    // checked: they are not updatable views (55000).
    const bool view_not_updatable = outcome.rfind("55000 ", 0) == 0 &&
                                    outcome.find("Views containing WITH") != std::string::npos;
    EXPECT_TRUE(outcome == "42501" || view_not_updatable) << sql << ": " << outcome;
  }
  // Even as the owner, neither view takes a write: they are read-only by construction.
  EXPECT_THAT(sql_outcome(db, "delete from analytics.load_status"), HasSubstr("55000"));
  EXPECT_THAT(sql_outcome(db, "update analytics.model_status set status = 'x'"), HasSubstr("55000"));
  EXPECT_EQ(query_value(db, "select count(*) from analytics.load_status where status <> 'missing'"),
            "4");
}

TEST(AnalystViews, LoadStatusShowsTheColumnsItDocumentsAndShortErrorsWithoutUrls) {
  const auto db = loaded_database();
  create_analyst(db);
  const auto analyst = as_analyst(db);
  EXPECT_EQ(query_value(analyst,
                        "select string_agg(column_name, ' ' order by ordinal_position) "
                        "from information_schema.columns "
                        "where table_schema = 'analytics' and table_name = 'load_status'"),
            "day status events_received events_loaded events_rejected events_duplicate "
            "loaded_at checked_at run_id last_error");

  // The failed day: its error as the loader recorded it, first line only, and no address.
  const auto recorded =
      query_value(db, "select last_error from ingest.day_loads where day = '2024-01-07'");
  EXPECT_THAT(recorded, HasSubstr("500"));
  const auto shown =
      query_value(analyst, "select last_error from load_status where day = '2024-01-07'");
  EXPECT_THAT(shown, HasSubstr("500"));
  EXPECT_THAT(shown, Not(HasSubstr("127.0.0.1")));
  // The address goes, the punctuation after it stays.
  EXPECT_EQ(shown, std::regex_replace(recorded, std::regex("http://[^ ]*[^ :]"), "<url>"));
  EXPECT_THAT(shown, HasSubstr("<url>"));
  EXPECT_EQ(query_value(analyst, "select count(*) from load_status where last_error is not null"),
            "1");

  // An error holding URLs with credentials and query strings, over several long lines.
  const std::string long_tail(400, 'x');
  query_value(db,
              "update ingest.day_loads set last_error = 'could not fetch "
              "https://user:pw-in-url@api.example.com/events?date=2024-01-07&key=s3cr3t-query "
              "(also tried postgresql://tributary:db-pass@db:5432/x): HTTP 502 " +
                  long_tail +
                  "\nsecond line with secret-second-line' "
                  "where day = '2024-01-07' returning 1");
  const auto short_error =
      query_value(analyst, "select last_error from load_status where day = '2024-01-07'");
  EXPECT_EQ(short_error.rfind("could not fetch <url> (also tried <url>): HTTP 502 xxx", 0), 0u)
      << short_error;
  for (const char* secret :
       {"pw-in-url", "s3cr3t-query", "db-pass", "api.example.com", "secret-second-line", "\n"}) {
    EXPECT_THAT(short_error, Not(HasSubstr(secret)));
  }
  EXPECT_EQ(query_value(analyst,
                        "select char_length(last_error) from load_status "
                        "where day = '2024-01-07'"),
            "200");
  EXPECT_EQ(short_error.substr(short_error.size() - 3), "...");
}

TEST(AnalystViews, ModelStatusFollowsFullIncrementalAndUnchangedBuildsAndFailures) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  const std::string udf =
      "select status || ' ' || rows || ' ' || refresh || ' ' || "
      "coalesce(partitions_rebuilt::text, '-') from analytics.model_status "
      "where model = 'user_daily_events'";
  EXPECT_EQ(query_value(db, udf),
            "succeeded " + query_value(db, "select count(*) from analytics.user_daily_events") +
                " full -");
  EXPECT_EQ(query_value(db,
                        "select count(*) from analytics.model_status where refresh = 'full' "
                        "and last_built_at is not null and duration_ms is not null"),
            "5");
  EXPECT_EQ(query_value(db, "select string_agg(distinct refresh, ',') from ingest.model_runs"),
            "full");

  insert_events(db, {{"2024-01-03", 4242, "10", "active", 1}});
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  EXPECT_EQ(query_value(db, udf),
            "succeeded " + query_value(db, "select count(*) from analytics.user_daily_events") +
                " incremental 1");
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  EXPECT_THAT(query_value(db, udf), HasSubstr(" unchanged 0"));

  // A failed attempt keeps the last build; one whose run ended before it did is interrupted.
  const auto built_at = query_value(
      db, "select last_built_at from analytics.model_status where model = 'weekly_summary'");
  query_value(db,
              "insert into ingest.runs (command, status, finished_at) "
              "values ('run-models', 'partial', now()), ('run-models', 'abandoned', null); "
              "insert into ingest.model_runs (run_id, model, status, duration_ms, error, "
              "failed_test, started_at, finished_at) values "
              "((select max(id) - 1 from ingest.runs), 'weekly_summary', 'failed', 12, "
              "'test not_null(week_start) failed on 2 rows', 'not_null(week_start)', "
              "now() + interval '1 minute', now() + interval '1 minute'), "
              "((select max(id) from ingest.runs), 'weekly_engagement', 'running', null, null, "
              "null, now() + interval '1 minute', null); select 1");
  EXPECT_EQ(
      query_value(db,
                  "select status || ' | ' || failed_test || ' | ' || last_error || ' | ' || "
                  "last_built_at from analytics.model_status where model = 'weekly_summary'"),
      "failed | not_null(week_start) | test not_null(week_start) failed on 2 rows | " + built_at);
  EXPECT_EQ(query_value(db,
                        "select status || ' ' || refresh from analytics.model_status "
                        "where model = 'weekly_engagement'"),
            "interrupted unchanged");
  EXPECT_EQ(query_value(db, "select count(*) from analytics.model_status"), "5");
}

TEST(AnalystViews, EveryColumnOfUserEventsAndOfTheViewsIsDocumented) {
  const auto db = fresh_database();
  migrate(db);
  for (const char* relation :
       {"public.user_events", "analytics.load_status", "analytics.model_status"}) {
    EXPECT_EQ(query_value(db, std::string("select coalesce(string_agg(attname, ', '), '') "
                                          "from pg_attribute where attrelid = '") +
                                  relation +
                                  "'::regclass and attnum > 0 and not attisdropped "
                                  "and col_description(attrelid, attnum) is null"),
              "")
        << relation << ": columns without a comment";
  }
  EXPECT_THAT(query_value(db,
                          "select col_description('public.user_events'::regclass, "
                          "(select attnum from pg_attribute where attrelid = "
                          "'public.user_events'::regclass and attname = 'event_time'))"),
              HasSubstr("milliseconds since the epoch"));
  // What an analyst's client (pgAdmin, \d+) shows.
  create_analyst(db);
  const auto run_id_comment = query_value(as_analyst(db),
                                          "select col_description('user_events'::regclass, "
                                          "(select attnum from pg_attribute where attrelid = "
                                          "'user_events'::regclass and attname = 'run_id'))");
  EXPECT_THAT(run_id_comment, HasSubstr("analytics.load_status"));
}

// A folder holding models.yaml (`yaml`) and `select 1 as x` for each model.
fs::path one_off_models(const std::string& tag, const std::string& yaml,
                        const std::vector<std::string>& models) {
  const auto dir = fs::temp_directory_path() /
                   ("tributary-analyst-views-" + std::to_string(::getpid()) + "-" + tag);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& m : models) std::ofstream(dir / (m + ".sql")) << "select 1 as x\n";
  std::ofstream(dir / "models.yaml") << yaml;
  return dir;
}

TEST(AnalystViews, AModelNamedLikeAStatusViewIsRefusedAndTheViewStays) {
  const auto db = fixture_database();
  const auto dir = one_off_models(
      "taken", "models:\n  - {name: load_status}\n  - {name: model_status, materialized: view}\n",
      {"load_status", "model_status"});
  const auto refused = run_cli({"run-models", "--models-dir", dir.string()}, database_env(db));
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("analytics.load_status is tributary's own status view"));
  EXPECT_THAT(refused.err, HasSubstr("analytics.model_status is tributary's own status view"));
  EXPECT_EQ(query_value(db,
                        "select string_agg(relname || ':' || relkind::text, ' ' order by relname) "
                        "from pg_class where relnamespace = 'analytics'::regnamespace"),
            "load_status:v model_status:v rejection_reasons:v");
  EXPECT_EQ(query_value(db, "select count(*) from ingest.model_runs"), "0");

  // In a schema of its own, the name is free.
  const auto elsewhere = one_off_models(
      "elsewhere", "schema: marts\nmodels:\n  - {name: load_status}\n", {"load_status"});
  const auto built = run_cli({"run-models", "--models-dir", elsewhere.string()}, database_env(db));
  EXPECT_EQ(built.exit_code, 0) << built.out << built.err;
  EXPECT_EQ(query_value(db, "select x from marts.load_status"), "1");
  fs::remove_all(dir);
  fs::remove_all(elsewhere);
}

TEST(AnalystViews, TheMigrationStopsWhenAModelTableHoldsAViewsName) {
  const auto db = fresh_database();
  migrate(db);
  // A database of an earlier version that built a model called load_status.
  query_value(db,
              "drop view analytics.load_status; drop view analytics.model_status; "
              "create table analytics.load_status (x int); "
              "delete from ingest.schema_migrations where name = '0007_analyst_views.sql'; "
              "select 1");
  try {
    migrate(db);
    ADD_FAILURE() << "the migration went through";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("analytics.load_status already exists"));
    EXPECT_THAT(e.what(), HasSubstr("Rename that model in models.yaml"));
  }
  EXPECT_EQ(query_value(db, "select count(*) from analytics.load_status"), "0");
  EXPECT_EQ(query_value(db, "select to_regclass('analytics.model_status') is null"), "t");
}

}  // namespace
}  // namespace tributary::testing
