#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include <pqxx/pqxx>

#include "tributary/day_result.hpp"
#include "tributary/settings.hpp"

namespace tributary::internal {

/// How often a running run moves its `ingest.runs.heartbeat_at` forward.
inline constexpr std::chrono::seconds kHeartbeatInterval{5};
/// A `running` run whose heartbeat is older than this (12 missed beats) is dead, whatever
/// host it ran on: the next command marks it `abandoned`.
inline constexpr std::chrono::seconds kHeartbeatStaleAfter{60};

/// Inserts the `ingest.runs` row of a run that starts now (status `running`, this process's
/// pid and host name), after marking the dead runs `abandoned` (mark_abandoned_runs).
std::int64_t start_run(const DatabaseSettings& database, const std::string& command,
                       const std::string& arguments_json);
/// The same on a connection the caller already has.
std::int64_t start_run(pqxx::connection& conn, const std::string& command,
                       const std::string& arguments_json);

/// Marks `abandoned` (finished_at now, the reason in `error`; their `running` model builds
/// `failed`) every `running` run whose process is dead: on this host, its pid is gone or
/// now belongs to a process started after the run; on any host, its heartbeat is older
/// than kHeartbeatStaleAfter. Returns how many it marked.
int mark_abandoned_runs(pqxx::connection& conn);

/// Closes the run's row: `succeeded`, `partial` (some days failed), `failed` (`error`) or
/// `cancelled` (the run was interrupted by a stop request).
void finish_run(const DatabaseSettings& database, std::int64_t run_id, const RunResult& result,
                const std::string& error);

/// While it lives, moves the run's `heartbeat_at` forward every kHeartbeatInterval, from a
/// thread of its own on a connection of its own (a beat that fails is logged at debug level
/// and tried again at the next one). Only a `running` row is touched.
class RunHeartbeat {
 public:
  RunHeartbeat(const DatabaseSettings& database, std::int64_t run_id);
  /// Stops the thread (at once, even mid-wait) and joins it.
  ~RunHeartbeat();
  RunHeartbeat(const RunHeartbeat&) = delete;
  RunHeartbeat& operator=(const RunHeartbeat&) = delete;

 private:
  std::jthread thread_;
};

}  // namespace tributary::internal
