// tributary_reader, through a login member: SELECT on the models (also after they are
// rebuilt) and on public.user_events, nothing on ingest, no writes anywhere.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/fixtures/model_fixtures.hpp"

namespace tributary::testing {
namespace {

constexpr const char* kReaderLogin = "model_reader_login";
constexpr const char* kReaderPassword = "reader-test-password";

class ModelReaderRoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fixture_database();
    ASSERT_TRUE(run_models(model_settings(db_), shipped_models()).ok());
    cluster().psql(
        "postgres",
        std::string("do $$ begin if not exists (select from pg_roles where rolname = '") +
            kReaderLogin + "') then create role " + kReaderLogin + " login password '" +
            kReaderPassword + "'; end if; end $$");
    cluster().psql("postgres", std::string("grant tributary_reader to ") + kReaderLogin);
    reader_ = db_;
    reader_.user = kReaderLogin;
    reader_.password = kReaderPassword;
  }

  DatabaseSettings db_;
  DatabaseSettings reader_;
};

TEST_F(ModelReaderRoleTest, RoleIsNologinAndDefaultPrivilegesCoverFutureModels) {
  EXPECT_EQ(
      query_value(db_, "select rolcanlogin::text from pg_roles where rolname = 'tributary_reader'"),
      "false");
  EXPECT_EQ(
      query_value(db_,
                  "select count(*) from pg_default_acl where defaclnamespace = "
                  "'analytics'::regnamespace and defaclacl::text like '%tributary_reader=r/%'"),
      "1");
}

TEST_F(ModelReaderRoleTest, CanSelectEveryModelAndUserEventsAlsoAfterARebuild) {
  for (const char* model : {"user_daily_events", "daily_active_users", "weekly_engagement",
                            "weekly_active_corporations", "weekly_summary"}) {
    EXPECT_EQ(sql_outcome(reader_, std::string("select * from analytics.") + model), "ok")
        << model;
  }
  EXPECT_EQ(sql_outcome(reader_, "select * from public.user_events"), "ok");
  // The rebuilt tables are new relations: default privileges (and the runner) grant again.
  ASSERT_TRUE(run_models(model_settings(db_), shipped_models()).ok());
  EXPECT_EQ(sql_outcome(reader_, "select * from analytics.weekly_summary"), "ok");
}

TEST_F(ModelReaderRoleTest, CannotReadTheIngestSchema) {
  for (const char* table : {"ingest.runs", "ingest.day_loads", "ingest.rejected_events",
                            "ingest.model_runs", "ingest.schema_migrations"}) {
    EXPECT_EQ(sql_outcome(reader_, std::string("select * from ") + table), "42501") << table;
  }
}

TEST_F(ModelReaderRoleTest, CannotWriteOrCreateAnywhere) {
  const std::vector<std::string> writes = {
      "insert into analytics.weekly_engagement (week_start) values ('2030-01-07')",
      "update analytics.weekly_summary set active_users = 0",
      "delete from analytics.daily_active_users",
      "truncate analytics.user_daily_events",
      "update public.user_events set path = '/x'",
      "delete from public.user_events",
      "insert into public.user_events (device_id) values ('x')",
      "create table analytics.mine (x int)",
      "create view analytics.mine as select 1 as x",
      "create table public.mine (x int)",
      "create schema mine",
      "drop table analytics.weekly_summary",
      "alter table analytics.weekly_summary add column x int",
      "comment on table analytics.weekly_summary is 'mine'",
  };
  for (const auto& sql : writes) {
    const auto outcome = sql_outcome(reader_, sql);
    EXPECT_EQ(outcome, "42501") << sql;
  }
}

}  // namespace
}  // namespace tributary::testing
