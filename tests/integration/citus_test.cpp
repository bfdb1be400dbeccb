// The warehouse on Citus (docs/citus.md): what the migrations distribute, that a month loads
// and builds to exactly the single-node tables, and that a single-node warehouse can be
// distributed later. Run by `make test-citus` (TRIBUTARY_TEST_CITUS=1); on a single node only
// the test that migrations leave no trace of Citus runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/environment.hpp"
#include "tributary/demo/server.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kModels[] = {"user_daily_events", "daily_active_users", "weekly_engagement",
                                   "weekly_active_corporations", "weekly_summary"};

DemoOptions demo_month() {
  DemoOptions o;
  o.seed = 15;
  o.events_per_day = 300;
  o.invalid_rate = 0.02;
  return o;
}

// Row count and digest of every model table, and of the rejections.
std::string models_and_rejections(const DatabaseSettings& db) {
  std::string out;
  for (const char* model : kModels) {
    out += std::string(model) + "=" +
           query_value(db, std::string("select count(*) || ':' || md5(coalesce(string_agg(t::text, "
                                       "E'\\n' order by t::text), '')) from analytics.") +
                               model + " t") +
           "\n";
  }
  out += "rejections=" + query_value(db,
                                     "select count(*) || ':' || md5(coalesce(string_agg(day || ' ' "
                                     "|| position || ' ' || reason || ' ' || raw_json, E'\\n' "
                                     "order by day, position), '')) from ingest.rejected_events");
  return out;
}

// How Citus holds a table: 'h' distributed by hash, 'n' a reference table, '' a local one.
std::string citus_method(const DatabaseSettings& db, const std::string& table) {
  if (query_value(db, "select to_regclass('pg_catalog.pg_dist_partition') is null") == "t") {
    return {};  // no citus extension in this database
  }
  return query_value(db, "select partmethod::text from pg_dist_partition where logicalrelid = '" +
                             table + "'::regclass");
}

TEST(CitusSchema, UserEventsIsDistributedByDeviceIdAndTheBookkeepingStaysOnTheCoordinator) {
  if (!cluster().citus()) GTEST_SKIP() << "a Citus test: make test-citus runs it";
  const auto db = fresh_database();
  ASSERT_EQ(run_cli({"migrate"}, database_env(db)).exit_code, 0);
  EXPECT_EQ(citus_method(db, "public.user_events"), "h");
  EXPECT_EQ(query_value(db,
                        "select column_to_column_name(logicalrelid, partkey) from "
                        "pg_dist_partition where logicalrelid = 'public.user_events'::regclass"),
            "device_id");
  // The loader's staging table is co-located with it: a day is merged shard by shard.
  EXPECT_EQ(citus_method(db, "ingest.user_events_stage"), "h");
  EXPECT_EQ(query_value(db,
                        "select count(distinct colocationid) from pg_dist_partition where "
                        "logicalrelid in ('public.user_events'::regclass, "
                        "'ingest.user_events_stage'::regclass)"),
            "1");
  for (const char* local :
       {"ingest.runs", "ingest.day_loads", "ingest.rejected_events", "ingest.changed_event_dates",
        "ingest.model_state", "ingest.model_relations", "ingest.schema_migrations"}) {
    EXPECT_EQ(citus_method(db, local), "") << local << " is no longer a local table";
  }
  EXPECT_EQ(query_value(db,
                        "select count(*) from pg_trigger where tgrelid = "
                        "'public.user_events'::regclass and not tgisinternal"),
            "0");
  // A second migrate finds everything in place.
  const auto again = run_cli({"migrate"}, database_env(db));
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST(CitusParity, AMonthGivesTheSingleNodeRowsRejectionsAndModels) {
  if (!cluster().citus()) GTEST_SKIP() << "a Citus test: make test-citus runs it";
  DemoServer server(demo_server_options(demo_month()));
  // The single node: a plain database on the coordinator, never distributed.
  const auto single = cluster().create_database("t_citus_parity_single", false);
  const auto distributed = cluster().create_database("t_citus_parity_citus");
  for (const auto& db : {single, distributed}) {
    const auto run = run_cli({"backfill-month", "2024-01"}, demo_env(db, server.url()));
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  }
  ASSERT_EQ(citus_method(distributed, "public.user_events"), "h");
  ASSERT_EQ(query_value(single, "select count(*) from pg_extension where extname = 'citus'"), "0");
  EXPECT_EQ(user_events_checksum(distributed), user_events_checksum(single));
  EXPECT_EQ(models_and_rejections(distributed), models_and_rejections(single));
  EXPECT_EQ(query_value(distributed, "select count(*) from ingest.user_events_stage"), "0")
      << "a committed day leaves no staging rows behind";
}

TEST(CitusSchema, ASingleNodeWarehouseIsDistributedByTheNextMigrate) {
  if (!cluster().citus()) GTEST_SKIP() << "a Citus test: make test-citus runs it";
  DemoServer server(demo_server_options(demo_month()));
  const auto db = cluster().create_database("t_citus_later", false);
  auto env = demo_env(db, server.url());
  ASSERT_EQ(run_cli({"request-day", "2024-01-02"}, env).exit_code, 0);
  ASSERT_EQ(run_cli({"request-day", "2024-01-03"}, env).exit_code, 0);
  const auto before = user_events_checksum(db);
  ASSERT_EQ(citus_method(db, "public.user_events"), "") << "not distributed before Citus";

  // docs/citus.md: the extension on every node, the workers registered, then migrate.
  cluster().enable_citus(db.name);
  const auto migrate = run_cli({"migrate"}, database_env(db));
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_EQ(citus_method(db, "public.user_events"), "h");
  EXPECT_EQ(user_events_checksum(db), before) << "the rows moved to the shards unchanged";
  EXPECT_EQ(query_value(db, "select pg_relation_size('public.user_events')"), "0")
      << "the coordinator's own copy of the rows is gone";

  // Loading and the models go on: a reload rewrites nothing, a new day loads.
  const auto again = run_cli({"request-day", "2024-01-02"}, env);
  EXPECT_THAT(again.out, HasSubstr("unchanged 1"));
  const auto next = run_cli({"request-day", "2024-01-04"}, env);
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"), "3");
  const auto models = run_cli({"run-models"}, env);
  EXPECT_EQ(models.exit_code, 0) << models.out << models.err;
}

TEST(CitusSchema, OnASingleNodeTheMigrationsCreateNothingOfCitus) {
  if (cluster().citus()) GTEST_SKIP() << "a single-node test";
  const auto db = fresh_database();
  ASSERT_EQ(run_cli({"migrate"}, database_env(db)).exit_code, 0);
  EXPECT_EQ(query_value(db, "select count(*) from pg_extension where extname = 'citus'"), "0");
  EXPECT_EQ(query_value(db, "select to_regclass('ingest.user_events_stage') is null"), "t");
}

}  // namespace
}  // namespace tributary::testing
