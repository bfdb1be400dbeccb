// The gate that holds days back at a run's start (load/start_gate.hpp).
#include "load/start_gate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tributary::internal {
namespace {

using namespace std::chrono_literals;

TEST(StartGate, LetsWidthDaysInThenHoldsTheRestUntilItOpensForGood) {
  StartGate gate(2);
  const std::stop_source stop;
  EXPECT_TRUE(gate.enter(stop.get_token()));
  EXPECT_TRUE(gate.enter(stop.get_token()));
  std::atomic<int> entered{0};
  std::thread third([&] {
    if (gate.enter(stop.get_token())) ++entered;
  });
  std::thread fourth([&] {
    if (gate.enter(stop.get_token())) ++entered;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(entered.load(), 0) << "a third and a fourth day wait while the gate is closed";
  gate.open();
  third.join();
  fourth.join();
  EXPECT_EQ(entered.load(), 2) << "both go on once it opens";
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(gate.enter(stop.get_token())) << "open for good";
  gate.open();  // again: nothing changes
  EXPECT_TRUE(gate.enter(stop.get_token()));
}

TEST(StartGate, AStopWakesADayWaitingAtTheGateWithoutLettingItIn) {
  StartGate gate(0);  // counts as 1
  std::stop_source stop;
  EXPECT_TRUE(gate.enter(stop.get_token()));
  std::atomic<int> outcome{-1};
  std::thread waiting([&] { outcome = gate.enter(stop.get_token()) ? 1 : 0; });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(outcome.load(), -1);
  stop.request_stop();
  waiting.join();
  EXPECT_EQ(outcome.load(), 0);
}

}  // namespace
}  // namespace tributary::internal
