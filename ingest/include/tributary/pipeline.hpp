#pragma once

#include <functional>
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
  bool missing_only = false;  ///< skip days already `loaded` or `empty`
  /// Called (from a worker thread, serialised) after each day, with days done and total.
  std::function<void(const DayResult&, std::size_t done, std::size_t total)> on_day;
  /// Called once when the run stops early (a refused token, a lost database), with the days
  /// finished so far and the reason, just before the run throws it.
  std::function<void(const RunResult& so_far, const std::string& reason)> on_stopped;
};

/// `request_day(D)`: fetch D, parse, load D in one transaction. Applies the migrations first
/// and writes one `ingest.runs` row (also when it ends in failure). Throws AuthError when the
/// API refuses the token and DatabaseError when the database cannot be reached.
RunResult request_day(const Settings& settings, date::sys_days day, const RunOptions& options = {});

/// Every day of the month, `parallel` in flight, each in its own transaction; a failed day
/// does not stop the others, a refused token stops the run at once. Migrates, records and
/// throws as request_day. Models are run by the caller.
RunResult backfill_month(const Settings& settings, date::year_month month,
                         const RunOptions& options = {});

}  // namespace tributary
