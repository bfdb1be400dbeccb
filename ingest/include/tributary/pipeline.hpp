#pragma once

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <date/date.h>

#include "tributary/day_result.hpp"
#include "tributary/settings.hpp"

namespace tributary {

/// How a day is loaded.
struct LoadOptions {
  bool force = false;   ///< load even when the payload is unchanged, rewriting its rows
  bool mirror = false;  ///< delete rows of the day that the API no longer returns
};

/// How a run of several days goes.
struct RunOptions {
  int parallel = 0;           ///< days in flight; 0 = settings.parallel
  LoadOptions load;           ///< force / mirror
  /// Skip days already `loaded`, and `empty` days before the lookback window; `failed`,
  /// `incomplete` and never-requested days are requested.
  bool missing_only = false;
  /// Called (from a worker thread, serialised) after each requested day, with the requested
  /// days done and their total (days skipped are not counted).
  std::function<void(const DayResult&, std::size_t done, std::size_t total)> on_day;
  /// Called once when the run stops early (a refused token, a lost database), with the days
  /// finished so far and the reason, just before the run throws it.
  std::function<void(const RunResult& so_far, const std::string& reason)> on_stopped;
  /// A stop request ends the run cleanly: no day starts after it; a day in flight is rolled
  /// back (its running statement cancelled, its HTTP transfer or retry wait cut short) and
  /// left as it was in ingest.day_loads, unless it is already committing, which finishes.
  /// The run returns with RunResult::interrupted and is recorded `cancelled`.
  std::stop_token stop;
};

/// `request_day(D)`: fetch D, parse, load D in one transaction. Applies the migrations first
/// and writes one `ingest.runs` row (also when it ends in failure). A day that is not
/// complete yet (its end plus `api.availability_lag` has not passed, by tributary::now()) is
/// loaded as the API serves it and recorded `incomplete`. Throws ConfigError for a day after
/// today, AuthError when the API refuses the token and DatabaseError when the database
/// cannot be reached.
RunResult request_day(const Settings& settings, date::sys_days day, const RunOptions& options = {});

/// Every day of the month, `parallel` in flight, each in its own transaction; a failed day
/// does not stop the others, a refused token stops the run at once. Days after today are
/// skipped (Skipped, `future`). Migrates, records and throws as request_day. Models are run
/// by the caller.
RunResult backfill_month(const Settings& settings, date::year_month month,
                         const RunOptions& options = {});

/// Every day from `first` through `last` (across months and years), as backfill_month.
/// Throws ConfigError when `first` is after `last`.
RunResult backfill_range(const Settings& settings, date::sys_days first, date::sys_days last,
                         const RunOptions& options = {});

/// What `sync` covers; unset fields come from the settings (`sync.*`) and the clock.
struct SyncOptions {
  std::optional<date::sys_days> since;  ///< first day; else sync.start_date, else the earliest
                                        ///< day of ingest.day_loads
  std::optional<date::sys_days> until;  ///< last day; else the last complete day
  std::optional<int> lookback_days;     ///< else sync.lookback_days
  RunOptions run;                       ///< parallel, force / mirror, callbacks
};

/// The daily command: over [since, until], requests every day never requested, `failed` or
/// `incomplete`, plus the last `lookback_days` complete days whatever their status (late
/// events; an unchanged day costs one conditional request); the others are Skipped. One
/// `ingest.runs` row with command `sync`. Throws ConfigError when there is no start (no
/// --since, no sync.start_date, nothing in ingest.day_loads) or `since` is after `until`,
/// and AuthError / DatabaseError as request_day. Models are run by the caller.
RunResult sync(const Settings& settings, const SyncOptions& options = {});

}  // namespace tributary
