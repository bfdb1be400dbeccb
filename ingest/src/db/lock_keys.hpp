#pragma once

// Every advisory lock tributary takes, in one place so no two collide. Postgres keeps the
// one-key (bigint) and the two-key (int, int) forms apart, so the per-day locks cannot
// meet the single-key ones whatever their values.

#include <cstdint>

#include <date/date.h>

namespace tributary::internal {

/// `pg_advisory_lock($1)`: migrations run one process at a time.
inline constexpr std::int64_t kMigrationLockKey = 0x7472696275746172LL;  // "tributar"

/// `pg_advisory_lock($1)`: two model runs on one database take turns (they share the
/// `__building` names).
inline constexpr std::int64_t kModelRunLockKey = 0x747269626d6f646cLL;  // "tribmodl"

/// Taken shared (`pg_advisory_xact_lock_shared($1)`) by a day's transaction before its first
/// write to public.user_events and held until it ends; taken exclusive for an instant by the
/// model runner when it takes the snapshot its models will reflect. So that snapshot is
/// never taken while a day is writing: runner/incremental.cpp says why this keeps the change
/// log complete.
inline constexpr std::int64_t kChangeLogLockKey = 0x7472696263686e67LL;  // "tribchng"

/// `pg_advisory_xact_lock($1)`: the write turn. On one node a day's transaction takes it
/// after the change-log lock, before its first write to public.user_events, and holds it
/// until it ends: tributary's days write one at a time (each at about the speed of a bare
/// COPY), so a day copying straight into user_events (load/staging.hpp) reads which of its
/// keys exist knowing that no other day adds one meanwhile, and two days never wait on each
/// other's rows. Fetching and parsing still overlap. Not taken on Citus, whose days merge
/// through the distributed staging table.
inline constexpr std::int64_t kWriteLockKey = 0x7472696277726974LL;  // "tribwrit"

/// First key of `pg_advisory_xact_lock($1, $2)`, the lock that keeps two processes off the
/// same day; the second key is day_lock_key(day).
inline constexpr int kDayLockClass = 0x7472;  // "tr"

/// Second key of a day's lock: its day number since 1970-01-01.
inline constexpr int day_lock_key(date::sys_days day) {
  return static_cast<int>(day.time_since_epoch().count());
}

}  // namespace tributary::internal
