#include "tributary/pipeline.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "db/database.hpp"
#include "load/day_loader.hpp"
#include "db/run_log.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/migrations.hpp"

namespace tributary {
namespace {

// Days already `loaded` or `empty`, for --missing-only: one query over the requested span.
std::vector<date::sys_days> complete_days(const DatabaseSettings& database,
                                          const std::vector<date::sys_days>& days) {
  std::vector<date::sys_days> done;
  if (days.empty()) return done;
  const auto [first, last] = std::minmax_element(days.begin(), days.end());
  std::set<std::string> complete;
  auto conn = internal::connect(database);
  internal::translate_database_errors("reading ingest.day_loads", [&] {
    pqxx::read_transaction tx(*conn);
    for (const auto& row : tx.exec_params(
             "select day::text from ingest.day_loads where day between $1 and $2 "
             "and status in ('loaded', 'empty')",
             format_day(*first), format_day(*last))) {
      complete.insert(row[0].as<std::string>());
    }
  });
  for (const auto day : days) {
    if (complete.count(format_day(day)) != 0) done.push_back(day);
  }
  return done;
}

// The run's arguments for ingest.runs: what was asked, never a setting that could be secret.
std::string describe_arguments(nlohmann::json args, const Settings& settings, const RunOptions& o) {
  args["parallel"] = o.parallel > 0 ? o.parallel : settings.parallel;
  args["force"] = o.load.force;
  args["mirror"] = o.load.mirror;
  args["missing_only"] = o.missing_only;
  return args.dump();
}

// Loads `days` with `parallel` in flight, each in its own transaction; a failed day does not
// stop the others. Applies migrations first; writes one `ingest.runs` row.
RunResult load_days(const Settings& settings, const std::vector<date::sys_days>& days,
                    const RunOptions& options, const std::string& command,
                    const std::string& arguments_json) {
  const auto started = std::chrono::steady_clock::now();
  migrate(settings.database);
  RunResult result;
  result.run_id = internal::start_run(settings.database, command, arguments_json);

  std::vector<date::sys_days> todo = days;
  if (options.missing_only) {
    const auto done = complete_days(settings.database, days);
    std::erase_if(todo, [&](auto d) { return std::find(done.begin(), done.end(), d) != done.end(); });
    for (const auto d : done) {
      DayResult skipped;
      skipped.day = d;
      skipped.status = DayStatus::Skipped;
      result.days.push_back(skipped);
    }
  }

  const int parallel = std::max(1, std::min<int>(options.parallel > 0 ? options.parallel
                                                                      : settings.parallel,
                                                 static_cast<int>(std::max<std::size_t>(todo.size(), 1))));
  // Shared between the workers: the next day to take, the results, and the first error that
  // stops the run (a refused token, an unreachable database). Guarded by `mutex`.
  std::mutex mutex;
  std::size_t next = 0;
  std::exception_ptr stop;
  std::atomic<bool> stopping{false};

  auto worker = [&] {
    std::unique_ptr<internal::DayLoader> loader;
    try {
      loader = std::make_unique<internal::DayLoader>(settings, result.run_id);
      while (!stopping) {
        date::sys_days day;
        {
          std::lock_guard lock(mutex);
          if (next >= todo.size()) return;
          day = todo[next++];
        }
        auto day_result = loader->load_day(day, options.load);
        std::lock_guard lock(mutex);
        result.days.push_back(day_result);
        if (options.on_day) options.on_day(day_result, result.days.size(), days.size());
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!stop) stop = std::current_exception();
      stopping = true;
    }
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < parallel; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  std::sort(result.days.begin(), result.days.end(),
            [](const DayResult& a, const DayResult& b) { return a.day < b.day; });
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::string error;
  if (stop) {
    try {
      std::rethrow_exception(stop);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  internal::finish_run(settings.database, result.run_id, result, error);
  if (stop) {
    if (options.on_stopped) options.on_stopped(result, error);
    std::rethrow_exception(stop);
  }
  return result;
}

}  // namespace

RunResult request_day(const Settings& settings, date::sys_days day, const RunOptions& options) {
  return load_days(settings, {day}, options, "request-day",
                   describe_arguments({{"day", format_day(day)}}, settings, options));
}

RunResult backfill_month(const Settings& settings, date::year_month month,
                         const RunOptions& options) {
  const auto days = days_of(month);
  return load_days(settings, days, options, "backfill-month",
                   describe_arguments({{"month", format_day(days.front()).substr(0, 7)}}, settings,
                                  options));
}

}  // namespace tributary
