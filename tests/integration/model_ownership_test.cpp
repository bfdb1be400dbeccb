// The model runner never replaces, renames, drops or writes a relation it did not create:
// manifests aimed at the project's own schemas are refused before anything runs, a table
// in the model schema that is not the runner's fails its model and stays as it was, and the
// runner's own tables are still rebuilt run after run (and adopted from earlier versions).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/fixtures/model_fixtures.hpp"
#include "tributary/error.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

// A folder holding models.yaml with `yaml`, and `select 1 as x` in every `<model>.sql`.
fs::path one_off_models(const std::string& tag, const std::string& yaml,
                        const std::vector<std::string>& models) {
  const auto dir =
      fs::temp_directory_path() / ("tributary-ownership-" + std::to_string(::getpid()) + "-" + tag);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& m : models) std::ofstream(dir / (m + ".sql")) << "select 1 as x\n";
  std::ofstream(dir / "models.yaml") << yaml;
  return dir;
}

ProcessResult run_models_in(const DatabaseSettings& db, const fs::path& dir) {
  return run_cli({"run-models", "--models-dir", dir.string()}, database_env(db));
}

// Rows, columns and triggers of public.user_events: what a replaced table would lose.
std::string user_events_shape(const DatabaseSettings& db) {
  return query_value(db,
                     "select (select count(*) from public.user_events) || ' rows, ' || "
                     "(select count(*) from pg_attribute where attrelid = 'public.user_events'"
                     "::regclass and attnum > 0 and not attisdropped) || ' columns, ' || "
                     "(select count(*) from pg_trigger where tgrelid = 'public.user_events'"
                     "::regclass and not tgisinternal) || ' triggers'");
}

TEST(ModelOwnershipTest, AManifestBuildingIntoPublicIsRefusedAndUserEventsKeepsItsRows) {
  const auto db = fixture_database();
  const auto before = user_events_shape(db);
  ASSERT_THAT(before, HasSubstr(" triggers"));
  const auto dir = one_off_models(
      "public", "schema: public\nmodels:\n  - {name: user_events, sql: user_events.sql}\n",
      {"user_events"});

  const auto result = run_models_in(db, dir);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("schema 'public' is reserved"));
  EXPECT_EQ(result.out, "");
  ModelRunOptions options;
  options.models_dir = dir.string();
  EXPECT_THROW(run_models(model_settings(db), options), ConfigError);

  EXPECT_EQ(user_events_shape(db), before);
  EXPECT_EQ(query_value(db, "select count(*) from ingest.model_runs"), "0");
  // The next load still works: its change is logged by the triggers the table kept.
  insert_events(db, {{"2024-01-03", 4242, "10", "active", 1}});
  EXPECT_EQ(query_value(db,
                        "select count(*) from ingest.changed_event_dates "
                        "where event_date = '2024-01-03'"),
            "1");
  fs::remove_all(dir);
}

TEST(ModelOwnershipTest, TheIngestAndSystemSchemasAreRefusedToo) {
  const auto db = fixture_database();
  const auto migrations = query_value(db, "select count(*) from ingest.schema_migrations");
  for (const std::string schema : {"ingest", "information_schema", "pg_catalog"}) {
    const auto dir =
        one_off_models(schema, "schema: " + schema + "\nmodels:\n  - {name: schema_migrations}\n",
                       {"schema_migrations"});
    const auto result = run_models_in(db, dir);
    EXPECT_EQ(result.exit_code, 2) << schema << ": " << result.out << result.err;
    EXPECT_THAT(result.err, HasSubstr("schema '" + schema + "' is reserved"));
    fs::remove_all(dir);
  }
  EXPECT_EQ(query_value(db, "select count(*) from ingest.schema_migrations"), migrations);
  EXPECT_EQ(query_value(db, "select count(*) from pg_class where relname = 'schema_migrations'"),
            "1");
}

TEST(ModelOwnershipTest, ModelsXAndXBuildingInOneManifestAreRefused) {
  const auto db = fixture_database();
  const auto dir = one_off_models("suffix",
                                  "models:\n  - {name: x, sql: x.sql}\n"
                                  "  - {name: x__building, sql: x__building.sql}\n",
                                  {"x", "x__building"});
  const auto result = run_models_in(db, dir);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("model 'x__building'"));
  EXPECT_THAT(result.err, HasSubstr("'__building', a suffix reserved"));
  EXPECT_EQ(query_value(db,
                        "select count(*) from pg_class c join pg_namespace n on "
                        "n.oid = c.relnamespace where n.nspname = 'analytics' "
                        "and c.relname like 'x%'"),
            "0");
  fs::remove_all(dir);
}

TEST(ModelOwnershipTest, ATableTheRunnerDidNotCreateIsLeftIntactAndItsModelFails) {
  const auto db = fixture_database();
  query_value(db,
              "create table analytics.user_daily_events (note text); "
              "insert into analytics.user_daily_events values ('mine'); "
              "create table analytics.weekly_summary__building (note text); "
              "insert into analytics.weekly_summary__building values ('also mine'); "
              "select 1");
  const auto models = fs::path(TRIBUTARY_SOURCE_DIR) / "analysis_sql";
  const auto result = run_models_in(db, models);
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, ContainsRegex("user_daily_events +failed"));
  EXPECT_THAT(result.out, HasSubstr("analytics.user_daily_events exists and was not created by "
                                    "tributary's model runner; drop or rename it yourself"));
  EXPECT_THAT(result.out, ContainsRegex("weekly_summary +skipped"));
  EXPECT_THAT(result.out, HasSubstr("failed 1 / skipped 4"));
  EXPECT_EQ(query_rows(db, "select * from analytics.user_daily_events"), Rows({{"mine"}}));
  EXPECT_EQ(query_rows(db, "select * from analytics.weekly_summary__building"),
            Rows({{"also mine"}}));

  // Once the first table is out of the way, the leftover under the temporary name still
  // blocks its model (and only that one).
  query_value(db, "alter table analytics.user_daily_events rename to my_events; select 1");
  const auto second = run_models_in(db, models);
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  EXPECT_THAT(second.out, ContainsRegex("weekly_summary +failed"));
  EXPECT_THAT(second.out, HasSubstr("analytics.weekly_summary__building exists and was not "
                                    "created by tributary's model runner"));
  EXPECT_THAT(second.out, HasSubstr("succeeded 4 / failed 1"));
  EXPECT_EQ(query_rows(db, "select * from analytics.my_events"), Rows({{"mine"}}));
  EXPECT_EQ(query_rows(db, "select * from analytics.weekly_summary__building"),
            Rows({{"also mine"}}));
  EXPECT_EQ(query_value(db,
                        "select count(*) from ingest.model_runs where status = 'failed' "
                        "and error like '%was not created by tributary%'"),
            "2");
}

TEST(ModelOwnershipTest, AViewTheRunnerDidNotCreateIsNotReplacedByATableModel) {
  const auto db = fixture_database();
  query_value(db, "create view analytics.daily_active_users as select 7 as mine; select 1");
  const auto report = run_models(model_settings(db), shipped_models());
  ASSERT_EQ(report.models.size(), 5u);
  const auto& daily = report.models[1];
  EXPECT_EQ(daily.name, "daily_active_users");
  EXPECT_EQ(daily.status, ModelStatus::Failed);
  EXPECT_THAT(daily.error, HasSubstr("analytics.daily_active_users exists and was not created"));
  EXPECT_EQ(report.count(ModelStatus::Succeeded), 4u);
  EXPECT_EQ(query_value(db, "select mine from analytics.daily_active_users"), "7");
  EXPECT_EQ(query_value(db, "select count(*) from pg_class where relname like '%\\_\\_building'"),
            "0");
}

TEST(ModelOwnershipTest, AnIncrementalRunDoesNotWriteIntoATableItDidNotCreate) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  // The table at that name is no longer the runner's (as if someone had put their own there).
  query_value(db,
              "delete from ingest.model_relations where schema_name = 'analytics' and "
              "relation_name = 'user_daily_events'; select 1");
  const auto before = query_value(db,
                                  "select count(*) || ':' || sum(events) "
                                  "from analytics.user_daily_events");
  insert_events(db, {{"2024-01-03", 5151, "10", "active", 2}});
  const auto report = run_models(settings, shipped_models());
  ASSERT_EQ(report.models.size(), 5u);
  EXPECT_EQ(report.models[0].status, ModelStatus::Failed);
  EXPECT_THAT(report.models[0].error,
              HasSubstr("analytics.user_daily_events exists and was not created"));
  EXPECT_EQ(report.count(ModelStatus::Skipped), 4u);
  EXPECT_EQ(query_value(db,
                        "select count(*) || ':' || sum(events) "
                        "from analytics.user_daily_events"),
            before);
}

TEST(ModelOwnershipTest, TheRunnersOwnTablesAreReplacedRunAfterRun) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  insert_events(db, {{"2024-01-03", 99, "10", "active", 1}});
  auto options = shipped_models();
  options.full_refresh = true;  // every table swapped again, not updated in place
  const auto second = run_models(settings, options);
  for (const auto& m : second.models) {
    EXPECT_EQ(m.status, ModelStatus::Succeeded) << m.name << ": " << m.error;
    EXPECT_EQ(m.refresh, "full") << m.name;
  }
  EXPECT_EQ(query_value(db,
                        "select active_users from analytics.weekly_engagement "
                        "where week_start = '2024-01-01'"),
            "4");
  EXPECT_EQ(query_rows(db,
                       "select relation_name, kind from ingest.model_relations "
                       "where schema_name = 'analytics'"),
            sorted({{"daily_active_users", "table"},
                    {"user_daily_events", "table"},
                    {"weekly_active_corporations", "table"},
                    {"weekly_engagement", "table"},
                    {"weekly_summary", "table"}}));
  EXPECT_EQ(query_value(db,
                        "select count(*) from pg_class where relname like '%\\_\\_building' "
                        "or relname like '%\\_\\_previous'"),
            "0");
  // A third, incremental run writes in place into the tables it recorded.
  insert_events(db, {{"2024-01-04", 98, "10", "active", 1}});
  const auto third = run_models(settings, shipped_models());
  EXPECT_TRUE(third.ok());
  EXPECT_EQ(third.models.at(0).refresh, "incremental (1 partition)");
}

TEST(ModelOwnershipTest, TablesBuiltBeforeTheRunnerRecordedThemAreAdoptedByTheMigration) {
  const auto db = fixture_database();
  const auto settings = model_settings(db);
  ASSERT_TRUE(run_models(settings, shipped_models()).ok());
  // A database of an earlier version: the models built, nothing recorded; plus an analyst's
  // table that no model run ever built.
  query_value(db,
              "drop table ingest.model_relations; "
              "delete from ingest.schema_migrations where name = '0004_model_relations.sql'; "
              "create table analytics.my_notes (note text); select 1");
  const auto migrated = migrate(db);
  EXPECT_THAT(migrated.applied, ::testing::ElementsAre("0004_model_relations.sql"));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.model_relations where adopted"), "5");
  EXPECT_EQ(query_value(db,
                        "select count(*) from ingest.model_relations "
                        "where relation_name = 'my_notes'"),
            "0");
  auto options = shipped_models();
  options.full_refresh = true;
  const auto report = run_models(settings, options);
  for (const auto& m : report.models) {
    EXPECT_EQ(m.status, ModelStatus::Succeeded) << m.name << ": " << m.error;
  }
}

}  // namespace
}  // namespace tributary::testing
