// Which days a run requests: the rules of sync, --missing-only and days after today.
#include "load/day_selection.hpp"

#include <gtest/gtest.h>

#include "tributary/day_range.hpp"

namespace tributary::internal {
namespace {

using namespace date::literals;

date::sys_days d(int month, int day, int year = 2024) {
  return date::sys_days{date::year{year} / static_cast<unsigned>(month) / static_cast<unsigned>(day)};
}

std::vector<std::string> texts(const std::vector<date::sys_days>& days) {
  std::vector<std::string> out;
  for (const auto day : days) out.push_back(format_day(day));
  return out;
}

// Today is 2024-12-31; the last complete day 2024-12-29 (the lag has not passed for the 30th).
const DayWindow kWindow{d(12, 31), d(12, 29), 3};

TEST(PlanDays, SyncRequestsTheUnknownFailedIncompleteAndTheLookbackWindow) {
  const auto span = days_between(d(12, 20), d(12, 29));
  const std::map<date::sys_days, std::string> known = {
      {d(12, 20), "loaded"},     {d(12, 21), "failed"}, {d(12, 22), "empty"},
      {d(12, 23), "incomplete"}, {d(12, 25), "loaded"}, {d(12, 27), "loaded"},
      {d(12, 28), "empty"},      {d(12, 29), "loaded"}};
  const auto plan = plan_days(span, known, DaySelection::Sync, kWindow);
  // 24th and 26th were never requested; 27th-29th are the lookback window.
  EXPECT_EQ(texts(plan.request),
            (std::vector<std::string>{"2024-12-21", "2024-12-23", "2024-12-24", "2024-12-26",
                                      "2024-12-27", "2024-12-28", "2024-12-29"}));
  std::vector<date::sys_days> skipped;
  for (const auto& s : plan.skipped) {
    EXPECT_EQ(s.status, DayStatus::Skipped);
    EXPECT_FALSE(s.future);
    skipped.push_back(s.day);
  }
  EXPECT_EQ(texts(skipped), (std::vector<std::string>{"2024-12-20", "2024-12-22", "2024-12-25"}));
}

TEST(PlanDays, ALookbackOfZeroRequestsOnlyWhatIsMissing) {
  const std::map<date::sys_days, std::string> known = {{d(12, 28), "loaded"}, {d(12, 29), "loaded"}};
  const auto plan = plan_days(days_between(d(12, 27), d(12, 29)), known, DaySelection::Sync,
                              {d(12, 31), d(12, 29), 0});
  EXPECT_EQ(texts(plan.request), (std::vector<std::string>{"2024-12-27"}));
}

TEST(PlanDays, DaysAfterTodayAreSkippedAndMarkedFutureWhateverTheSelection) {
  for (const auto selection : {DaySelection::Every, DaySelection::MissingOnly, DaySelection::Sync}) {
    const auto plan = plan_days(days_between(d(12, 30), d(1, 2, 2025)), {}, selection, kWindow);
    EXPECT_EQ(texts(plan.request), (std::vector<std::string>{"2024-12-30", "2024-12-31"}));
    ASSERT_EQ(plan.skipped.size(), 2u);
    for (const auto& s : plan.skipped) EXPECT_TRUE(s.future) << format_day(s.day);
  }
}

TEST(PlanDays, MissingOnlyRequestsIncompleteDaysAndEmptyDaysInTheLookbackWindow) {
  const auto span = days_between(d(12, 24), d(12, 31));
  const std::map<date::sys_days, std::string> known = {
      {d(12, 24), "loaded"}, {d(12, 25), "empty"},  {d(12, 26), "failed"},
      {d(12, 27), "empty"},  {d(12, 28), "loaded"}, {d(12, 29), "empty"},
      {d(12, 30), "incomplete"}};
  const auto plan = plan_days(span, known, DaySelection::MissingOnly, kWindow);
  // Empty on the 27th and 29th is inside the lookback window (27th-29th): asked again; the
  // loaded 28th is not. The 31st was never requested.
  EXPECT_EQ(texts(plan.request),
            (std::vector<std::string>{"2024-12-26", "2024-12-27", "2024-12-29", "2024-12-30",
                                      "2024-12-31"}));
}

TEST(PlanDays, EveryRequestsEveryDayUpToToday) {
  const std::map<date::sys_days, std::string> known = {{d(12, 1), "loaded"}};
  const auto plan = plan_days(days_of(2024_y / 12), known, DaySelection::Every, kWindow);
  EXPECT_EQ(plan.request.size(), 31u);
  EXPECT_TRUE(plan.skipped.empty());
}

}  // namespace
}  // namespace tributary::internal
