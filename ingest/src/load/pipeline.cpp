#include "tributary/pipeline.hpp"

#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "common/stop.hpp"
#include "db/database.hpp"
#include "db/run_log.hpp"
#include "load/day_loader.hpp"
#include "load/day_selection.hpp"
#include "load/start_gate.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/logging.hpp"
#include "tributary/migrations.hpp"
#include "tributary/status.hpp"

namespace tributary {
namespace {

// What ingest.day_loads says of the days from `first` through `last`: day → status.
std::map<date::sys_days, std::string> known_statuses(const DatabaseSettings& database,
                                                     date::sys_days first, date::sys_days last) {
  std::map<date::sys_days, std::string> known;
  auto conn = internal::connect(database);
  internal::translate_database_errors("reading ingest.day_loads", [&] {
    pqxx::read_transaction tx(*conn);
    for (const auto& row : tx.exec_params(
             "select day::text, status from ingest.day_loads where day between $1 and $2",
             format_day(first), format_day(last))) {
      known[parse_day(row[0].c_str(), "ingest.day_loads.day")] = row[1].as<std::string>();
    }
  });
  return known;
}

internal::DayWindow window_of(const Settings& settings, int lookback_days) {
  const auto at = now();
  return {date::floor<date::days>(at), last_complete_day(at, settings.api.availability_lag),
          lookback_days};
}

// The run's arguments for ingest.runs: what was asked, never a setting that could be secret.
std::string describe_arguments(nlohmann::json args, const Settings& settings, const RunOptions& o) {
  args["parallel"] = o.parallel > 0 ? o.parallel : settings.parallel;
  args["force"] = o.load.force;
  args["mirror"] = o.load.mirror;
  args["missing_only"] = o.missing_only;
  args["now"] = format_time(now());  // the clock the run went by (TRIBUTARY_NOW in tests)
  return args.dump();
}

// Loads `days` with `parallel` in flight, each in its own transaction; a failed day does not
// stop the others. Applies migrations first; writes one `ingest.runs` row.
// `days` is the whole span; `selection` picks which of them are requested (day_selection).
RunResult load_days(const Settings& settings, const std::vector<date::sys_days>& days,
                    const RunOptions& options, internal::DaySelection selection,
                    const internal::DayWindow& window, const std::string& command,
                    const std::string& arguments_json) {
  const auto started = std::chrono::steady_clock::now();
  migrate(settings.database);
  RunResult result;
  result.run_id = internal::start_run(settings.database, command, arguments_json);
  const internal::RunHeartbeat heartbeat(settings.database, result.run_id);

  std::map<date::sys_days, std::string> known;
  if (!days.empty() && selection != internal::DaySelection::Every) {
    known = known_statuses(settings.database, days.front(), days.back());
  }
  auto plan = internal::plan_days(days, known, selection, window);
  const std::vector<date::sys_days> todo = std::move(plan.request);
  result.days = std::move(plan.skipped);

  const int parallel =
      std::max(1, std::min<int>(options.parallel > 0 ? options.parallel : settings.parallel,
                                static_cast<int>(std::max<std::size_t>(todo.size(), 1))));
  // Shared between the workers: the next day to take, the results, and the first error that
  // stops the run (a refused token, an unreachable database). Guarded by `mutex`.
  std::mutex mutex;
  std::size_t next = 0;
  std::size_t finished = 0;  // requested days done
  std::exception_ptr stop;
  std::atomic<bool> stopping{false};
  // Unreachable API: whether any request of the run reached the API, shared by the loaders.
  const auto reach = std::make_shared<ApiReach>();
  // At the start, no more days fetch and parse at once than there are cores.
  const auto gate = std::make_shared<internal::StartGate>(
      static_cast<int>(std::thread::hardware_concurrency()));

  // Several processes may share the span: a day another one holds is passed over, and
  // taken again once every other day is done — waiting for it then, and loading it only
  // if that process did not (DayLoader::Claim).
  using Claim = internal::DayLoader::Claim;
  const std::vector<date::sys_days>* queue = &todo;
  // One day asked for by name is loaded whoever else has it.
  Claim claim = command == "request-day" ? Claim::WaitAndLoad : Claim::SkipIfHeld;
  std::vector<date::sys_days> held;  // passed over in the first round, in order

  auto worker = [&] {
    const LogContext run_field{{"run_id", result.run_id}};  // on every line of this worker
    std::unique_ptr<internal::DayLoader> loader;
    try {
      loader = std::make_unique<internal::DayLoader>(settings, result.run_id, options.stop, reach,
                                                     gate);
      while (!stopping && !options.stop.stop_requested()) {  // no day starts after a stop
        date::sys_days day;
        {
          std::lock_guard lock(mutex);
          if (next >= queue->size()) return;
          day = (*queue)[next++];
        }
        auto day_result = loader->load_day(day, options.load, claim);
        std::lock_guard lock(mutex);
        if (day_result.another_process && claim == Claim::SkipIfHeld) {
          held.push_back(day);
          continue;
        }
        result.days.push_back(day_result);
        ++finished;
        if (options.on_day) options.on_day(day_result, finished, todo.size());
      }
    } catch (const ApiUnreachableError& e) {
      // Unreachable API: a day ran out of attempts and nothing of the run reached the API
      // (else the loader had recorded the day). Stop, and wake the days waiting to retry:
      // they throw this too, unrecorded.
      std::lock_guard lock(mutex);
      if (!stop) {
        stop = std::make_exception_ptr(ApiUnreachableError(
            std::string(e.what()) + "; nothing was recorded — is the API up and API_URL right?",
            e.status(), e.attempts()));
      }
      stopping = true;
      reach->give_up();  // after `stop` is set: the days it wakes must not take its place
    } catch (const internal::Interrupted&) {
      // The stop rolled back the day in hand: neither a result nor a failure.
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!stop) stop = std::current_exception();
      stopping = true;
    }
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < parallel; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (!held.empty() && !stopping && !options.stop.stop_requested()) {
    std::sort(held.begin(), held.end());
    spdlog::info("{} day(s) held by another process; coming back to them", held.size());
    queue = &held;
    claim = Claim::WaitIfHeld;
    next = 0;
    threads.clear();
    const int again = std::min<int>(parallel, static_cast<int>(held.size()));
    for (int i = 0; i < again; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }

  std::sort(result.days.begin(), result.days.end(),
            [](const DayResult& a, const DayResult& b) { return a.day < b.day; });
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  result.interrupted = options.stop.stop_requested();
  if (result.interrupted) result.days_not_done = todo.size() - finished;
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

internal::DaySelection selection_of(const RunOptions& options) {
  return options.missing_only ? internal::DaySelection::MissingOnly : internal::DaySelection::Every;
}

}  // namespace

RunResult request_day(const Settings& settings, date::sys_days day, const RunOptions& options) {
  const auto window = window_of(settings, settings.sync.lookback_days);
  if (day > window.today) {
    throw ConfigError("DATE: " + format_day(day) + " is after today (" + format_day(window.today) +
                      " UTC): the API cannot have its events yet");
  }
  return load_days(settings, {day}, options, internal::DaySelection::Every, window, "request-day",
                   describe_arguments({{"day", format_day(day)}}, settings, options));
}

RunResult backfill_month(const Settings& settings, date::year_month month,
                         const RunOptions& options) {
  const auto days = days_of(month);
  return load_days(
      settings, days, options, selection_of(options),
      window_of(settings, settings.sync.lookback_days), "backfill-month",
      describe_arguments({{"month", format_day(days.front()).substr(0, 7)}}, settings, options));
}

RunResult backfill_range(const Settings& settings, date::sys_days first, date::sys_days last,
                         const RunOptions& options) {
  if (first > last) {
    throw ConfigError("--from " + format_day(first) + " is after --to " + format_day(last));
  }
  return load_days(settings, days_between(first, last), options, selection_of(options),
                   window_of(settings, settings.sync.lookback_days), "backfill",
                   describe_arguments({{"from", format_day(first)}, {"to", format_day(last)}},
                                      settings, options));
}

RunResult sync(const Settings& settings, const SyncOptions& options) {
  const int lookback = options.lookback_days.value_or(settings.sync.lookback_days);
  if (lookback < 0) throw ConfigError("--lookback must not be negative");
  const auto window = window_of(settings, lookback);
  std::optional<date::sys_days> since = options.since ? options.since : settings.sync.start_date;
  if (!since) {
    if (const auto known = known_day_range(settings.database)) since = known->first;  // migrates
  }
  if (!since) {
    throw ConfigError(
        "sync: nothing says where to start: pass --since DATE, or set TRIBUTARY_START_DATE "
        "(sync.start_date); later syncs start at the earliest day already requested");
  }
  const auto until = options.until.value_or(window.last_complete);
  // A start after the last complete day (a sync set up today) has nothing to do yet; an
  // explicit --until before --since is a mistake.
  if (options.until && *since > until) {
    throw ConfigError("sync: --since " + format_day(*since) + " is after --until " +
                      format_day(until));
  }
  nlohmann::json args{
      {"since", format_day(*since)}, {"until", format_day(until)}, {"lookback_days", lookback}};
  return load_days(settings, days_between(*since, until), options.run, internal::DaySelection::Sync,
                   window, "sync", describe_arguments(args, settings, options.run));
}

}  // namespace tributary
