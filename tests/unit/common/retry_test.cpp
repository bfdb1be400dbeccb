#include "common/retry.hpp"

#include <chrono>
#include <random>

#include <gtest/gtest.h>

namespace tributary::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RetryPolicy, RetriesUntilTheLastAttempt) {
  const RetryPolicy policy{.attempts = 3};
  EXPECT_TRUE(policy.retries_after(1));
  EXPECT_TRUE(policy.retries_after(2));
  EXPECT_FALSE(policy.retries_after(3));
  EXPECT_FALSE(RetryPolicy{}.retries_after(1));  // one attempt by default
}

TEST(RetryPolicy, WithoutABaseNeverWaits) {
  const RetryPolicy policy{.attempts = 3};
  EXPECT_EQ(policy.delay(1), milliseconds{0});
  EXPECT_EQ(policy.delay(2), milliseconds{0});
}

// The loader's reconnection: 1, 2, 3, 4, 5, 5, 5 s, as min(attempt, 5) s did.
TEST(RetryPolicy, LinearGrowthAddsTheBaseEachAttemptUpToTheCap) {
  const RetryPolicy policy{
      .attempts = 8, .base = seconds{1}, .cap = seconds{5}, .growth = RetryPolicy::Growth::Linear};
  for (int attempt = 1; attempt < 8; ++attempt) {
    EXPECT_EQ(policy.delay(attempt), seconds{std::min(attempt, 5)}) << attempt;
  }
}

// The model runner's swap: 250 ms more after each failed attempt, no cap.
TEST(RetryPolicy, LinearGrowthWithoutACapKeepsGrowing) {
  const RetryPolicy policy{
      .attempts = 5, .base = milliseconds{250}, .growth = RetryPolicy::Growth::Linear};
  EXPECT_EQ(policy.delay(1), milliseconds{250});
  EXPECT_EQ(policy.delay(4), milliseconds{1000});
  EXPECT_EQ(policy.delay(1'000'000), milliseconds{250'000'000});
}

TEST(RetryPolicy, LinearGrowthSaturatesInsteadOfOverflowing) {
  const RetryPolicy policy{.base = milliseconds{INT64_MAX / 2},
                           .growth = RetryPolicy::Growth::Linear};
  EXPECT_EQ(policy.ceiling(3), milliseconds::max());
}

TEST(RetryPolicy, ExponentialGrowthIsTheBackoffCeiling) {
  const RetryPolicy policy{.attempts = 10, .base = milliseconds{500}, .cap = seconds{30}};
  for (int attempt = 1; attempt < 10; ++attempt) {
    EXPECT_EQ(policy.delay(attempt), backoff_ceiling(attempt, milliseconds{500}, seconds{30}));
  }
  EXPECT_EQ(policy.delay(3), milliseconds{2000});
  EXPECT_EQ(policy.delay(9), seconds{30});
}

TEST(RetryPolicy, ExponentialGrowthWithoutACapDoesNotOverflow) {
  const RetryPolicy policy{.base = milliseconds{1}};
  EXPECT_EQ(policy.ceiling(200), milliseconds::max());
}

TEST(RetryPolicy, FullJitterDrawsBetweenZeroAndTheCeiling) {
  const RetryPolicy policy{
      .attempts = 5, .base = milliseconds{100}, .cap = seconds{30}, .full_jitter = true};
  std::mt19937_64 rng(7);
  milliseconds lowest = milliseconds::max();
  milliseconds highest{0};
  for (int i = 0; i < 5'000; ++i) {
    const auto wait = policy.delay(3, rng);  // ceiling 400 ms
    ASSERT_GE(wait, milliseconds{0});
    ASSERT_LE(wait, milliseconds{400});
    lowest = std::min(lowest, wait);
    highest = std::max(highest, wait);
  }
  EXPECT_LT(lowest, milliseconds{20});
  EXPECT_GT(highest, milliseconds{380});
}

// The api client's waits for a given jitter_seed stay what they were: one uniform draw
// from [0, ceiling] per wait, from the same generator.
TEST(RetryPolicy, FullJitterIsOneUniformDrawPerWait) {
  const RetryPolicy policy{
      .attempts = 6, .base = milliseconds{500}, .cap = seconds{30}, .full_jitter = true};
  std::mt19937_64 a(99);
  std::mt19937_64 b(99);
  for (int attempt = 1; attempt <= 5; ++attempt) {
    std::uniform_int_distribution<std::int64_t> pick(0, policy.ceiling(attempt).count());
    EXPECT_EQ(policy.delay(attempt, a), milliseconds{pick(b)});
  }
}

TEST(RetryPolicy, WithoutJitterTheRngIsNotNeeded) {
  const RetryPolicy policy{.attempts = 3, .base = milliseconds{100}};
  std::mt19937_64 rng(1);
  EXPECT_EQ(policy.delay(2, rng), milliseconds{200});
  EXPECT_EQ(policy.delay(2), milliseconds{200});
}

}  // namespace
}  // namespace tributary::internal
