#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "tributary/settings.hpp"

namespace tributary {

/// How one model's build ended.
enum class ModelStatus {
  Succeeded,  ///< built, tested and swapped in (tables) or replaced (views)
  Failed,     ///< its SQL or a test failed, or its name is held by a relation the runner
              ///< did not create: the previous relation is untouched
  Skipped,    ///< not built because a model it depends on failed or was skipped
};

/// `succeeded`, `failed`, `skipped` (as in ingest.model_runs).
const char* to_string(ModelStatus status);

/// The outcome of one model: a value, never an exception.
struct ModelResult {
  std::string name;          ///< the model, e.g. `weekly_engagement`
  std::string relation;      ///< where it lives, e.g. `analytics.weekly_engagement`
  std::string materialized;  ///< `table` or `view`
  ModelStatus status = ModelStatus::Skipped;
  std::optional<std::int64_t> rows;  ///< rows of the new table; unset for views and failures
  std::chrono::milliseconds duration{0};
  std::string error;                     ///< why it failed or was skipped (empty on success)
  std::string failed_test;               ///< the data test that failed, e.g. `not_null(user_id)`
  std::int64_t failing_rows = 0;         ///< how many rows broke `failed_test`
  std::vector<std::string> sample_rows;  ///< up to 5 of them, `column=value, ...`
  /// How a table was brought up to date: `full`, `incremental (N partitions)` or
  /// `unchanged` (an incremental model whose event dates did not change); empty otherwise.
  std::string refresh;
};

/// The outcome of a `run-models`.
struct ModelRunReport {
  std::int64_t run_id = 0;          ///< the ingest.runs row the builds are recorded under
  std::filesystem::path manifest;   ///< the models.yaml that was used
  std::vector<ModelResult> models;  ///< in build order
  std::chrono::milliseconds duration{0};
  /// A stop was requested (ModelRunOptions::stop): the model building then was rolled back
  /// (Failed, error `interrupted: ...`, its previous relation kept) unless its swap was
  /// already in its transaction (which completes), and the models after it are Skipped.
  bool interrupted = false;

  /// Models with `status`.
  std::size_t count(ModelStatus status) const;
  /// True when every model succeeded.
  bool ok() const { return count(ModelStatus::Succeeded) == models.size(); }
};

/// What a model run does.
struct ModelRunOptions {
  /// The folder holding models.yaml, or the manifest file itself. Empty: the environment
  /// variable TRIBUTARY_MODELS_DIR, else `analysis_sql` in the working directory when it
  /// holds models.yaml, else the installed models (`../share/tributary/analysis_sql` from
  /// the running executable's folder), else those of the source tree it was built from.
  std::string models_dir;
  /// dbt's selectors, each item one or several separated by spaces (a union): `NAME` that
  /// model, `+NAME` it and every model it depends on (transitively), `NAME+` it and every
  /// model depending on it, `+NAME+` both, `N+NAME` / `NAME+N` only N levels, `@NAME` it,
  /// its descendants and all their ancestors. Empty: every model. Models left out are
  /// neither built nor checked. Always built in dependency order.
  std::vector<std::string> select;
  /// Record the builds under this ingest.runs row (a backfill's). Unset: the run writes its
  /// own `run-models` row.
  std::optional<std::int64_t> run_id;
  /// Apply the migrations first (off when the caller just did).
  bool apply_migrations = true;
  /// Build incremental models in full as well (after a change the change log cannot show,
  /// or to check that the incremental tables equal a full build).
  bool full_refresh = false;
  /// Called after each model (built, failed or skipped), from the calling thread.
  std::function<void(const ModelResult&)> on_model;
  /// A stop request ends the run cleanly: the running statement of the model being built
  /// is cancelled (its build rolls back; nothing of it remains), a swap already in its
  /// transaction completes, no further model is built. The run's `ingest.runs` row (its
  /// own, or the backfill's given as run_id) is recorded `cancelled`.
  std::stop_token stop;
};

/// The manifest `options` point at (see ModelRunOptions::models_dir).
std::filesystem::path models_manifest_path(const ModelRunOptions& options);

/// A model as its manifest declares it, for listings (`tributary models`).
struct ModelInfo {
  std::string name;                     ///< e.g. `weekly_summary`
  std::string relation;                 ///< where it is built, e.g. `analytics.weekly_summary`
  std::string materialized;             ///< `table` or `view`
  std::string incremental_column;       ///< an incremental table's partition column; else empty
  std::string incremental_grain;        ///< `day` or `week` for an incremental table; else empty
  std::vector<std::string> depends_on;  ///< the models it reads, as declared
  std::string description;              ///< the manifest's description, whole
  std::vector<std::string> columns;     ///< the documented columns
  std::vector<std::string> tests;       ///< its data tests, e.g. `not_null(user_id)`
};

/// What a model run with the same options would build, without touching the database.
struct ModelPlan {
  std::filesystem::path manifest;  ///< the models.yaml read
  std::string schema;              ///< the schema the models are built in
  std::size_t total = 0;           ///< models in the manifest, selected or not
  std::vector<ModelInfo> models;   ///< the selected ones, in build order
};

/// Reads the manifest of `options` and applies `options.select`, as run_models would, but
/// connects to nothing. Throws ConfigError for a bad manifest or selection.
ModelPlan plan_models(const ModelRunOptions& options);

/// How a model's builds went, as analytics.model_status shows it (`tributary models
/// --status`).
struct ModelBuildStatus {
  std::string model;
  /// The latest attempt: `succeeded`, `failed`, `skipped`, `running` or `interrupted`.
  std::string status;
  std::optional<std::chrono::sys_seconds> last_built_at;  ///< latest success; unset: never
  std::optional<std::int64_t> rows;  ///< rows after the latest success; unset for views
  std::string refresh;               ///< `full`, `incremental` or `unchanged`; empty: never
  std::string last_error;            ///< the latest attempt's error, first line; else empty
};

/// One entry per model ever built on `database`, by model name. Reads only (no migration:
/// a database never migrated gives an empty list). Throws DatabaseError.
std::vector<ModelBuildStatus> model_build_statuses(const DatabaseSettings& database);

/// Builds the models of the manifest into their schema (docs/models.md), in dependency
/// order, one at a time: a table is built under a temporary name, indexed, commented and
/// tested, then swapped in by renames in one short transaction (lock_timeout 2s, retried),
/// so readers only ever see a complete table; a view is tested on a temporary view, then
/// `create or replace view`. An incremental table (models.yaml `incremental:`) is built in
/// full once; later runs delete and rebuild only the days or weeks whose event dates
/// changed (ingest.changed_event_dates), with its tests, in one transaction. A failing
/// model keeps its previous relation and its dependants are skipped; every model is
/// recorded in ingest.model_runs. The runner replaces, renames, drops and writes only
/// relations it created (recorded in ingest.model_relations): a model whose name is held
/// by anything else fails and leaves it as it is. Two runs on one database take turns
/// (advisory lock). Throws ConfigError for a bad manifest or selection (nothing is built;
/// schemas public, ingest, information_schema and pg_* are refused) and DatabaseError when
/// the database cannot be reached.
ModelRunReport run_models(const Settings& settings, const ModelRunOptions& options = {});

/// For a pipeline that has just loaded days under `run_id` (backfill-month): runs every
/// model (or `options.select`) recording them under that run, without migrating again.
/// Loaded days are never touched: a failing model only shows in the report. Throws like
/// run_models.
ModelRunReport run_models_after_load(const Settings& settings, std::int64_t run_id,
                                     ModelRunOptions options = {});

}  // namespace tributary
