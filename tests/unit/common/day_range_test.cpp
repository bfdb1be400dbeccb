// Day and month arguments: strict parsing, ranges, formatting.
#include "tributary/day_range.hpp"

#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tributary/error.hpp"
#include "tributary/models/iso_time.hpp"

namespace tributary {
namespace {

using namespace date::literals;
using ::testing::HasSubstr;

TEST(ParseDay, ReadsAStrictCalendarDate) {
  EXPECT_EQ(parse_day("2024-01-05"), date::sys_days{2024_y / 1 / 5});
  EXPECT_EQ(parse_day("2024-02-29"), date::sys_days{2024_y / 2 / 29});
  EXPECT_EQ(parse_day("0001-01-01"), date::sys_days{date::year{1} / 1 / 1});
}

TEST(ParseDay, RefusesAnythingElseNamingTheArgument) {
  for (const char* text : {"2024-1-05", "2024-01-5", "20240105", "2024/01/05", " 2024-01-05",
                           "2024-01-05 ", "+024-01-05", "2024-0a-05", "yesterday", ""}) {
    try {
      parse_day(text, "--since");
      ADD_FAILURE() << text;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("--since: '" + std::string(text) + "'")) << text;
      EXPECT_THAT(e.what(), HasSubstr("expected YYYY-MM-DD")) << text;
    }
  }
}

TEST(ParseDay, RefusesDaysTheCalendarDoesNotHave) {
  for (const char* text : {"2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00",
                           "0000-01-01"}) {
    try {
      parse_day(text);
      ADD_FAILURE() << text;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("is not a valid calendar date")) << text;
    }
  }
}

TEST(ParseMonth, ReadsAStrictMonthAndRefusesTheRest) {
  EXPECT_EQ(parse_month("2024-02"), 2024_y / 2);
  for (const char* text : {"2024-13", "2024-00", "2024-2", "2024-02-01", "24-02", "0000-01"}) {
    EXPECT_THROW(parse_month(text), ConfigError) << text;
  }
}

TEST(DaysOf, ListsEveryDayOfTheMonthInOrder) {
  const auto february = days_of(2024_y / 2);
  ASSERT_EQ(february.size(), 29u);
  EXPECT_EQ(february.front(), date::sys_days{2024_y / 2 / 1});
  EXPECT_EQ(february.back(), date::sys_days{2024_y / 2 / 29});
  EXPECT_EQ(days_of(2023_y / 2).size(), 28u);
  EXPECT_EQ(days_of(2024_y / 12).back(), date::sys_days{2024_y / 12 / 31});
  EXPECT_TRUE(std::is_sorted(february.begin(), february.end()));
}

TEST(FormatDay, WritesYyyyMmDdAndRoundTrips) {
  EXPECT_EQ(format_day(date::sys_days{2024_y / 1 / 5}), "2024-01-05");
  EXPECT_EQ(format_day(date::sys_days{date::year{12} / 3 / 4}), "0012-03-04");
  for (const auto day : days_of(2024_y / 2)) EXPECT_EQ(parse_day(format_day(day)), day);
}

TEST(FormatDay, WritesEveryYearWithFourDigits) {
  EXPECT_EQ(format_day(date::sys_days{date::year{1} / 1 / 1}), "0001-01-01");
  EXPECT_EQ(format_day(date::sys_days{date::year{9999} / 12 / 31}), "9999-12-31");
}

// One parser: the demo API's `?date=` and --from/--to take exactly the days parse_day does.
TEST(ParseDay, AgreesWithTheDemoApi) {
  for (const char* text : {"2024-01-05", "2024-02-29", "0001-01-01", "2024-02-30", "0000-01-01",
                           "2024-1-05", " 2024-01-05", "yesterday"}) {
    std::optional<date::sys_days> ours;
    try {
      ours = parse_day(text);
    } catch (const ConfigError&) {
    }
    EXPECT_EQ(models::parse_iso_date(text), ours) << text;  // the demo API's ?date= parser
  }
}

TEST(ParseDateArgument, TakesTheRelativeFormsAgainstToday) {
  const date::sys_days today{2025_y / 1 / 2};
  EXPECT_EQ(parse_date_argument("today", "DATE", today), today);
  EXPECT_EQ(parse_date_argument("yesterday", "DATE", today), date::sys_days{2025_y / 1 / 1});
  EXPECT_EQ(parse_date_argument("today-0", "DATE", today), today);
  EXPECT_EQ(parse_date_argument("today-2", "DATE", today), date::sys_days{2024_y / 12 / 31});
  EXPECT_EQ(parse_date_argument("today-366", "DATE", today), date::sys_days{2024_y / 1 / 2});
  EXPECT_EQ(parse_date_argument("2024-02-29", "DATE", today), date::sys_days{2024_y / 2 / 29});
}

TEST(ParseDateArgument, RefusesAnythingElseNamingEveryForm) {
  const date::sys_days today{2025_y / 1 / 2};
  for (const char* text : {"Today", "today+1", "today-", "today-x", "today--1", "today-99999999",
                           "tomorrow", "2024-1-05", "", " today"}) {
    try {
      parse_date_argument(text, "--until", today);
      ADD_FAILURE() << text;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("--until: '" + std::string(text) + "'")) << text;
      EXPECT_THAT(e.what(), HasSubstr("YYYY-MM-DD, today, yesterday or today-N")) << text;
    }
  }
  EXPECT_THROW(parse_date_argument("2024-02-30", "DATE", today), ConfigError);
}

TEST(ParseMonthArgument, TakesThisAndLastMonthAcrossAYear) {
  const date::sys_days today{2025_y / 1 / 31};
  EXPECT_EQ(parse_month_argument("this-month", "MONTH", today), 2025_y / 1);
  EXPECT_EQ(parse_month_argument("last-month", "MONTH", today), 2024_y / 12);
  EXPECT_EQ(parse_month_argument("2023-07", "MONTH", today), 2023_y / 7);
  for (const char* text : {"next-month", "This-Month", "2024-13", "2024-7", ""}) {
    EXPECT_THROW(parse_month_argument(text, "MONTH", today), ConfigError) << text;
  }
  try {
    parse_month_argument("month", "MONTH", today);
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("YYYY-MM, this-month or last-month"));
  }
}

TEST(DaysBetween, SpansMonthsAndYearsAndIsEmptyWhenReversed) {
  const auto span = days_between(date::sys_days{2024_y / 12 / 30}, date::sys_days{2025_y / 1 / 2});
  ASSERT_EQ(span.size(), 4u);
  EXPECT_EQ(span.front(), date::sys_days{2024_y / 12 / 30});
  EXPECT_EQ(span.back(), date::sys_days{2025_y / 1 / 2});
  EXPECT_TRUE(days_between(date::sys_days{2025_y / 1 / 2}, date::sys_days{2025_y / 1 / 1}).empty());
}

}  // namespace
}  // namespace tributary
