// The clock: TRIBUTARY_NOW, durations, and which days are complete.
#include "tributary/clock.hpp"

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tributary/error.hpp"

namespace tributary {
namespace {

using namespace date::literals;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Sets TRIBUTARY_NOW for one test and restores what was there.
class FixedNow {
 public:
  explicit FixedNow(const char* value) {
    if (const char* old = std::getenv("TRIBUTARY_NOW")) saved_ = old;
    ::setenv("TRIBUTARY_NOW", value, 1);
  }
  ~FixedNow() {
    if (saved_.empty()) {
      ::unsetenv("TRIBUTARY_NOW");
    } else {
      ::setenv("TRIBUTARY_NOW", saved_.c_str(), 1);
    }
  }

 private:
  std::string saved_;
};

TEST(Clock, TributaryNowReplacesTheSystemClock) {
  FixedNow fixed("2025-01-01T01:30:00Z");
  EXPECT_EQ(format_time(now()), "2025-01-01T01:30:00Z");
  EXPECT_EQ(today(), date::sys_days{2025_y / 1 / 1});
}

TEST(Clock, AnOffsetIsReadAsTheUtcInstantItNames) {
  FixedNow fixed("2025-01-01T01:30:00+02:00");
  EXPECT_EQ(format_time(now()), "2024-12-31T23:30:00Z");
  EXPECT_EQ(today(), date::sys_days{2024_y / 12 / 31});
}

TEST(Clock, AMalformedTributaryNowIsAConfigurationErrorNamingIt) {
  FixedNow fixed("noon");
  try {
    now();
    ADD_FAILURE() << "accepted 'noon'";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("TRIBUTARY_NOW: 'noon' is not an ISO-8601 time"));
  }
}

TEST(Clock, WithoutTributaryNowItIsTheSystemClock) {
  ::unsetenv("TRIBUTARY_NOW");
  const auto before = std::chrono::system_clock::now();
  const auto ours = now();
  EXPECT_GE(ours, date::floor<std::chrono::microseconds>(before));
  EXPECT_LE(ours, std::chrono::system_clock::now());
}

TEST(Duration, ReadsMinutesHoursAndDays) {
  EXPECT_EQ(parse_duration("90m", "--warn-after"), 90min);
  EXPECT_EQ(parse_duration("36h", "--warn-after"), 36h);
  EXPECT_EQ(parse_duration("2d", "--warn-after"), 48h);
  EXPECT_EQ(parse_duration("0h", "--warn-after"), 0min);
  EXPECT_EQ(format_duration(120min), "2h");
  EXPECT_EQ(format_duration(90min), "90m");
  EXPECT_EQ(format_duration(48h), "2d");
}

TEST(Duration, RefusesAnythingElseNamingTheSetting) {
  for (const char* text : {"2", "h", "2 h", "-2h", "2H", "1.5h", "2w", "", "99999999999d"}) {
    try {
      parse_duration(text, "TRIBUTARY_AVAILABILITY_LAG");
      ADD_FAILURE() << text;
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("TRIBUTARY_AVAILABILITY_LAG: '" + std::string(text) + "'"));
      EXPECT_THAT(e.what(), HasSubstr("90m, 36h, 2d"));
    }
  }
}

TEST(CompleteDay, ADayIsCompleteOnceItsEndPlusTheLagHasPassed) {
  const date::sys_days day{2024_y / 12 / 31};
  const auto at = [](const char* text) { return parse_time(text, "test"); };
  EXPECT_FALSE(is_complete(day, at("2024-12-31T12:00:00Z"), 120min));
  EXPECT_FALSE(is_complete(day, at("2025-01-01T01:59:59Z"), 120min));
  EXPECT_TRUE(is_complete(day, at("2025-01-01T02:00:00Z"), 120min));
  EXPECT_TRUE(is_complete(day, at("2025-01-01T00:00:00Z"), 0min));
  EXPECT_EQ(last_complete_day(at("2025-01-01T01:59:59Z"), 120min), date::sys_days{2024_y / 12 / 30});
  EXPECT_EQ(last_complete_day(at("2025-01-01T02:00:00Z"), 120min), day);
  EXPECT_EQ(last_complete_day(at("2025-01-03T12:00:00Z"), 72h), date::sys_days{2024_y / 12 / 30});
  for (const char* time : {"2025-01-01T01:59:59Z", "2025-01-01T02:00:00Z", "2025-03-01T00:00:00Z"}) {
    const auto last = last_complete_day(at(time), 120min);
    EXPECT_TRUE(is_complete(last, at(time), 120min)) << time;
    EXPECT_FALSE(is_complete(last + date::days{1}, at(time), 120min)) << time;
  }
}

}  // namespace
}  // namespace tributary
