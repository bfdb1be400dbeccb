#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "db/statement_canceller.hpp"
#include "runner/data_tests.hpp"
#include "runner/manifest.hpp"

namespace tributary::internal {

/// How building one model went (bookkeeping is the runner's).
struct BuildOutcome {
  bool ok = false;
  std::optional<std::int64_t> rows;        ///< rows of the new table (tables only)
  std::string error;                       ///< why it failed, one line
  std::optional<DataTestFailure> failure;  ///< the data test that failed, if one did
  /// How the table was brought up to date: `full`, `incremental (N partitions)`, or
  /// `unchanged` (an incremental model with nothing to rebuild).
  std::string refresh = "full";
};

/// Builds the models of one manifest, one at a time, on a connection the caller owns.
/// A table is built as `<name>__building` (indexes, comments, grants, tests in the same
/// transaction, so a failure leaves nothing behind), then swapped in by renames in a
/// second, short transaction; a view is tested as a temporary view, then replaced. Only
/// relations the runner created are ever replaced, renamed or dropped (model_ownership):
/// a model whose names are taken by anything else fails and leaves it untouched.
class ModelBuilder {
 public:
  /// `manifest` must outlive the builder; `grant_to_reader`: also grant SELECT on each new
  /// relation to tributary_reader (on top of the schema's default privileges);
  /// `full_refresh`: build incremental models in full too; `canceller`, when given, is
  /// disarmed during each swap transaction and armed again after it (a stop never cancels
  /// a swap).
  ModelBuilder(pqxx::connection& conn, const Manifest& manifest, bool grant_to_reader,
               bool full_refresh = false, StatementCanceller* canceller = nullptr);

  /// Builds, tests and swaps in `model`. A failing SQL or test, or a name taken by a
  /// relation the runner did not create, is a value; a lost connection throws DatabaseError.
  BuildOutcome build(const ModelSpec& model);

  /// `"schema"."name"` of the manifest's schema.
  std::string relation(const std::string& name) const;

 private:
  /// `data_snapshot`: when set, receives the snapshot (pg_snapshot as text) taken before
  /// the model's SELECT ran, for incremental bookkeeping.
  BuildOutcome build_table(const ModelSpec& model, std::string* data_snapshot = nullptr);
  // model_incremental.cpp: only the partitions whose event dates changed, in place, in one
  // transaction (tests included); a full build when there is no usable state.
  BuildOutcome build_incremental(const ModelSpec& model);
  // `schema.name`: a model's row in ingest.model_state.
  std::string state_key(const std::string& model) const;
  // A table built without incremental bookkeeping drops its state: were it incremental
  // again later, the log it would need may have been pruned meanwhile.
  void forget_state(const ModelSpec& model);
  BuildOutcome build_view(const ModelSpec& model);
  // model_swap.cpp: the short transactions that make a build visible.
  void swap_table(const ModelSpec& model);
  void replace_view(const ModelSpec& model);
  void with_lock_retries(const std::string& what, const std::function<void(pqxx::work&)>& work);
  // COMMENT ON the relation and its columns, and the reader grant.
  void describe(pqxx::transaction_base& tx, const std::string& relation, const ModelSpec& model);
  // Manifest views that read `model` (through views only), in build order.
  std::vector<const ModelSpec*> dependent_views(const ModelSpec& model) const;

  pqxx::connection& conn_;
  const Manifest& manifest_;
  bool grant_to_reader_;
  bool full_refresh_;
  StatementCanceller* canceller_;
};

/// Keeps day loads from writing public.user_events while the runner takes the snapshot its
/// models will reflect: takes kChangeLogLockKey exclusively (session level; it waits for
/// the days writing now, at most 60 s, and day writes wait for it) until release(), which
/// must run inside the transaction right after that snapshot is taken. In a
/// repeatable-read transaction, release() may itself be the first statement: its snapshot
/// is the transaction's. Released by the destructor when release() never ran.
class DayWritesPaused {
 public:
  explicit DayWritesPaused(pqxx::connection& conn);
  ~DayWritesPaused();
  DayWritesPaused(const DayWritesPaused&) = delete;
  DayWritesPaused& operator=(const DayWritesPaused&) = delete;
  void release(pqxx::transaction_base& tx);

 private:
  void release_if_held();  // on a connection with no transaction open
  pqxx::connection& conn_;
  bool held_ = false;
};

/// Deletes the logged event-date changes every incremental model has consumed
/// (ingest.changed_event_dates); returns how many rows went.
std::int64_t prune_change_log(pqxx::connection& conn);

/// `r` (table), `v` (view), another pg_class relkind, or 0 when nothing has that name.
char relation_kind(pqxx::transaction_base& tx, const std::string& schema, const std::string& name);

/// `<name>__building`: where a model is built before the swap.
std::string building_name(const std::string& model);
/// `<name>__previous`: the old table during the swap (never outlives it).
std::string previous_name(const std::string& model);
/// The name of a model's index `position` while building, and once swapped in.
std::string index_name(const std::string& model, std::size_t position,
                       const std::vector<std::string>& columns, bool building);

}  // namespace tributary::internal
