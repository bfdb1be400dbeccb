#pragma once

// A requested stop (RunOptions::stop, ModelRunOptions::stop: SIGINT/SIGTERM in the CLI) as
// the library sees it inside a run: the work in hand is abandoned and rolled back, and
// waits end early. Private to the library.

#include <chrono>
#include <stop_token>

#include "tributary/models/error.hpp"

namespace tributary::internal {

/// Thrown when a stop was requested and the work in hand (a day's fetch, its transaction,
/// a wait before a retry) was given up; what it had done is rolled back. Never a failure
/// to record: the run ends `cancelled` and a later run does that work.
class Interrupted : public Error {
 public:
  using Error::Error;
};

/// Waits `duration`, or less when `stop` is requested meanwhile; then throws Interrupted
/// naming `what` (e.g. "waiting to retry 2024-01-05"). A token without a stop source
/// (the default) just sleeps.
void sleep_unless_stopped(std::chrono::milliseconds duration, const std::stop_token& stop,
                          const char* what);

/// Throws Interrupted naming `what` when `stop` is requested.
void throw_if_stopped(const std::stop_token& stop, const char* what);

}  // namespace tributary::internal
