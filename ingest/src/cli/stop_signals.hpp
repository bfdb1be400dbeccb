#pragma once

#include <signal.h>

#include <atomic>
#include <stop_token>
#include <string>
#include <thread>

#include "cli/commands.hpp"

namespace tributary::cli {

/// SIGINT and SIGTERM as a clean stop, for the commands that load days or build models.
/// The first signal logs `stopping: SIGTERM received; <what>` and requests the stop (the
/// run ends as RunOptions::stop says, the command exits 130 or 143); a second one exits at
/// once with 128 + its number, leaving the database to roll back what was open.
class StopSignals {
 public:
  /// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread started after
  /// it (create it before any), and starts the thread that waits for them. `what` says
  /// what the stop does, e.g. "finishing the days being committed".
  explicit StopSignals(std::string what);
  /// Ends the waiting thread. The signals stay blocked: one arriving now is ignored, the
  /// command being about to exit anyway.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// Requested by the first signal.
  std::stop_token token() const { return source_.get_token(); }
  /// The first signal received (SIGINT, SIGTERM), 0 when none came.
  int received() const { return received_.load(); }
  /// Interrupted (130) after SIGINT, Terminated (143) after SIGTERM.
  ExitCode exit_code() const;

 private:
  void wait_for_signals();

  std::string what_;
  std::stop_source source_;
  std::atomic<int> received_{0};
  std::atomic<bool> done_{false};
  sigset_t signals_{};
  std::thread thread_;
};

}  // namespace tributary::cli
