#include "db/run_log.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include <spdlog/spdlog.h>

#include "db/database.hpp"

namespace tributary::internal {
namespace {

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

// What this host says of process `pid`.
struct ProcessSeen {
  bool alive = false;
  std::optional<double> started;  ///< seconds since the epoch, local clock; unknown if unset
};

// The boot time of this host, seconds since the epoch (`btime` of /proc/stat).
std::optional<double> boot_time() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime" && stat >> value) return value;
    stat.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

ProcessSeen process_seen(int pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return {};
  ProcessSeen seen;
  seen.alive = true;
  // Field 22 of /proc/PID/stat is the start time in clock ticks after boot; the fields
  // are counted after the command name, which is in parentheses and may hold spaces.
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(file, text);
  const auto close = text.rfind(')');
  const auto boot = boot_time();
  if (close == std::string::npos || !boot) return seen;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  for (int number = 3; number <= 22 && fields >> field; ++number) {
    if (number == 22) {
      seen.started = *boot + std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
  }
  return seen;
}

double local_epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Why run `row` is dead, or nothing when it may be alive.
std::optional<std::string> death_of(const pqxx::row& row, const std::string& here,
                                    double clock_offset) {
  const bool stale = row["stale"].as<bool>();
  const std::string host = row["hostname"].is_null() ? "" : row["hostname"].c_str();
  const std::string process = row["pid"].is_null() ? "its process"
                                                   : "process " + std::string(row["pid"].c_str()) +
                                                         (host.empty() ? "" : " on host " + host);
  if (!row["pid"].is_null() && !host.empty() && host == here) {
    const int pid = row["pid"].as<int>();
    const auto seen = process_seen(pid);
    if (!seen.alive) return process + " is gone";
    // A pid is reused in time: a process started after the run is not the run's. Its start
    // is read on this host's clock and the run's on the database's, hence the offset.
    const double run_started = row["started"].as<double>();
    if (seen.started && *seen.started + clock_offset > run_started + 5.0) {
      return process + " is gone (pid " + std::to_string(pid) +
             " now belongs to a process started after the run)";
    }
  }
  if (stale) {
    return "no heartbeat from " + process + " since " + row["heartbeat"].c_str() +
           " (a running process beats every " + std::to_string(kHeartbeatInterval.count()) +
           " s; silent for over " + std::to_string(kHeartbeatStaleAfter.count()) + " s)";
  }
  return std::nullopt;
}

}  // namespace

int mark_abandoned_runs(pqxx::connection& conn) {
  int marked = 0;
  translate_database_errors("marking dead runs in ingest.runs abandoned", [&] {
    const std::string here = host_name();
    pqxx::work tx(conn);
    const double before = local_epoch_seconds();
    const auto rows = tx.exec_params(
        "select id, command, pid, hostname, extract(epoch from started_at)::float8 as started, "
        "extract(epoch from clock_timestamp())::float8 as db_now, "
        "heartbeat_at < now() - make_interval(secs => $1) as stale, "
        "to_char(heartbeat_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') as heartbeat "
        "from ingest.runs where status = 'running' order by id",
        static_cast<double>(kHeartbeatStaleAfter.count()));
    const double after = local_epoch_seconds();
    for (const auto& row : rows) {
      const double offset = row["db_now"].as<double>() - (before + after) / 2;
      const auto reason = death_of(row, here, offset);
      if (!reason) continue;
      const auto id = row["id"].as<std::int64_t>();
      tx.exec_params(
          "update ingest.runs set status = 'abandoned', finished_at = now(), error = $2 "
          "where id = $1 and status = 'running'",
          id, *reason);
      tx.exec_params(
          "update ingest.model_runs set status = 'failed', finished_at = now(), "
          "error = 'the run was abandoned: ' || $2 where run_id = $1 and status = 'running'",
          id, *reason);
      spdlog::warn("run {} ({}) was left running: {}; marked abandoned", id, row["command"].c_str(),
                   *reason);
      ++marked;
    }
    tx.commit();
  });
  return marked;
}

std::int64_t start_run(const DatabaseSettings& database, const std::string& command,
                       const std::string& arguments_json) {
  auto conn = connect(database);
  return start_run(*conn, command, arguments_json);
}

std::int64_t start_run(pqxx::connection& conn, const std::string& command,
                       const std::string& arguments_json) {
  mark_abandoned_runs(conn);
  std::int64_t id = 0;
  translate_database_errors("recording the run in ingest.runs", [&] {
    pqxx::work tx(conn);
    id = tx.exec_params1(
               "insert into ingest.runs (command, arguments, pid, hostname) "
               "values ($1, $2::jsonb, $3, $4) returning id",
               command, arguments_json, static_cast<int>(::getpid()), host_name())[0]
             .as<std::int64_t>();
    tx.commit();
  });
  return id;
}

void finish_run(const DatabaseSettings& database, std::int64_t run_id, const RunResult& result,
                const std::string& error) {
  const char* status = !error.empty()       ? "failed"
                       : result.interrupted ? "cancelled"
                       : result.ok()        ? "succeeded"
                                            : "partial";
  try {
    auto conn = connect(database);
    pqxx::work tx(*conn);
    tx.exec_params(
        "update ingest.runs set finished_at = now(), status = $2, days_loaded = $3, "
        "days_empty = $4, days_unchanged = $5, days_failed = $6, events_loaded = $7, "
        "events_rejected = $8, events_duplicate = $9, error = nullif($10, ''), "
        "days_incomplete = $11, days_skipped = $12 where id = $1",
        run_id, std::string(status), result.count(DayStatus::Loaded),
        result.count(DayStatus::Empty), result.count(DayStatus::Unchanged),
        result.count(DayStatus::Failed), result.total(&DayResult::events_loaded),
        result.total(&DayResult::events_rejected), result.total(&DayResult::events_duplicate),
        error.empty() && result.interrupted
            ? "interrupted: " + std::to_string(result.days_not_done) +
                  " requested day(s) not done (rolled back or not started)"
            : error,
        result.count(DayStatus::Incomplete), result.count(DayStatus::Skipped));
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::warn("could not record the end of run {}: {}", run_id, e.what());
  }
}

RunHeartbeat::RunHeartbeat(const DatabaseSettings& database, std::int64_t run_id)
    : thread_([database, run_id](const std::stop_token& stop) {
        ::pthread_setname_np(::pthread_self(), "heartbeat");
        // Connected at the first beat: a run shorter than one interval opens none.
        std::unique_ptr<pqxx::connection> conn;
        std::mutex mutex;  // only for the wait: request_stop() wakes it
        std::condition_variable_any wake;
        for (;;) {
          {
            std::unique_lock lock(mutex);
            wake.wait_for(lock, stop, kHeartbeatInterval, [] { return false; });
          }
          if (stop.stop_requested()) return;
          try {
            if (!conn || !conn->is_open()) {
              conn = connect(database);
              pqxx::nontransaction session(*conn);
              session.exec("set statement_timeout = '10s'");
            }
            pqxx::work tx(*conn);
            tx.exec_params(
                "update ingest.runs set heartbeat_at = now() where id = $1 and status = 'running'",
                run_id);
            tx.commit();
          } catch (const std::exception& e) {
            spdlog::debug("run {}: heartbeat failed: {}", run_id, e.what());
            conn.reset();
          }
        }
      }) {}

RunHeartbeat::~RunHeartbeat() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tributary::internal
