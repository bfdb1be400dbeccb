#include "common/retry.hpp"

#include <chrono>
#include <random>

#include <gtest/gtest.h>

#include "api/retry_after.hpp"

namespace tributary::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

TEST(BackoffCeiling, DoublesFromTheBaseForEachFailedAttempt) {
  EXPECT_EQ(backoff_ceiling(1, milliseconds{500}, seconds{30}), milliseconds{500});
  EXPECT_EQ(backoff_ceiling(2, milliseconds{500}, seconds{30}), milliseconds{1000});
  EXPECT_EQ(backoff_ceiling(3, milliseconds{500}, seconds{30}), milliseconds{2000});
  EXPECT_EQ(backoff_ceiling(4, milliseconds{500}, seconds{30}), milliseconds{4000});
}

TEST(BackoffCeiling, NeverExceedsTheCap) {
  EXPECT_EQ(backoff_ceiling(7, milliseconds{500}, seconds{30}), seconds{30});
  EXPECT_EQ(backoff_ceiling(1, milliseconds{500}, milliseconds{200}), milliseconds{200});
}

TEST(BackoffCeiling, DoesNotOverflowForHugeAttemptNumbers) {
  EXPECT_EQ(backoff_ceiling(1'000'000, milliseconds{500}, seconds{30}), seconds{30});
  EXPECT_EQ(backoff_ceiling(200, milliseconds{1}, milliseconds{INT64_MAX / 2}),
            milliseconds{INT64_MAX / 2});
}

TEST(BackoffCeiling, IsZeroWhenBaseOrCapIsZero) {
  EXPECT_EQ(backoff_ceiling(3, milliseconds{0}, seconds{30}), milliseconds{0});
  EXPECT_EQ(backoff_ceiling(3, milliseconds{500}, milliseconds{0}), milliseconds{0});
}

TEST(BackoffDelay, IsDrawnUniformlyBetweenZeroAndTheCeiling) {
  std::mt19937_64 rng(7);
  milliseconds lowest = milliseconds::max();
  milliseconds highest{0};
  double sum = 0;
  constexpr int kDraws = 20'000;
  for (int i = 0; i < kDraws; ++i) {
    const auto wait = backoff_delay(3, milliseconds{100}, seconds{30}, rng);  // ceiling 400 ms
    ASSERT_GE(wait, milliseconds{0});
    ASSERT_LE(wait, milliseconds{400});
    lowest = std::min(lowest, wait);
    highest = std::max(highest, wait);
    sum += static_cast<double>(wait.count());
  }
  EXPECT_LT(lowest, milliseconds{20});    // full jitter reaches down to zero
  EXPECT_GT(highest, milliseconds{380});  // ... and up to the ceiling
  EXPECT_NEAR(sum / kDraws, 200.0, 10.0);
}

TEST(BackoffDelay, IsRepeatableForTheSameSeed) {
  std::mt19937_64 a(99);
  std::mt19937_64 b(99);
  for (int attempt = 1; attempt <= 5; ++attempt) {
    EXPECT_EQ(backoff_delay(attempt, milliseconds{500}, seconds{30}, a),
              backoff_delay(attempt, milliseconds{500}, seconds{30}, b));
  }
}

TEST(BackoffDelay, IsZeroWhenTheBaseIsZero) {
  std::mt19937_64 rng(1);
  EXPECT_EQ(backoff_delay(4, milliseconds{0}, seconds{30}, rng), milliseconds{0});
}

class RetryAfter : public ::testing::Test {
 protected:
  // Wed, 21 Oct 2015 07:28:00 GMT
  const system_clock::time_point now_ = system_clock::from_time_t(1445412480);
  const milliseconds cap_{120'000};
};

TEST_F(RetryAfter, ReadsDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("1", now_, cap_), milliseconds{1000});
  EXPECT_EQ(parse_retry_after("  30 ", now_, cap_), milliseconds{30'000});
  EXPECT_EQ(parse_retry_after("0", now_, cap_), milliseconds{0});
}

TEST_F(RetryAfter, CapsDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("3600", now_, cap_), cap_);
  EXPECT_EQ(parse_retry_after("99999999999999999999999999", now_, cap_), cap_);
}

TEST_F(RetryAfter, ReadsAnImfFixdateRelativeToNow) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now_, cap_), milliseconds{5000});
}

TEST_F(RetryAfter, ReadsTheObsoleteHttpDateForms) {
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:28:10 GMT", now_, cap_),
            milliseconds{10'000});
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:02 2015", now_, cap_), milliseconds{2000});
}

TEST_F(RetryAfter, TreatsADateInThePastAsNoWait) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now_, cap_), milliseconds{0});
}

TEST_F(RetryAfter, CapsAFarDate) {
  EXPECT_EQ(parse_retry_after("Thu, 22 Oct 2015 07:28:00 GMT", now_, cap_), cap_);
}

// Issue 9.10: a date after 2262 overflowed the nanosecond clock and gave no wait at all.
TEST_F(RetryAfter, CapsADateBeyondTheNanosecondClock) {
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now_, cap_), cap_);
  EXPECT_EQ(parse_retry_after("Sat, 01 Jan 2300 00:00:00 GMT", now_, cap_), cap_);
}

TEST_F(RetryAfter, RejectsWhatIsNeitherSecondsNorADate) {
  EXPECT_EQ(parse_retry_after("", now_, cap_), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now_, cap_), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now_, cap_), std::nullopt);
  EXPECT_EQ(parse_retry_after("1.5", now_, cap_), std::nullopt);
}

}  // namespace
}  // namespace tributary::internal
