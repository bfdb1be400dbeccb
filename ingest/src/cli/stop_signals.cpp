// SIGINT/SIGTERM for the commands that write the warehouse: taken synchronously by one
// thread (sigwait), never by an asynchronous handler, so the first signal can log and
// request the stop with ordinary code.
#include "cli/stop_signals.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cstring>

#include <spdlog/spdlog.h>

namespace tributary::cli {

StopSignals::StopSignals(std::string what) : what_(std::move(what)) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  thread_ = std::thread([this] { wait_for_signals(); });
}

StopSignals::~StopSignals() {
  done_ = true;
  // Wakes the sigwait below; directed at that thread, so no other thread sees it.
  pthread_kill(thread_.native_handle(), SIGINT);
  thread_.join();
}

ExitCode StopSignals::exit_code() const {
  return received() == SIGTERM ? ExitCode::Terminated : ExitCode::Interrupted;
}

void StopSignals::wait_for_signals() {
  pthread_setname_np(pthread_self(), "signals");
  for (;;) {
    int signal = 0;
    if (sigwait(&signals_, &signal) != 0) continue;
    if (done_) return;
    const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
    if (received_ == 0) {
      received_ = signal;
      end_progress_line();
      spdlog::warn("stopping: {} received; {} (send it again to exit at once)", name, what_);
      source_.request_stop();
      continue;
    }
    // A second signal: exit now. Open transactions die with their connections (the server
    // rolls them back), so nothing half-done becomes visible; this run's row stays
    // `running` until the next command marks it abandoned.
    const std::string line = std::string("tributary: second ") + name +
                             " received; exiting at once (the database rolls back what was "
                             "open)\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(128 + signal);
  }
}

}  // namespace tributary::cli
