#include "tributary/models/iso_time.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace tributary::models {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

date::sys_days civil_day(int year, unsigned month, unsigned day) {
  return date::sys_days{date::year{year} / date::month{month} / date::day{day}};
}

Timestamp day(int year, unsigned month, unsigned day_of_month) {
  return Timestamp{civil_day(year, month, day_of_month)};
}

TEST(IsoTime, ParsesDateOnlyAsMidnightUtc) {
  EXPECT_EQ(parse_iso8601("2024-01-05"), day(2024, 1, 5));
}

TEST(IsoTime, ParsesDateTimeWithTOrSpace) {
  const Timestamp expected = day(2024, 1, 5) + hours{9} + minutes{14} + seconds{7};
  EXPECT_EQ(parse_iso8601("2024-01-05T09:14:07"), expected);
  EXPECT_EQ(parse_iso8601("2024-01-05 09:14:07"), expected);
  EXPECT_EQ(parse_iso8601("2024-01-05t09:14:07z"), expected);
}

TEST(IsoTime, SecondsAreOptional) {
  EXPECT_EQ(parse_iso8601("2024-01-05T09:14"), day(2024, 1, 5) + hours{9} + minutes{14});
}

TEST(IsoTime, KeepsFractionToMicrosecondsAndTruncatesBeyond) {
  const Timestamp base = day(2024, 1, 5) + hours{1};
  EXPECT_EQ(parse_iso8601("2024-01-05T01:00:00.5"), base + microseconds{500000});
  EXPECT_EQ(parse_iso8601("2024-01-05T01:00:00.123456"), base + microseconds{123456});
  EXPECT_EQ(parse_iso8601("2024-01-05T01:00:00.1234569Z"), base + microseconds{123456});
  EXPECT_EQ(parse_iso8601("2024-01-05T01:00:00,25"), base + microseconds{250000});
}

TEST(IsoTime, AppliesOffsetsToGiveUtc) {
  const Timestamp noon = day(2024, 1, 5) + hours{12};
  EXPECT_EQ(parse_iso8601("2024-01-05T12:00:00Z"), noon);
  EXPECT_EQ(parse_iso8601("2024-01-05T14:00:00+02:00"), noon);
  EXPECT_EQ(parse_iso8601("2024-01-05T14:00:00+02"), noon);
  EXPECT_EQ(parse_iso8601("2024-01-05T06:30:00-0530"), noon);
  EXPECT_EQ(parse_iso8601("2024-01-05T00:30:00+01:00"), day(2024, 1, 4) + hours{23} + minutes{30});
  EXPECT_EQ(parse_iso8601("2024-01-05T23:30-02:00"), day(2024, 1, 6) + hours{1} + minutes{30});
}

TEST(IsoTime, AcceptsLeapDayOnlyInLeapYears) {
  EXPECT_EQ(parse_iso8601("2024-02-29"), day(2024, 2, 29));
  EXPECT_EQ(parse_iso8601("2000-02-29"), day(2000, 2, 29));
  EXPECT_EQ(parse_iso8601("2023-02-29"), std::nullopt);
  EXPECT_EQ(parse_iso8601("1900-02-29"), std::nullopt);
}

TEST(IsoTime, RejectsImpossibleCalendarDays) {
  for (const char* text :
       {"2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32"}) {
    EXPECT_EQ(parse_iso8601(text), std::nullopt) << text;
  }
}

TEST(IsoTime, RejectsClockOutOfRange) {
  for (const char* text : {"2024-01-05T24:00", "2024-01-05T12:60", "2024-01-05T12:00:60",
                           "2024-01-05T12:00+24:00", "2024-01-05T12:00+01:60"}) {
    EXPECT_EQ(parse_iso8601(text), std::nullopt) << text;
  }
}

TEST(IsoTime, RejectsMalformedText) {
  for (const char* text : {"",
                           " 2024-01-05",
                           "2024-01-05 ",
                           "2024-1-05",
                           "24-01-05",
                           "20240105",
                           "2024/01/05",
                           "2024-01-05T",
                           "2024-01-05T12",
                           "2024-01-05T1:00",
                           "2024-01-05T12:00:",
                           "2024-01-05T12:00:00.",
                           "2024-01-05T12:00+",
                           "2024-01-05T12:00+1",
                           "2024-01-05T12:00+01:",
                           "2024-01-05T12:00Zx",
                           "2024-01-05Z",
                           "2024-01-05X12:00",
                           "+2024-01-05",
                           "2024-01-05T12:00 Z"}) {
    EXPECT_EQ(parse_iso8601(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(IsoTime, ParsesStrictCalendarDate) {
  EXPECT_EQ(parse_iso_date("2024-01-31"), civil_day(2024, 1, 31));
  EXPECT_EQ(parse_iso_date("2024-02-30"), std::nullopt);
  EXPECT_EQ(parse_iso_date("2024-01-31T00:00"), std::nullopt);
  EXPECT_EQ(parse_iso_date("2024-01"), std::nullopt);
}

}  // namespace
}  // namespace tributary::models

namespace tributary::models {
namespace {

TEST(IsoTime, RejectsYearsPostgresCannotStore) {
  EXPECT_FALSE(parse_iso8601("0000-01-01"));
  EXPECT_FALSE(parse_iso_date("0000-06-01"));
  EXPECT_FALSE(parse_iso8601("0001-01-01T00:30:00+01:00"));
  EXPECT_FALSE(parse_iso8601("9999-12-31T23:30:00-01:00"));
  EXPECT_TRUE(parse_iso8601("0001-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_iso8601("9999-12-31T23:59:59Z"));
}

}  // namespace
}  // namespace tributary::models
