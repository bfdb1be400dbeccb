#pragma once

#include <cstdint>
#include <memory>
#include <stop_token>

#include <date/date.h>

#include "tributary/api_client.hpp"
#include "tributary/day_result.hpp"
#include "tributary/pipeline.hpp"
#include "tributary/settings.hpp"

namespace tributary::internal {

class StartGate;

/// Loads days into the warehouse, one transaction per day (docs/tables.md): COPY the
/// validated rows into a staging table as they stream out of the parser, keep one row per
/// key, merge with ON CONFLICT in key order, record rejections and the day, COMMIT. Owns
/// one database connection and one API client; use one loader per thread.
class DayLoader {
 public:
  /// Connects (throws DatabaseError when the database cannot be reached). A request on
  /// `stop` rolls back the day in flight unless it is committing (see load_day). `reach` is
  /// shared by the loaders of one run: whether any of them reached the API (see ApiReach).
  /// `gate`, shared by the loaders of one run too, holds days back at the run's start
  /// (load/start_gate.hpp); none: no day waits.
  DayLoader(const Settings& settings, std::int64_t run_id, std::stop_token stop = {},
            std::shared_ptr<ApiReach> reach = nullptr, std::shared_ptr<StartGate> gate = nullptr);
  ~DayLoader();
  DayLoader(const DayLoader&) = delete;
  DayLoader& operator=(const DayLoader&) = delete;

  /// Fetches, validates and loads `day`. A day that fails is a value (status Failed, fully
  /// rolled back, recorded in ingest.day_loads). Throws AuthError when the API refuses the
  /// token, DatabaseError when the database cannot be reached again after a failure, and
  /// ApiUnreachableError, the day not recorded, when no request of the run reached the API.
  /// Throws Interrupted when the stop came before the day's COMMIT (or before it started):
  /// its statement cancelled, its transfer aborted, the day rolled back and not recorded.
  ///
  /// `claim` says what to do when another process holds the day (several loaders sharing a
  /// backfill): SkipIfHeld returns at once, Skipped with `another_process` set; WaitIfHeld
  /// waits for the lock. Either way, once the day is this run's, a day that another run
  /// going on beside this one has checked since this one started is Skipped with
  /// `another_process` set too (unless --force or --mirror): each day is loaded once.
  /// WaitAndLoad (`request-day`: one day asked for by name) waits and always loads.
  enum class Claim : std::uint8_t { SkipIfHeld, WaitIfHeld, WaitAndLoad };
  DayResult load_day(date::sys_days day, const LoadOptions& options,
                     Claim claim = Claim::WaitIfHeld);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::internal
