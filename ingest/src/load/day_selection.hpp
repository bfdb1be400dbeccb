#pragma once

// Which days of a span a run requests, and why the others are left alone. Pure: the
// statuses come from ingest.day_loads, the clock from the caller, so every rule is tested
// without a database.

#include <map>
#include <string>
#include <vector>

#include <date/date.h>

#include "tributary/day_result.hpp"

namespace tributary::internal {

/// How a run picks days among those of its span.
enum class DaySelection {
  Every,        ///< every day up to today (`request-day`, `backfill-month`, `backfill`)
  MissingOnly,  ///< `--missing-only`: skip days `loaded` or `empty`, except empty days
                ///< inside the lookback window
  Sync,         ///< `sync`: days never requested, `failed` or `incomplete`, plus the
                ///< lookback window whatever its status
};

/// What the clock says about the span.
struct DayWindow {
  date::sys_days today{};          ///< days after it are never requested
  date::sys_days last_complete{};  ///< the last complete day
  int lookback_days = 3;           ///< the last N complete days form the lookback window
};

/// The days to request, in order, and one Skipped result per day left alone (`future` set
/// for a day after today).
struct DayPlan {
  std::vector<date::sys_days> request;
  std::vector<DayResult> skipped;
};

/// `known` maps each day of the span that ingest.day_loads holds to its status text.
DayPlan plan_days(const std::vector<date::sys_days>& span,
                  const std::map<date::sys_days, std::string>& known, DaySelection selection,
                  const DayWindow& window);

}  // namespace tributary::internal
