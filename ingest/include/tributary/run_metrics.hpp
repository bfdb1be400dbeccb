#pragma once

// A run's figures in the Prometheus text exposition format (version 0.0.4), for
// node_exporter's textfile collector: gauges of the last run, labelled by command.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

#include "tributary/clock.hpp"
#include "tributary/day_result.hpp"
#include "tributary/model_runner.hpp"

namespace tributary {

/// What one command run came to, as the metrics file shows it.
struct RunFigures {
  std::string command;   ///< `sync`, `backfill`, `run-models`, … (label `command`)
  TimePoint finished{};  ///< when the run ended
  std::chrono::milliseconds duration{0};  ///< the whole command: loading and models
  int exit_code = 0;
  std::int64_t run_id = 0;  ///< the ingest.runs row; 0 when none was written
  RunResult days;           ///< the days (none for run-models)
  ModelRunReport models;    ///< the models built (none with --no-models)
  /// The last success before this run (read back from the previous file); this run's end
  /// replaces it when exit_code is 0. Unset and not replaced: written as 0.
  std::optional<TimePoint> previous_success;
  /// Whether the data-through figure is known; false when the database could not be asked,
  /// and then it is not written.
  bool data_through_known = false;
  /// The last day through which the data is complete (every day from the start through it
  /// `loaded` or `empty`, as freshness() says), written as the end of that day (00:00 UTC of
  /// the next); unset: no such day, written as 0.
  std::optional<date::sys_days> data_through;
};

/// The metric families of `figures`, each with HELP and TYPE lines; every sample carries
/// `command`. Ends with a newline.
std::string prometheus_text(const RunFigures& figures);

/// The value of `tributary_last_success_timestamp_seconds{command="COMMAND"}` in a metrics
/// file written earlier; unset when `text` holds no such sample or its value is not a
/// non-negative number.
std::optional<TimePoint> last_success_in(std::string_view text, std::string_view command);

/// Replaces `path` with `text` atomically: a temporary file in the same directory (a hidden
/// name without the `.prom` suffix, so the collector never reads it half-written), written,
/// fsynced, made readable by all (0644), renamed over `path`, the directory fsynced. Throws
/// Error naming the path and the reason; no temporary file is left behind.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace tributary
