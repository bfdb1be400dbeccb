// run-models: load the manifest, pick the models, build them in order, skip the dependants
// of a failure, and record every model in ingest.model_runs.
#include "tributary/model_runner.hpp"

#include <cstdlib>
#include <set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "db/database.hpp"
#include "db/lock_keys.hpp"
#include "db/migrate.hpp"
#include "runner/build.hpp"
#include "runner/manifest.hpp"
#include "runner/selection.hpp"
#include "db/run_log.hpp"
#include "db/statement_canceller.hpp"
#include "tributary/error.hpp"
#include "tributary/migrations.hpp"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::int64_t record_start(pqxx::connection& conn, std::int64_t run_id, const std::string& model) {
  pqxx::work tx(conn);
  const auto id = tx.exec_params1(
                        "insert into ingest.model_runs (run_id, model, status) "
                        "values ($1, $2, 'running') returning id",
                        run_id, model)[0]
                      .as<std::int64_t>();
  tx.commit();
  return id;
}

void record_end(pqxx::connection& conn, std::int64_t id, const ModelResult& result) {
  pqxx::work tx(conn);
  tx.exec_params(
      "update ingest.model_runs set status = $2, rows = nullif($3, '')::bigint, duration_ms = $4, "
      "error = nullif($5, ''), failed_test = nullif($6, ''), refresh = nullif($7, ''), "
      "finished_at = now() where id = $1",
      id, std::string(to_string(result.status)),
      result.rows ? std::to_string(*result.rows) : std::string(),
      static_cast<std::int64_t>(result.duration.count()), result.error, result.failed_test,
      result.refresh);
  tx.commit();
}

void record_skipped(pqxx::connection& conn, std::int64_t run_id, const ModelResult& result) {
  pqxx::work tx(conn);
  tx.exec_params(
      "insert into ingest.model_runs (run_id, model, status, duration_ms, error, finished_at) "
      "values ($1, $2, 'skipped', 0, $3, now())",
      run_id, result.name, result.error);
  tx.commit();
}

void finish_own_run(const DatabaseSettings& database, pqxx::connection& used,
                    std::int64_t run_id, const char* status, const std::string& error) {
  try {
    // The run's own connection, unless it was lost (then a new one).
    std::unique_ptr<pqxx::connection> fresh;
    if (!used.is_open()) fresh = internal::connect(database);
    pqxx::work tx(fresh ? *fresh : used);
    tx.exec_params(
        "update ingest.runs set finished_at = now(), status = $2, error = nullif($3, '') "
        "where id = $1",
        run_id, std::string(status), error);
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::warn("could not record the end of run {}: {}", run_id, e.what());
  }
}

// What a model whose build a stop cut short says (ingest.model_runs has no status for it:
// it is `failed` with this error).
std::string interrupted_error(const internal::ModelSpec& spec) {
  return std::string("interrupted: the build was rolled back; the previous ") +
         (spec.materialized == internal::Materialization::Table ? "table" : "view") +
         " is kept";
}

ModelResult build_one(internal::ModelBuilder& builder, pqxx::connection& conn, std::int64_t run_id,
                      const internal::ModelSpec& spec, const std::stop_token& stop) {
  ModelResult result;
  result.name = spec.name;
  const auto started = Clock::now();
  const auto id = record_start(conn, run_id, spec.name);
  auto outcome = builder.build(spec);
  if (!outcome.ok && stop.stop_requested()) {  // its statement was cancelled
    outcome.error = interrupted_error(spec);
    outcome.failure.reset();
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  result.status = outcome.ok ? ModelStatus::Succeeded : ModelStatus::Failed;
  if (outcome.ok) result.rows = outcome.rows;
  if (outcome.ok && spec.materialized == internal::Materialization::Table) {
    result.refresh = outcome.refresh;
  }
  result.error = outcome.error;
  if (outcome.failure) {
    result.failed_test = outcome.failure->test;
    result.failing_rows = outcome.failure->failing_rows;
    result.sample_rows = outcome.failure->sample_rows;
  }
  record_end(conn, id, result);
  return result;
}

// Builds `selected` in order; a model whose dependency failed or was skipped is skipped.
void build_all(pqxx::connection& conn, const internal::Manifest& manifest,
               const std::vector<std::string>& selected, const ModelRunOptions& options,
               ModelRunReport& report) {
  // A stop cancels what runs on the connection (a build, a wait for the lock below), except
  // a swap (the builder disarms it around those).
  internal::StatementCanceller canceller(options.stop);
  canceller.arm(conn);
  {
    pqxx::nontransaction tx(conn);
    if (!tx.exec_params1("select pg_try_advisory_lock($1)", internal::kModelRunLockKey)[0]
             .as<bool>()) {
      spdlog::info("another model run is building on this database; waiting for it to finish");
      tx.exec_params("select pg_advisory_lock($1)", internal::kModelRunLockKey);
    }
  }
  bool reader_role = false;
  {
    pqxx::work tx(conn);
    if (tx.exec_params1("select to_regnamespace($1) is null", manifest.schema)[0].as<bool>()) {
      tx.exec("create schema " + tx.quote_name(manifest.schema));
    }
    reader_role =
        tx.exec1("select exists (select from pg_roles where rolname = 'tributary_reader')")[0]
            .as<bool>();
    tx.commit();
  }
  internal::ModelBuilder builder(conn, manifest, reader_role, options.full_refresh, &canceller);
  std::set<std::string> failed;
  std::set<std::string> skipped;
  for (const auto& name : selected) {
    const auto& spec = *manifest.find(name);
    ModelResult result;
    if (options.stop.stop_requested()) {
      result.name = spec.name;
      result.status = ModelStatus::Skipped;
      result.error = "not built: the run was interrupted";
    }
    for (const auto& dep : spec.depends_on) {
      if (!result.name.empty()) break;
      if (failed.contains(dep) || skipped.contains(dep)) {
        result.name = spec.name;
        result.status = ModelStatus::Skipped;
        result.error =
            "depends on " + dep + ", which " + (failed.contains(dep) ? "failed" : "was skipped");
        break;
      }
    }
    if (result.name.empty()) {
      result = build_one(builder, conn, report.run_id, spec, options.stop);
    } else {
      record_skipped(conn, report.run_id, result);
    }
    result.relation = manifest.schema + "." + spec.name;
    result.materialized = internal::to_string(spec.materialized);
    if (result.status == ModelStatus::Failed) failed.insert(name);
    if (result.status == ModelStatus::Skipped) skipped.insert(name);
    spdlog::debug("model {}: {} {}", name, to_string(result.status), result.error);
    if (options.on_model) options.on_model(result);
    report.models.push_back(std::move(result));
  }
  try {
    if (const auto pruned = internal::prune_change_log(conn); pruned > 0) {
      spdlog::debug("pruned {} consumed row(s) of ingest.changed_event_dates", pruned);
    }
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error& e) {  // the log only grows a little: not a failed run
    spdlog::warn("could not prune ingest.changed_event_dates: {}", e.what());
  }
  canceller.disarm();
  pqxx::nontransaction tx(conn);
  tx.exec_params("select pg_advisory_unlock($1)", internal::kModelRunLockKey);
}

// A backfill's run was closed before its models; a stop during them makes it `cancelled`.
void cancel_load_run(const DatabaseSettings& database, pqxx::connection& used,
                     std::int64_t run_id) {
  try {
    std::unique_ptr<pqxx::connection> fresh;
    if (!used.is_open()) fresh = internal::connect(database);
    pqxx::work tx(fresh ? *fresh : used);
    tx.exec_params(
        "update ingest.runs set status = 'cancelled', error = coalesce(error || '; ', '') || "
        "'interrupted while building the models' where id = $1 and status in ('succeeded', "
        "'partial')",
        run_id);
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::warn("could not record that run {} was interrupted: {}", run_id, e.what());
  }
}

// Where the models are when neither the options nor TRIBUTARY_MODELS_DIR say:
// ./analysis_sql when run from a checkout; else the copy installed beside the executable
// (<prefix>/bin/../share/tributary/analysis_sql); else the source tree this binary was
// built from (a build tree run from elsewhere).
fs::path default_models_dir() {
  const fs::path here = "analysis_sql";
  if (fs::exists(here / "models.yaml")) return here;
  std::error_code error;
  const auto executable = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto installed =
        (executable.parent_path() / ".." / "share/tributary/analysis_sql").lexically_normal();
    if (fs::exists(installed / "models.yaml", error)) return installed;
  }
  return TRIBUTARY_DEFAULT_MODELS_DIR;
}

}  // namespace

const char* to_string(ModelStatus status) {
  switch (status) {
    case ModelStatus::Succeeded:
      return "succeeded";
    case ModelStatus::Failed:
      return "failed";
    case ModelStatus::Skipped:
      return "skipped";
  }
  return "unknown";
}

std::size_t ModelRunReport::count(ModelStatus status) const {
  std::size_t n = 0;
  for (const auto& m : models) n += m.status == status ? 1 : 0;
  return n;
}

fs::path models_manifest_path(const ModelRunOptions& options) {
  std::string where = options.models_dir;
  if (where.empty()) {
    if (const char* env = std::getenv("TRIBUTARY_MODELS_DIR"); env != nullptr) where = env;
  }
  fs::path path = where.empty() ? default_models_dir() : fs::path(where);
  const auto ext = path.extension();
  if ((ext == ".yaml" || ext == ".yml") && !fs::is_directory(path)) return path;
  return path / "models.yaml";
}

ModelRunReport run_models(const Settings& settings, const ModelRunOptions& options) {
  const auto started = Clock::now();
  ModelRunReport report;
  report.manifest = models_manifest_path(options);
  const auto manifest = internal::load_manifest(report.manifest);
  const auto selected = internal::select_models(manifest, options.select);
  auto conn = internal::connect(settings.database);
  if (options.apply_migrations) internal::migrate(*conn, settings.database.describe());

  const bool own_run = !options.run_id.has_value();
  if (own_run) {
    const nlohmann::json arguments = {{"manifest", report.manifest.string()},
                                      {"select", options.select},
                                      {"full_refresh", options.full_refresh}};
    report.run_id = internal::start_run(*conn, "run-models", arguments.dump());
  } else {
    report.run_id = *options.run_id;
  }
  std::optional<internal::RunHeartbeat> heartbeat;
  if (own_run) heartbeat.emplace(settings.database, report.run_id);
  try {
    internal::translate_database_errors("building the models of " + report.manifest.string(), [&] {
      build_all(*conn, manifest, selected, options, report);
    });
  } catch (const std::exception& e) {
    if (!options.stop.stop_requested()) {
      if (own_run) finish_own_run(settings.database, *conn, report.run_id, "failed", e.what());
      throw;
    }
    // A statement outside a build (the wait for the run lock, the bookkeeping) cancelled
    // by the stop: nothing half-done remains, the run is cancelled like any other.
    spdlog::debug("model run interrupted: {}", e.what());
  }
  report.interrupted = options.stop.stop_requested();
  if (report.interrupted) {
    const auto not_built = selected.size() - report.count(ModelStatus::Succeeded);
    if (own_run) {
      finish_own_run(settings.database, *conn, report.run_id, "cancelled",
                     "interrupted: " + std::to_string(not_built) + " model(s) not built");
    } else {
      cancel_load_run(settings.database, *conn, report.run_id);
    }
  } else if (own_run) {
    finish_own_run(settings.database, *conn, report.run_id, report.ok() ? "succeeded" : "partial",
                   {});
  }
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return report;
}

ModelRunReport run_models_after_load(const Settings& settings, std::int64_t run_id,
                                     ModelRunOptions options) {
  options.run_id = run_id;
  options.apply_migrations = false;
  return run_models(settings, options);
}

}  // namespace tributary
