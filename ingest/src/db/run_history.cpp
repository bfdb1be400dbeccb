// run_history: ingest.runs read back as values, for `tributary runs`.
#include <memory>

#include "db/database.hpp"
#include "db/migrate.hpp"
#include "db/run_log.hpp"
#include "tributary/status.hpp"

namespace tributary {

std::vector<RunRecord> run_history(const DatabaseSettings& database, std::size_t limit) {
  auto conn = internal::connect(database);
  internal::migrate(*conn, database.describe());
  // A run whose process is gone shows as what it is, not as `running`.
  internal::mark_abandoned_runs(*conn);
  std::vector<RunRecord> runs;
  internal::translate_database_errors("reading ingest.runs", [&] {
    pqxx::read_transaction tx(*conn);
    const auto rows = tx.exec_params(
        "select id, command, arguments::text, floor(extract(epoch from started_at))::bigint, "
        "floor(extract(epoch from finished_at))::bigint, status, days_loaded, days_empty, "
        "days_incomplete, days_unchanged, days_failed, days_skipped, events_loaded, "
        "events_rejected, events_duplicate, coalesce(error, ''), coalesce(hostname, ''), "
        "coalesce(pid, 0) from ingest.runs order by id desc limit $1",
        static_cast<std::int64_t>(limit));
    for (const auto& row : rows) {
      RunRecord run;
      run.id = row[0].as<std::int64_t>();
      run.command = row[1].c_str();
      run.arguments = row[2].c_str();
      run.started_at = std::chrono::sys_seconds{std::chrono::seconds{row[3].as<std::int64_t>()}};
      if (!row[4].is_null()) {
        run.finished_at = std::chrono::sys_seconds{std::chrono::seconds{row[4].as<std::int64_t>()}};
      }
      run.status = row[5].c_str();
      run.days_loaded = row[6].as<std::uint64_t>();
      run.days_empty = row[7].as<std::uint64_t>();
      run.days_incomplete = row[8].as<std::uint64_t>();
      run.days_unchanged = row[9].as<std::uint64_t>();
      run.days_failed = row[10].as<std::uint64_t>();
      run.days_skipped = row[11].as<std::uint64_t>();
      run.events_loaded = row[12].as<std::uint64_t>();
      run.events_rejected = row[13].as<std::uint64_t>();
      run.events_duplicate = row[14].as<std::uint64_t>();
      run.error = row[15].c_str();
      run.hostname = row[16].c_str();
      run.pid = row[17].as<int>();
      runs.push_back(std::move(run));
    }
  });
  return runs;
}

}  // namespace tributary
