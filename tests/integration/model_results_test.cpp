// Each shipped model's full result on hand-written events, compared order-insensitively
// with rows worked out by hand (see model_fixture_events for the events).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/fixtures/model_fixtures.hpp"

namespace tributary::testing {
namespace {

// One database for the suite: the models are built once and every test reads them.
class ModelResultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_db = cluster().create_database("t_model_results");
    migrate(suite_db);
    insert_events(suite_db, model_fixture_events());
    suite_report = run_models(model_settings(suite_db), shipped_models());
  }

  static DatabaseSettings suite_db;
  static ModelRunReport suite_report;
};

DatabaseSettings ModelResultsTest::suite_db;
ModelRunReport ModelResultsTest::suite_report;

TEST_F(ModelResultsTest, EveryModelSucceedsAndIsRecorded) {
  ASSERT_TRUE(suite_report.ok());
  EXPECT_EQ(query_rows(suite_db, "select model, status, rows::text from ingest.model_runs"),
            sorted({{"daily_active_users", "succeeded", "14"},
                    {"user_daily_events", "succeeded", "17"},
                    {"weekly_active_corporations", "succeeded", "5"},
                    {"weekly_engagement", "succeeded", "5"},
                    {"weekly_summary", "succeeded", "5"}}));
}

TEST_F(ModelResultsTest, UserDailyEventsCountsEventsPerUserDayAndCorporation) {
  EXPECT_EQ(query_rows(suite_db,
                       "select event_date, week_start, user_id, user_corporate_id, "
                       "corporate_status_active, events from analytics.user_daily_events"),
            sorted({{"2024-01-01", "2024-01-01", "1", "10", "t", "3"},
                    {"2024-01-02", "2024-01-01", "1", "10", "t", "2"},
                    {"2024-01-02", "2024-01-01", "2", "10", "t", "1"},
                    {"2024-01-07", "2024-01-01", "3", "20", "f", "2"},
                    {"2024-01-07", "2024-01-01", "3", "NULL", "f", "2"},
                    {"2024-01-30", "2024-01-29", "1", "10", "t", "1"},
                    {"2024-02-01", "2024-01-29", "1", "10", "t", "1"},
                    {"2024-01-31", "2024-01-29", "4", "30", "f", "1"},
                    {"2024-02-02", "2024-01-29", "4", "30", "t", "1"},
                    {"2024-02-04", "2024-01-29", "5", "40", "f", "1"},
                    {"2024-03-12", "2024-03-11", "8", "60", "t", "1"},
                    {"2024-03-13", "2024-03-11", "8", "70", "t", "2"},
                    {"2024-03-14", "2024-03-11", "8", "NULL", "f", "1"},
                    {"2024-04-03", "2024-04-01", "9", "NULL", "t", "1"},
                    {"2024-12-31", "2024-12-30", "6", "50", "t", "1"},
                    {"2025-01-02", "2024-12-30", "7", "50", "t", "3"},
                    {"2025-01-02", "2024-12-30", "6", "50", "t", "1"}}));
}

TEST_F(ModelResultsTest, DailyActiveUsersCountsEachUserOncePerDay) {
  EXPECT_EQ(
      query_rows(suite_db, "select event_date, active_users from analytics.daily_active_users"),
      sorted({{"2024-01-01", "1"},  // u1 with 3 events
              {"2024-01-02", "2"},
              {"2024-01-07", "1"},  // u3, with and without a corporation
              {"2024-01-30", "1"},
              {"2024-01-31", "1"},
              {"2024-02-01", "1"},
              {"2024-02-02", "1"},
              {"2024-02-04", "1"},
              {"2024-03-12", "1"},
              {"2024-03-13", "1"},
              {"2024-03-14", "1"},
              {"2024-04-03", "1"},
              {"2024-12-31", "1"},
              {"2025-01-02", "2"}}));
}

TEST_F(ModelResultsTest, WeeklyEngagementCountsAUserActiveOnSeveralDaysOnceInIsoWeeks) {
  // week_start, iso_year, iso_week, active_users, days_covered
  EXPECT_EQ(query_rows(suite_db,
                       "select week_start, iso_year, iso_week, active_users, days_covered "
                       "from analytics.weekly_engagement"),
            sorted({{"2024-01-01", "2024", "1", "3", "3"},   // u1 on 2 days counted once
                    {"2024-01-29", "2024", "5", "3", "5"},   // January 29 to February 4
                    {"2024-03-11", "2024", "11", "1", "3"},  // a single active user
                    {"2024-04-01", "2024", "14", "1", "1"},
                    {"2024-12-30", "2025", "1", "2", "2"}}));  // ISO year 2025, week 1
}

TEST_F(ModelResultsTest, WeeklyActiveCorporationsExcludesNullAndCountsActiveStatusSeparately) {
  // week_start, iso_year, iso_week, active_corporations, active_status_corporations,
  // days_covered
  EXPECT_EQ(query_rows(suite_db,
                       "select week_start, iso_year, iso_week, active_corporations, "
                       "active_status_corporations, days_covered "
                       "from analytics.weekly_active_corporations"),
            sorted({{"2024-01-01", "2024", "1", "2", "1", "3"},   // 20 is 'inactive'; NULL left out
                    {"2024-01-29", "2024", "5", "3", "2", "5"},   // 30 active once; 40 status NULL
                    {"2024-03-11", "2024", "11", "2", "2", "3"},  // 'ACTIVE' and 'Active'
                    {"2024-04-01", "2024", "14", "0", "0", "1"},  // only a NULL corporation
                    {"2024-12-30", "2025", "1", "1", "1", "2"}}));
}

TEST_F(ModelResultsTest, WeeklySummaryAveragesAreRoundedToTwoPlaces) {
  // week_start, iso_year, iso_week, active_users, avg/min/max events per user,
  // active_corporations, avg/min/max events per corporation
  EXPECT_EQ(
      query_rows(suite_db,
                 "select week_start, iso_year, iso_week, active_users, avg_events_per_user, "
                 "min_events_per_user, max_events_per_user, active_corporations, "
                 "avg_events_per_corporation, min_events_per_corporation, "
                 "max_events_per_corporation from analytics.weekly_summary"),
      sorted({// users 5, 1, 4: 10/3; corporations 10: 6, 20: 2 (u3's 2 NULL-corporation
              // events count for u3 only)
              {"2024-01-01", "2024", "1", "3", "3.33", "1", "5", "2", "4.00", "2", "6"},
              // users 2, 2, 1: 5/3; corporations 10: 2, 30: 2, 40: 1
              {"2024-01-29", "2024", "5", "3", "1.67", "1", "2", "3", "1.67", "1", "2"},
              // one user with 4 events; corporations 60: 1, 70: 2
              {"2024-03-11", "2024", "11", "1", "4.00", "4", "4", "2", "1.50", "1", "2"},
              // no corporation: 0 and NULL statistics
              {"2024-04-01", "2024", "14", "1", "1.00", "1", "1", "0", "NULL", "NULL", "NULL"},
              // users 2, 3; corporation 50: 5
              {"2024-12-30", "2025", "1", "2", "2.50", "2", "3", "1", "5.00", "5", "5"}}));
}

TEST_F(ModelResultsTest, AveragesAreNumericAndCountsAreIntegers) {
  EXPECT_EQ(query_rows(suite_db,
                       "select column_name, data_type from information_schema.columns "
                       "where table_schema = 'analytics' and table_name = 'weekly_summary'"),
            sorted({{"week_start", "date"},
                    {"iso_year", "integer"},
                    {"iso_week", "integer"},
                    {"active_users", "bigint"},
                    {"avg_events_per_user", "numeric"},
                    {"min_events_per_user", "bigint"},
                    {"max_events_per_user", "bigint"},
                    {"active_corporations", "bigint"},
                    {"avg_events_per_corporation", "numeric"},
                    {"min_events_per_corporation", "bigint"},
                    {"max_events_per_corporation", "bigint"}}));
}

TEST_F(ModelResultsTest, DescriptionsBecomeCommentsOnTablesAndColumns) {
  EXPECT_EQ(
      query_value(suite_db, "select obj_description('analytics.weekly_engagement'::regclass)"),
      "Active users per ISO-8601 week (Monday to Sunday).");
  EXPECT_EQ(query_value(suite_db,
                        "select col_description('analytics.weekly_engagement'::regclass, "
                        "(select attnum from pg_attribute where attrelid = "
                        "'analytics.weekly_engagement'::regclass and attname = 'iso_year'))"),
            "ISO-8601 year of the week (2024-12-30 is in 2025).");
}

TEST_F(ModelResultsTest, LeavesNoTemporaryTablesAndNamesIndexesAfterTheModel) {
  EXPECT_EQ(query_rows(suite_db,
                       "select relname from pg_class where relnamespace = "
                       "'analytics'::regnamespace and relkind in ('r', 'v', 'i')"),
            sorted({{"daily_active_users"},
                    {"load_status"},  // the analysts' status views (migration 0007)
                    {"model_status"},
                    {"rejection_reasons"},  // the report's view (migration 0008)
                    {"user_daily_events"},
                    {"user_daily_events_event_date_idx"},
                    {"user_daily_events_week_start_idx"},
                    {"weekly_active_corporations"},
                    {"weekly_engagement"},
                    {"weekly_summary"}}));
}

}  // namespace
}  // namespace tributary::testing
