#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <date/date.h>

#include "tributary/clock.hpp"
#include "tributary/day_result.hpp"
#include "tributary/settings.hpp"

namespace tributary {

/// What ingest.day_loads records about one day: where its last load left it.
struct DayLoadStatus {
  date::sys_days day{};
  DayStatus status = DayStatus::Failed;  ///< Loaded, Empty, Incomplete or Failed
  std::uint64_t events_received = 0;     ///< elements in the last payload
  std::uint64_t events_loaded = 0;       ///< valid events kept, one per key
  std::uint64_t events_rejected = 0;     ///< elements that broke a rule
  std::uint64_t events_duplicate = 0;    ///< valid events whose key repeated within the day
  /// When the day's rows were last written (to the second); unset when never.
  std::optional<std::chrono::sys_seconds> loaded_at;
  std::optional<std::chrono::sys_seconds> checked_at;  ///< when the API was last asked
  std::string last_error;                              ///< why it last failed; empty if it did not
};

/// Every day ingest.day_loads knows, in day order; only those of `month` when given. Applies
/// the migrations first, so a fresh database gives an empty list. Throws DatabaseError.
std::vector<DayLoadStatus> day_statuses(const DatabaseSettings& database,
                                        std::optional<date::year_month> month = std::nullopt);

/// One day of a span, whether it was ever requested or not.
struct SpanDay {
  date::sys_days day{};
  /// `loaded`, `empty`, `incomplete`, `failed` (as ingest.day_loads says), `missing` (never
  /// requested) or `future` (after today).
  std::string state;
  bool complete = false;               ///< its end plus the availability lag has passed
  std::optional<DayLoadStatus> load;   ///< what ingest.day_loads holds, when it does
  /// A complete day that is missing, failed or still incomplete: data is lacking.
  bool lacking() const {
    return complete && (state == "missing" || state == "failed" || state == "incomplete");
  }
};

/// Every day from `first` through `last`, in order, known or not, judged at `now` with the
/// API's `availability_lag`. Migrates first; throws DatabaseError.
std::vector<SpanDay> span_status(const DatabaseSettings& database, date::sys_days first,
                                 date::sys_days last, TimePoint now,
                                 std::chrono::minutes availability_lag);

/// The first and last day ingest.day_loads holds; unset when it holds none. Migrates first.
std::optional<std::pair<date::sys_days, date::sys_days>> known_day_range(
    const DatabaseSettings& database);

/// Through which day the data is complete.
struct Freshness {
  std::optional<date::sys_days> start;         ///< sync.start_date, else the earliest day known
  /// The last day D such that every day from `start` through D is complete and `loaded` or
  /// `empty`; unset when not even `start` is.
  std::optional<date::sys_days> data_through;
  date::sys_days last_complete{};              ///< the last day complete at `now`
  TimePoint now{};
  /// now minus the end (00:00 UTC of the next day) of `data_through`; unset with it.
  std::optional<std::chrono::minutes> age;
  /// The first day after `data_through` that holds it back (missing, failed or incomplete),
  /// with its state; unset when the data is complete through `last_complete`.
  std::optional<SpanDay> first_gap;
};

/// Freshness of the warehouse at tributary::now() (TRIBUTARY_NOW in tests). Throws
/// DatabaseError.
Freshness freshness(const Settings& settings);

/// One row of ingest.runs.
struct RunRecord {
  std::int64_t id = 0;
  std::string command;
  std::string arguments;  ///< the JSON text recorded (never a secret)
  std::chrono::sys_seconds started_at{};
  std::optional<std::chrono::sys_seconds> finished_at;
  /// `running`, `succeeded`, `partial`, `failed`, `cancelled`, `abandoned`.
  std::string status;
  std::uint64_t days_loaded = 0, days_empty = 0, days_incomplete = 0, days_unchanged = 0,
                days_failed = 0, days_skipped = 0;
  std::uint64_t events_loaded = 0, events_rejected = 0, events_duplicate = 0;
  std::string error;
  std::string hostname;
  int pid = 0;
};

/// The last `limit` runs, newest first. Migrates first; throws DatabaseError.
std::vector<RunRecord> run_history(const DatabaseSettings& database, std::size_t limit = 20);

}  // namespace tributary
