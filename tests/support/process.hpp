#pragma once

#include <map>
#include <string>
#include <vector>

namespace tributary::testing {

/// What a finished child process left behind.
struct ProcessResult {
  int exit_code = -1;  ///< -1 when killed by a signal
  std::string out;
  std::string err;
  long max_rss_kb = 0;  ///< the child's peak resident set size
};

/// Runs `argv` to completion with `env` added to (or, for empty values, removed from) the
/// environment, in `cwd` when given, capturing stdout and stderr.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& cwd = {});

/// Runs a shell command line (as `sh -c`), failing the test on a non-zero exit.
std::string run_shell(const std::string& command);

}  // namespace tributary::testing
