#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tributary::internal {

/// How a model is kept in the warehouse.
enum class Materialization {
  Table,  ///< built under a temporary name, tested, then swapped in
  View,   ///< `create or replace view`, after its tests passed on a temporary view
};

/// `table` or `view`.
const char* to_string(Materialization materialization);

/// The kinds of data test a model may declare in models.yaml.
enum class DataTestKind {
  NotNull,         ///< no row has NULL in any of `columns`
  Unique,          ///< no two rows share the values of `columns` (NULLs compare equal)
  AcceptedValues,  ///< the column's non-NULL values, as text, are all in `values`
  Expression,      ///< every row satisfies `expression` (false and NULL both fail)
};

/// One data test, run against the freshly built relation before it replaces the old one.
struct DataTest {
  DataTestKind kind = DataTestKind::NotNull;
  std::vector<std::string> columns;  ///< not_null, unique: the columns; accepted_values: one
  std::vector<std::string> values;   ///< accepted_values: the allowed values, as text
  std::string expression;            ///< expression: a boolean SQL expression over one row

  /// How reports name it: `not_null(user_id)`, `unique(week_start, user_id)`,
  /// `accepted_values(days_covered)`, `expression(events > 0)`.
  std::string name() const;
};

/// How the partitions of an incremental model relate to event dates.
enum class PartitionGrain {
  Day,   ///< the partition column holds the event date itself
  Week,  ///< the partition column holds the Monday of the event date's ISO week
};

/// models.yaml `incremental: {column: C, grain: day|week}` of a table model: after the first
/// (full) build, a run rebuilds only the partitions whose event dates changed since.
struct IncrementalSpec {
  std::string column;  ///< a date column of the model
  PartitionGrain grain = PartitionGrain::Day;
};

/// A column of a model, as documented in models.yaml.
struct ColumnSpec {
  std::string name;
  std::string description;  ///< becomes COMMENT ON COLUMN; empty: no comment
};

/// One model of the manifest.
struct ModelSpec {
  std::string name;  ///< plain SQL identifier, also the relation's name
  std::filesystem::path sql_file;
  std::string sql;  ///< the SELECT, without trailing `;` and whitespace
  Materialization materialized = Materialization::Table;
  std::vector<std::string> depends_on;
  std::string description;  ///< becomes COMMENT ON TABLE/VIEW
  std::vector<ColumnSpec> columns;
  std::vector<DataTest> tests;  ///< column tests first (column order), then model tests
  std::vector<std::vector<std::string>> indexes;  ///< one column list per index
  std::optional<IncrementalSpec> incremental;     ///< tables only; absent: always full
};

/// A validated models.yaml: every dependency known, no cycle, every SQL file read.
struct Manifest {
  std::filesystem::path file;
  std::string schema = "analytics";  ///< plain identifier the models are built in
  std::vector<ModelSpec> models;     ///< in build order (see `build_order`)

  /// The model named `name`, or nullptr.
  const ModelSpec* find(const std::string& name) const;
};

/// The suffix of the name a table model is built under before the swap.
inline constexpr const char* kBuildingSuffix = "__building";
/// The suffix of the name the old table has during the swap.
inline constexpr const char* kPreviousSuffix = "__previous";

/// True for a lower-case unquoted SQL identifier: `[a-z_][a-z0-9_]*`, at most 63 bytes.
bool is_plain_identifier(const std::string& text);

/// Why `schema` cannot hold models, or "" when it can: not a plain identifier, or a schema
/// holding the project's or Postgres' own tables (public, ingest, information_schema, pg_*,
/// compared as Postgres folds unquoted names).
std::string schema_problem(const std::string& schema);

/// Why `name` cannot name a model, or "" when it can: not a plain identifier of at most 48
/// characters, or ending in a suffix reserved for the runner's temporary tables.
std::string model_name_problem(const std::string& name);

/// Why a model `name` cannot be built in `schema`, or "" when it can: the name of one of the
/// analysts' status views of the migrations (analytics.load_status, analytics.model_status,
/// analytics.rejection_reasons).
std::string taken_name_problem(const std::string& schema, const std::string& name);

/// Reads and validates the manifest at `file`; SQL files are resolved against its folder.
/// Throws ConfigError listing every problem (unknown key, unknown dependency, cycle,
/// missing SQL file, duplicate name, unknown test kind, bad materialization), each naming
/// the model and what is wrong.
Manifest load_manifest(const std::filesystem::path& file);

/// The names of `models` ordered so that each comes after its dependencies; among models
/// whose dependencies are all placed, manifest order wins (a stable order). Throws
/// ConfigError on an unknown dependency or a cycle (`a -> b -> a`).
std::vector<std::string> build_order(const std::vector<ModelSpec>& models);

}  // namespace tributary::internal
