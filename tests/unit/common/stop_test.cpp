// sleep_unless_stopped: sleeps the whole time without a stop, ends early with Interrupted
// when one is requested.

#include "common/stop.hpp"

#include <chrono>
#include <stop_token>
#include <thread>

#include <gtest/gtest.h>

namespace tributary::internal {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST(SleepUnlessStopped, SleepsTheWholeTimeWithoutAStop) {
  std::stop_source source;
  const auto start = Clock::now();
  EXPECT_NO_THROW(sleep_unless_stopped(milliseconds{50}, source.get_token(), "waiting"));
  EXPECT_GE(Clock::now() - start, milliseconds{50});
  const auto plain = Clock::now();
  EXPECT_NO_THROW(sleep_unless_stopped(milliseconds{20}, std::stop_token{}, "waiting"));
  EXPECT_GE(Clock::now() - plain, milliseconds{20});
}

TEST(SleepUnlessStopped, EndsAtOnceWhenTheStopIsRequested) {
  std::stop_source source;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(milliseconds{50});
    source.request_stop();
  });
  const auto start = Clock::now();
  try {
    sleep_unless_stopped(milliseconds{20'000}, source.get_token(), "waiting to retry");
    FAIL() << "no Interrupted";
  } catch (const Interrupted& e) {
    EXPECT_STREQ(e.what(), "stopped while waiting to retry");
  }
  EXPECT_LT(Clock::now() - start, milliseconds{2000});
  EXPECT_THROW(throw_if_stopped(source.get_token(), "starting"), Interrupted);
}

}  // namespace
}  // namespace tributary::internal
