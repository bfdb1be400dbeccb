#pragma once

// The metrics file of this process's run (`--metrics-file`, metrics_file): started by the
// command once its settings are known, fed with the days and models as they end, written by
// main with the exit code, whatever path ended the run.

#include <string>

#include "tributary/day_result.hpp"
#include "tributary/model_runner.hpp"
#include "tributary/settings.hpp"

namespace tributary::cli {

/// Starts timing the run of `command` when settings.metrics_file is set. Throws ConfigError
/// (exit 2, before any work) when the file's directory does not exist or is not writable.
void start_run_metrics(const std::string& command, const Settings& settings);

/// The days of the run (the finished ones, when it stopped early).
void record_run_days(const RunResult& run);

/// The models the run built.
void record_run_models(const ModelRunReport& report);

/// Writes the metrics file, once, when a run started one. Never throws: a file that cannot
/// be written is an error line on stderr, and the exit code stays what the run made it.
void write_run_metrics(int exit_code) noexcept;

}  // namespace tributary::cli
