// `tributary status` prints ingest.day_loads, one line per day, from the library's
// day_statuses(): the same values through the API and on the command line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "integration/environment.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/migrations.hpp"
#include "tributary/status.hpp"

namespace tributary::testing {
namespace {

// Three days of January in every state a day can be in, and one day of February.
void insert_day_loads(const DatabaseSettings& db) {
  migrate(db);
  pqxx::connection conn(db.connection_string());
  pqxx::work tx(conn);
  tx.exec(
      "insert into ingest.day_loads (day, status, events_received, events_loaded, "
      "events_rejected, events_duplicate, loaded_at, checked_at, last_error) values "
      "('2024-01-03', 'loaded', 120, 110, 6, 4, '2024-02-01 10:11:12.987+00', "
      " '2024-02-02 00:00:00.5+00', null), "
      "('2024-01-04', 'failed', 0, 0, 0, 0, null, '2024-02-03 23:59:59+00', "
      " 'fetching 2024-01-04: HTTP 500'), "
      "('2024-01-05', 'empty', 0, 0, 0, 0, '2024-02-01 09:00:00+01', '2024-02-01 08:00:00+00', "
      " null), "
      "('2024-02-01', 'loaded', 7, 7, 0, 0, '2024-02-02 01:02:03+00', '2024-02-02 01:02:03+00', "
      " null)");
  tx.commit();
}

const std::string kHeader =
    "day         status    received     loaded  rejected  duplicate  loaded at (UTC)      "
    "checked at (UTC)     last error\n";
const std::string kJanuary3 =
    "2024-01-03  loaded         120        110         6          4  2024-02-01 10:11:12  "
    "2024-02-02 00:00:00  \n";
const std::string kJanuary4 =
    "2024-01-04  failed           0          0         0          0                       "
    "2024-02-03 23:59:59  fetching 2024-01-04: HTTP 500\n";
const std::string kJanuary5 =
    "2024-01-05  empty            0          0         0          0  2024-02-01 08:00:00  "
    "2024-02-01 08:00:00  \n";
const std::string kFebruary1 =
    "2024-02-01  loaded           7          7         0          0  2024-02-02 01:02:03  "
    "2024-02-02 01:02:03  \n";

std::chrono::sys_seconds utc(date::sys_days day, int h, int m, int s) {
  return std::chrono::sys_seconds{day} + std::chrono::hours{h} + std::chrono::minutes{m} +
         std::chrono::seconds{s};
}

TEST(DayStatuses, ReadsEveryColumnOfTheMonthsDaysInDayOrder) {
  using namespace date::literals;
  const auto db = fresh_database();
  insert_day_loads(db);
  const auto days = day_statuses(db, 2024_y / 1);
  ASSERT_EQ(days.size(), 3U);

  EXPECT_EQ(days[0].day, date::sys_days{2024_y / 1 / 3});
  EXPECT_EQ(days[0].status, DayStatus::Loaded);
  EXPECT_EQ(days[0].events_received, 120U);
  EXPECT_EQ(days[0].events_loaded, 110U);
  EXPECT_EQ(days[0].events_rejected, 6U);
  EXPECT_EQ(days[0].events_duplicate, 4U);
  EXPECT_EQ(days[0].loaded_at, utc(2024_y / 2 / 1, 10, 11, 12));  // .987 cut, not rounded
  EXPECT_EQ(days[0].checked_at, utc(2024_y / 2 / 2, 0, 0, 0));
  EXPECT_EQ(days[0].last_error, "");

  EXPECT_EQ(days[1].day, date::sys_days{2024_y / 1 / 4});
  EXPECT_EQ(days[1].status, DayStatus::Failed);
  EXPECT_EQ(days[1].loaded_at, std::nullopt);
  EXPECT_EQ(days[1].checked_at, utc(2024_y / 2 / 3, 23, 59, 59));
  EXPECT_EQ(days[1].last_error, "fetching 2024-01-04: HTTP 500");

  EXPECT_EQ(days[2].day, date::sys_days{2024_y / 1 / 5});
  EXPECT_EQ(days[2].status, DayStatus::Empty);
  EXPECT_EQ(days[2].loaded_at, utc(2024_y / 2 / 1, 8, 0, 0));  // written at +01
}

TEST(DayStatuses, ReadsEveryDayWithoutAMonth) {
  const auto db = fresh_database();
  insert_day_loads(db);
  const auto days = day_statuses(db);
  ASSERT_EQ(days.size(), 4U);
  EXPECT_EQ(format_day(days[3].day), "2024-02-01");
  EXPECT_EQ(days[3].events_loaded, 7U);
}

TEST(DayStatuses, MigratesAFreshDatabaseAndFindsNoDay) {
  using namespace date::literals;
  const auto db = fresh_database();
  EXPECT_TRUE(day_statuses(db, 2024_y / 1).empty());
  EXPECT_EQ(query_value(db, "select to_regclass('ingest.day_loads')::text"), "ingest.day_loads");
}

TEST(DayStatuses, ThrowsDatabaseErrorWhenTheDatabaseIsUnreachable) {
  auto db = fresh_database();
  db.port = 1;  // nothing listens there
  db.connect_timeout_seconds = 2;
  EXPECT_THROW(day_statuses(db), DatabaseError);
}

TEST(StatusCommand, PrintsOneLinePerDayOfTheMonthAndHowManyWereFound) {
  const auto db = fresh_database();
  insert_day_loads(db);
  const auto result = run_cli({"status", "--month", "2024-01"}, database_env(db));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, kHeader + kJanuary3 + kJanuary4 + kJanuary5 + "3 of 31 days requested\n");
}

TEST(StatusCommand, PrintsEveryDayWithoutAMonth) {
  const auto db = fresh_database();
  insert_day_loads(db);
  const auto result = run_cli({"status"}, database_env(db));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, kHeader + kJanuary3 + kJanuary4 + kJanuary5 + kFebruary1);
}

TEST(StatusCommand, PrintsOnlyTheHeaderOnAFreshDatabase) {
  const auto db = fresh_database();
  const auto result = run_cli({"status", "--month", "2024-03"}, database_env(db));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, kHeader + "0 of 31 days requested\n");
}

}  // namespace
}  // namespace tributary::testing
