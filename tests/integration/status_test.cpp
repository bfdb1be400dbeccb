// `tributary status` prints ingest.day_loads, one line per day, from the library's
// day_statuses(): the same values through the API and on the command line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "integration/environment.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/migrations.hpp"
#include "tributary/status.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;

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
    "day         status       received     loaded  rejected  duplicate  loaded at (UTC)      "
    "checked at (UTC)     last error\n";
const std::string kJanuary3 =
    "2024-01-03  loaded            120        110         6          4  2024-02-01 10:11:12  "
    "2024-02-02 00:00:00  \n";
const std::string kJanuary4 =
    "2024-01-04  failed              0          0         0          0                       "
    "2024-02-03 23:59:59  fetching 2024-01-04: HTTP 500\n";
const std::string kJanuary5 =
    "2024-01-05  empty               0          0         0          0  2024-02-01 08:00:00  "
    "2024-02-01 08:00:00  \n";
const std::string kFebruary1 =
    "2024-02-01  loaded              7          7         0          0  2024-02-02 01:02:03  "
    "2024-02-02 01:02:03  \n";

// A day never requested: its status, nothing else.
std::string missing(const std::string& day) {
  return day + "  missing\n";
}

// The status command at a fixed clock (2024-02-10, so every day of January is complete).
std::map<std::string, std::string> status_env(const DatabaseSettings& db) {
  auto env = database_env(db);
  env["TRIBUTARY_NOW"] = "2024-02-10T12:00:00Z";
  return env;
}

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

TEST(StatusCommand, ListsEveryDayOfTheMonthIncludingThoseNeverRequested) {
  const auto db = fresh_database();
  insert_day_loads(db);
  const auto result = run_cli({"status", "--month", "2024-01"}, status_env(db));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string expected = kHeader + missing("2024-01-01") + missing("2024-01-02") + kJanuary3 +
                         kJanuary4 + kJanuary5;
  for (int d = 6; d <= 31; ++d) expected += missing(fmt::format("2024-01-{:02}", d));
  expected += "31 days from 2024-01-01 to 2024-01-31: 1 loaded, 1 empty, 1 failed, 28 missing\n";
  EXPECT_EQ(result.out, expected);
}

TEST(StatusCommand, WithoutASpanGoesFromTheFirstDayRequestedThroughTheLastComplete) {
  const auto db = fresh_database();
  insert_day_loads(db);
  const auto result = run_cli({"status", "--since", "2024-01-30"}, status_env(db));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The last complete day at 2024-02-10T12:00 is 2024-02-09.
  EXPECT_THAT(result.out, HasSubstr(kFebruary1));
  EXPECT_THAT(result.out,
              HasSubstr("11 days from 2024-01-30 to 2024-02-09: 1 loaded, 10 missing\n"));
  const auto all = run_cli({"status"}, status_env(db));
  EXPECT_THAT(all.out, HasSubstr("38 days from 2024-01-03 to 2024-02-09:"));
}

TEST(StatusCommand, CheckFailsNamingTheCompleteDaysThatLackData) {
  const auto db = fresh_database();
  insert_day_loads(db);
  const auto bad = run_cli({"status", "--since", "2024-01-03", "--until", "2024-01-06", "--check"},
                           status_env(db));
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("check failed: 2 complete day(s) lack data: 2024-01-04 (failed), "
                                 "2024-01-06 (missing)\n"));
  const auto good = run_cli({"status", "--since", "2024-01-03", "--until", "2024-01-03", "--check"},
                            status_env(db));
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_THAT(good.out, HasSubstr("check ok"));
  // A day not complete yet does not fail the check.
  auto early = status_env(db);
  early["TRIBUTARY_NOW"] = "2024-02-01T12:00:00Z";
  const auto today = run_cli({"status", "--since", "2024-02-01", "--until", "2024-02-01", "--check"},
                             early);
  EXPECT_EQ(today.exit_code, 0) << today.out;
}

TEST(StatusCommand, JsonListsEveryDayWithItsStateAndTheCheck) {
  const auto db = fresh_database();
  insert_day_loads(db);
  const auto result = run_cli(
      {"status", "--since", "2024-01-02", "--until", "2024-01-04", "--json", "--check"},
      status_env(db));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const auto out = nlohmann::json::parse(result.out);
  ASSERT_EQ(out["days"].size(), 3u);
  EXPECT_EQ(out["days"][0]["status"], "missing");
  EXPECT_EQ(out["days"][1]["status"], "loaded");
  EXPECT_EQ(out["days"][1]["events_loaded"], 110);
  EXPECT_EQ(out["days"][2]["last_error"], "fetching 2024-01-04: HTTP 500");
  EXPECT_EQ(out["lacking"], nlohmann::json::array({"2024-01-02", "2024-01-04"}));
  EXPECT_EQ(out["check"], "failed");
  EXPECT_EQ(out["counts"]["missing"], 1);
}

TEST(StatusCommand, SaysSoOnAFreshDatabaseAndItsCheckFails) {
  const auto db = fresh_database();
  const auto result = run_cli({"status", "--check"}, status_env(db));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, kHeader + "no day requested yet (and no TRIBUTARY_START_DATE)\n"
                                  "check failed: no day to check\n");
}

}  // namespace
}  // namespace tributary::testing
