#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <date/date.h>

namespace tributary {

/// How one requested day ended.
enum class DayStatus {
  Loaded,      ///< the payload was merged into user_events (maybe writing no row)
  Empty,       ///< the API has no events for the day
  Incomplete,  ///< loaded as the API serves it, but the day is not complete yet (its end plus
               ///< the availability lag has not passed): later runs request it again
  Unchanged,   ///< same payload digest as last time, or 304: nothing written
  Failed,      ///< rolled back completely; the next run retries it
  Skipped,     ///< not requested: after today, or `--missing-only` and already done
};

/// `loaded`, `empty`, `incomplete`, `unchanged`, `failed`, `skipped`.
const char* to_string(DayStatus status);

/// The outcome of one day: a value, never an exception.
struct DayResult {
  date::sys_days day{};
  DayStatus status = DayStatus::Failed;
  std::uint64_t events_received = 0;   ///< elements in the payload
  std::uint64_t events_loaded = 0;     ///< valid events, after keeping one per key
  std::uint64_t events_rejected = 0;   ///< elements that broke a rule
  std::uint64_t events_duplicate = 0;  ///< valid events whose key repeated within the day
  std::uint64_t rows_written = 0;      ///< rows of user_events inserted or changed
  /// Valid events whose event_date is another day than the one requested. Most of a
  /// payload dated otherwise means the request and the data disagree (see `warning`).
  std::uint64_t events_other_day = 0;
  int attempts = 0;  ///< HTTP requests made
  std::uint64_t payload_bytes = 0;
  std::string error;    ///< why it failed (no secrets)
  std::string warning;  ///< loaded, but something is off (no secrets)
  bool future = false;  ///< Skipped because the day is after today
  /// Skipped because another process loaded the day while this run was going (it held the
  /// day's lock when this run came to it, and had loaded it by the time it let go).
  bool another_process = false;
  std::chrono::milliseconds duration{0};
};

/// The outcome of one command run (`request-day`, `backfill-month`, `backfill`, `sync`).
struct RunResult {
  std::int64_t run_id = 0;
  std::vector<DayResult> days;
  std::chrono::milliseconds duration{0};
  /// A stop was requested (RunOptions::stop: SIGINT/SIGTERM in the CLI): no day started
  /// after it, the days in flight that were not committing yet were rolled back and are
  /// not in `days` (neither are the days never started). The run is recorded `cancelled`.
  bool interrupted = false;
  /// Requested days the stop left undone (rolled back or never started); a later run does
  /// them.
  std::size_t days_not_done = 0;

  /// Days with `status`.
  std::size_t count(DayStatus status) const;
  /// Sum of a counter over all days.
  std::uint64_t total(std::uint64_t DayResult::*counter) const;
  /// True when no day failed.
  bool ok() const { return count(DayStatus::Failed) == 0; }
};

}  // namespace tributary
