// Incremental models (models.yaml `incremental:`): after one full build, a run deletes and
// rebuilds only the partitions (days or ISO weeks) whose event dates changed since the
// data the table reflects, with the model's tests, in one transaction: readers see the old
// table or the new one, and a failing test rolls the whole step back.
//
// What "changed since" means: each day's transaction logs the event dates it wrote, with
// its transaction id (load/merge_sql.cpp, db/migrations/0008): the new date of every row
// written, and the date its key had in the statement's snapshot. ingest.model_state keeps,
// per model, the snapshot its data reflects; the dates to rebuild are those logged by
// transactions visible in the new snapshot and not in the stored one. A model reading
// public.user_events takes its own transaction's snapshot; a model reading another
// incremental model takes that model's stored snapshot, so it never claims a change its
// input does not hold yet.
//
// Why the old dates from a snapshot are enough: a concurrent day can move a key after the
// merge's snapshot and before its row lock, so the date the row leaves is not the one
// logged. But the runner takes its snapshots only while no day writes (DayWritesPaused,
// db/lock_keys.hpp), and a day holds that lock from before its merge's snapshot to its
// commit. So for each day a new snapshot holds and the stored one does not, the writer
// before it of the same key either committed before that day's merge snapshot (then the
// logged old date is exact) or after the stored snapshot (then it is in the same window,
// and logged the date it moved the row to). Either way the window's log holds every date
// a row left or reached.
#include <algorithm>

#include <pqxx/pqxx>

#include "db/pg_errors.hpp"
#include "runner/build.hpp"
#include "runner/ownership.hpp"

namespace tributary::internal {
namespace {

struct ModelState {
  std::string data_snapshot;
  bool definition_current = false;  ///< built from the same SQL and partitioning
  std::int64_t full_build_id = 0;
  std::optional<std::int64_t> upstream_full_build_id;
  std::optional<std::int64_t> row_count;
};

// What a model's state must have been built from: its SQL, how it is partitioned, and
// what it reads (whose snapshot it follows).
std::string definition_of(const ModelSpec& model) {
  const auto& inc = *model.incremental;
  std::string text = model.sql + "\n-- incremental " + inc.column +
                     (inc.grain == PartitionGrain::Week ? " week" : " day") + "\n-- depends_on";
  for (const auto& d : model.depends_on) text += " " + d;
  return text;
}

// `definition` empty: definition_current is not asked for (an upstream model's state).
std::optional<ModelState> read_state(pqxx::transaction_base& tx, const std::string& model,
                                     const std::string& definition) {
  const auto rows = tx.exec_params(
      "select data_snapshot::text, $2 <> '' and sql_digest = md5($2), full_build_id, "
      "upstream_full_build_id, row_count from ingest.model_state where model = $1",
      model, definition);
  if (rows.empty()) return std::nullopt;
  ModelState state;
  state.data_snapshot = rows[0][0].c_str();
  state.definition_current = rows[0][1].as<bool>();
  state.full_build_id = rows[0][2].as<std::int64_t>();
  if (!rows[0][3].is_null()) state.upstream_full_build_id = rows[0][3].as<std::int64_t>();
  if (!rows[0][4].is_null()) state.row_count = rows[0][4].as<std::int64_t>();
  return state;
}

// `full_build_id` unset: this is a full build, numbered by its transaction id.
void write_state(pqxx::transaction_base& tx, const std::string& model,
                 const std::string& definition, const std::string& snapshot,
                 std::optional<std::int64_t> full_build_id,
                 std::optional<std::int64_t> upstream_full_build_id,
                 std::optional<std::int64_t> row_count) {
  tx.exec_params(
      "insert into ingest.model_state as s (model, data_snapshot, sql_digest, full_build_id, "
      "upstream_full_build_id, row_count, built_at) "
      "values ($1, $2::pg_snapshot, md5($3), coalesce($4, pg_current_xact_id()::text::bigint), "
      "$5, $6, now()) "
      "on conflict (model) do update set data_snapshot = excluded.data_snapshot, "
      "sql_digest = excluded.sql_digest, full_build_id = excluded.full_build_id, "
      "upstream_full_build_id = excluded.upstream_full_build_id, "
      "row_count = excluded.row_count, built_at = excluded.built_at",
      model, snapshot, definition, full_build_id, upstream_full_build_id, row_count);
}

// The partition a logged event date belongs to, as SQL over `event_date`.
std::string partition_of_event_date(PartitionGrain grain) {
  return grain == PartitionGrain::Week
             ? "event_date - (extract(isodow from event_date)::integer - 1)"
             : "event_date";
}

}  // namespace

std::string ModelBuilder::state_key(const std::string& model) const {
  return manifest_.schema + "." + model;
}

void ModelBuilder::forget_state(const ModelSpec& model) {
  pqxx::work tx(conn_);
  tx.exec_params("delete from ingest.model_state where model = $1", state_key(model.name));
  tx.commit();
}

BuildOutcome ModelBuilder::build_incremental(const ModelSpec& model) {
  const auto& inc = *model.incremental;
  const auto definition = definition_of(model);
  const auto target = relation(model.name);
  const auto key = state_key(model.name);
  BuildOutcome outcome;

  // Repeatable read: the change log, the sources and the stored snapshot are read at one
  // moment, which the new state records — taken while no day writes (the unlock is the
  // transaction's first statement).
  DayWritesPaused paused(conn_);
  pqxx::transaction<pqxx::repeatable_read> tx(conn_);
  paused.release(tx);
  const auto state = read_state(tx, key, definition);
  std::optional<ModelState> upstream;
  if (!model.depends_on.empty()) {
    upstream = read_state(tx, state_key(model.depends_on.front()), {});
  }
  // Writing in place needs the table to be the runner's as much as replacing it does.
  require_replaceable(tx, manifest_.schema, model.name);
  const bool exists = relation_kind(tx, manifest_.schema, model.name) == 'r';
  if (exists) {
    // `column = any(date[])` on another type would compare through casts (a timestamptz
    // through the session's time zone) and miss rows.
    const auto type =
        tx.exec_params1(
              "select coalesce((select format_type(atttypid, atttypmod) from pg_attribute where "
              "attrelid = $1::regclass and attname = $2 and not attisdropped), 'missing')",
              target, inc.column)[0]
            .as<std::string>();
    if (type != "date") {
      outcome.error = "incremental column " + inc.column + " of " + model.name + " is " + type +
                      ", not date (models.yaml: incremental needs a date column)";
      return outcome;
    }
  }
  bool full = full_refresh_ || !state || !state->definition_current || !exists;
  if (!full && !model.depends_on.empty()) {
    full = !upstream || upstream->full_build_id != state->upstream_full_build_id;
  }

  std::string snapshot;
  std::string partitions;  // a date[] literal
  std::int64_t partition_count = 0;
  if (!full) {
    snapshot = upstream ? upstream->data_snapshot
                        : std::string(tx.exec1("select pg_current_snapshot()::text")[0].c_str());
    const auto pending =
        tx.exec_params1("select coalesce(array_agg(distinct " + partition_of_event_date(inc.grain) +
                            ") filter (where event_date is not null), '{}')::text, "
                            "coalesce(bool_or(event_date is null), false) "
                            "from ingest.changed_event_dates "
                            "where pg_visible_in_snapshot(changed_by, $1::pg_snapshot) "
                            "and not pg_visible_in_snapshot(changed_by, $2::pg_snapshot)",
                        snapshot, state->data_snapshot);
    partitions = pending[0].c_str();
    full = pending[1].as<bool>();  // user_events was truncated: everything changed
    if (!full) {
      partition_count =
          tx.exec_params1("select cardinality($1::date[])", partitions)[0].as<std::int64_t>();
    }
  }

  if (full) {
    tx.abort();
    std::string own_snapshot;
    outcome = build_table(model, &own_snapshot);
    if (!outcome.ok) return outcome;
    pqxx::work record(conn_);
    write_state(record, key, definition, upstream ? upstream->data_snapshot : own_snapshot,
                std::nullopt,
                upstream ? std::optional<std::int64_t>(upstream->full_build_id) : std::nullopt,
                outcome.rows);
    record.commit();
    return outcome;
  }

  if (partition_count == 0) {
    write_state(tx, key, definition, snapshot, state->full_build_id, state->upstream_full_build_id,
                state->row_count);
    tx.commit();
    outcome.ok = true;
    outcome.rows = state->row_count;
    outcome.refresh = "unchanged";
    return outcome;
  }

  const auto in_partitions =
      tx.quote_name(inc.column) + " = any(" + tx.quote(partitions) + "::date[])";
  const auto deleted = tx.exec("delete from " + target + " where " + in_partitions).affected_rows();
  std::int64_t inserted = 0;
  try {
    pqxx::subtransaction insert(tx, "incremental_insert");
    inserted = static_cast<std::int64_t>(
        insert
            .exec("insert into " + target + " select * from (\n" + model.sql +
                  "\n) as incremental_source where incremental_source." + in_partitions)
            .affected_rows());
    insert.commit();
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error& e) {
    outcome.error =
        "SQL of " + model.sql_file.filename().string() + " failed: " + explain_pg_error(e);
    return outcome;  // rolled back: the table is untouched
  }

  // The rebuilt partitions are what changed; a uniqueness across partitions (a key without
  // the partition column) is checked on the whole table.
  const auto changed = "(select * from " + target + " where " + in_partitions + ") as changed";
  for (const auto& test : model.tests) {
    const bool whole =
        test.kind == DataTestKind::Unique &&
        std::find(test.columns.begin(), test.columns.end(), inc.column) == test.columns.end();
    if (auto failure = run_data_tests(tx, whole ? target : changed, {test})) {
      outcome.error = failure->message();
      outcome.failure = std::move(failure);
      return outcome;  // rolled back: the table is untouched
    }
  }

  const std::int64_t rows = state->row_count
                                ? *state->row_count - static_cast<std::int64_t>(deleted) + inserted
                                : tx.exec1("select count(*) from " + target)[0].as<std::int64_t>();
  write_state(tx, key, definition, snapshot, state->full_build_id, state->upstream_full_build_id,
              rows);
  tx.commit();
  outcome.ok = true;
  outcome.rows = rows;
  outcome.refresh = "incremental (" + std::to_string(partition_count) +
                    (partition_count == 1 ? " partition)" : " partitions)");
  return outcome;
}

std::int64_t prune_change_log(pqxx::connection& conn) {
  pqxx::work tx(conn);
  // A row goes once every model with a state (in any schema or manifest) has consumed it.
  // A model built in full loses its state (ModelBuilder::forget_state) and needs no log.
  const auto pruned = tx.exec(
                            "delete from ingest.changed_event_dates c where not exists ("
                            "select from ingest.model_state s "
                            "where not pg_visible_in_snapshot(c.changed_by, s.data_snapshot))")
                          .affected_rows();
  tx.commit();
  return static_cast<std::int64_t>(pruned);
}

}  // namespace tributary::internal
