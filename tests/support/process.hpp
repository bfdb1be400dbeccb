#pragma once

#include <map>
#include <string>
#include <vector>

namespace tributary::testing {

/// What a finished child process left behind.
struct ProcessResult {
  int exit_code = -1;  ///< -1 when killed by a signal
  int signal = 0;      ///< the signal that ended the process, 0 when it exited
  std::string out;
  std::string err;
  long max_rss_kb = 0;  ///< the child's peak resident set size
  bool timed_out = false;  ///< still running after the deadline: aborted (its stack on stderr)
};

/// How long run_process lets a child run: a hung child fails its test in minutes, with
/// what it printed, instead of holding the suite until ctest's timeout.
/// TRIBUTARY_TEST_CHILD_TIMEOUT_SECONDS overrides it (default 300).
int child_timeout_seconds();

/// Runs `argv` to completion with `env` added to (or, for empty values, removed from) the
/// environment, in `cwd` when given, capturing stdout and stderr. A child still running after
/// child_timeout_seconds() gets SIGABRT (which makes it print its stack), then SIGKILL.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& cwd = {});

/// A child process running in the background, its stdout and stderr going to files.
class BackgroundProcess {
 public:
  /// Starts `argv` with `env` changes (as for run_process) in `cwd`.
  BackgroundProcess(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env = {},
                    const std::string& cwd = {});
  /// Kills (SIGKILL) and reaps the child if it still runs.
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  /// The child's process id.
  int pid() const noexcept { return pid_; }
  /// What it has written to stdout so far.
  std::string output() const;
  /// What it has written to stderr so far.
  std::string errors() const;
  /// Sends `signal`.
  void kill(int signal) const;
  /// Waits for the end; the exit code (-1 when killed by a signal) and what it printed.
  ProcessResult wait();

 private:
  int pid_ = -1;
  bool reaped_ = false;
  std::string out_path_;
  std::string err_path_;
};

/// Runs a shell command line (as `sh -c`), failing the test on a non-zero exit.
std::string run_shell(const std::string& command);

}  // namespace tributary::testing
