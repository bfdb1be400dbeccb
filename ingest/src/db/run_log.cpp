#include "db/run_log.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "db/database.hpp"

namespace tributary::internal {

std::int64_t start_run(const DatabaseSettings& database, const std::string& command,
                       const std::string& arguments_json) {
  auto conn = connect(database);
  return start_run(*conn, command, arguments_json);
}

std::int64_t start_run(pqxx::connection& conn, const std::string& command,
                       const std::string& arguments_json) {
  std::int64_t id = 0;
  translate_database_errors("recording the run in ingest.runs", [&] {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    pqxx::work tx(conn);
    id = tx.exec_params1(
               "insert into ingest.runs (command, arguments, pid, hostname) "
               "values ($1, $2::jsonb, $3, $4) returning id",
               command, arguments_json, static_cast<int>(::getpid()), std::string(host))[0]
             .as<std::int64_t>();
    tx.commit();
  });
  return id;
}

void finish_run(const DatabaseSettings& database, std::int64_t run_id, const RunResult& result,
                const std::string& error) {
  const char* status = !error.empty() ? "failed" : (result.ok() ? "succeeded" : "partial");
  try {
    auto conn = connect(database);
    pqxx::work tx(*conn);
    tx.exec_params(
        "update ingest.runs set finished_at = now(), status = $2, days_loaded = $3, "
        "days_empty = $4, days_unchanged = $5, days_failed = $6, events_loaded = $7, "
        "events_rejected = $8, events_duplicate = $9, error = nullif($10, ''), "
        "days_incomplete = $11, days_skipped = $12 where id = $1",
        run_id, std::string(status), result.count(DayStatus::Loaded), result.count(DayStatus::Empty),
        result.count(DayStatus::Unchanged), result.count(DayStatus::Failed),
        result.total(&DayResult::events_loaded), result.total(&DayResult::events_rejected),
        result.total(&DayResult::events_duplicate), error, result.count(DayStatus::Incomplete),
        result.count(DayStatus::Skipped));
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::warn("could not record the end of run {}: {}", run_id, e.what());
  }
}

}  // namespace tributary::internal
