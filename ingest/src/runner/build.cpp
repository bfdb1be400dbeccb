// Building one model: the table or view under a temporary name, its indexes, comments and
// data tests. The swap that makes it visible is in model_swap.cpp.
#include "runner/build.hpp"

#include <algorithm>

#include "common/text.hpp"
#include "db/lock_keys.hpp"
#include "db/pg_errors.hpp"
#include "runner/ownership.hpp"
#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

constexpr std::size_t kMaxIdentifier = 63;

// Columns that models.yaml documents but the built relation lacks.
std::vector<std::string> missing_columns(pqxx::transaction_base& tx, const std::string& relation,
                                         const ModelSpec& model) {
  const auto rows = tx.exec_params(
      "select attname::text from pg_attribute "
      "where attrelid = $1::regclass and attnum > 0 and not attisdropped",
      relation);
  std::vector<std::string> present;
  for (const auto& row : rows) present.push_back(row[0].c_str());
  std::vector<std::string> missing;
  for (const auto& c : model.columns) {
    if (std::find(present.begin(), present.end(), c.name) == present.end()) {
      missing.push_back(c.name);
    }
  }
  return missing;
}

}  // namespace

std::string building_name(const std::string& model) { return model + kBuildingSuffix; }
std::string previous_name(const std::string& model) { return model + kPreviousSuffix; }

std::string index_name(const std::string& model, std::size_t position,
                       const std::vector<std::string>& columns, bool building) {
  if (building) return building_name(model) + "_" + std::to_string(position) + "_idx";
  auto name = model + "_" + join(columns, "_");
  name = name.substr(0, kMaxIdentifier - 4);
  return name + "_idx";
}

char relation_kind(pqxx::transaction_base& tx, const std::string& schema, const std::string& name) {
  const auto rows = tx.exec_params(
      "select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace "
      "where n.nspname = $1 and c.relname = $2",
      schema, name);
  if (rows.empty()) return 0;
  return rows[0][0].c_str()[0];
}

ModelBuilder::ModelBuilder(pqxx::connection& conn, const Manifest& manifest, bool grant_to_reader,
                           bool full_refresh, StatementCanceller* canceller)
    : conn_(conn),
      manifest_(manifest),
      grant_to_reader_(grant_to_reader),
      full_refresh_(full_refresh),
      canceller_(canceller) {}

std::string ModelBuilder::relation(const std::string& name) const {
  return conn_.quote_name(manifest_.schema) + "." + conn_.quote_name(name);
}

BuildOutcome ModelBuilder::build(const ModelSpec& model) {
  try {
    // Every name the build may replace, rename or drop; checked again where it does.
    std::vector<std::string> names = {model.name, building_name(model.name)};
    if (model.materialized == Materialization::Table) names.push_back(previous_name(model.name));
    {
      pqxx::work tx(conn_);
      if (auto foreign = first_foreign(tx, manifest_.schema, names); !foreign.empty()) {
        BuildOutcome outcome;
        outcome.error = std::move(foreign);
        return outcome;
      }
    }
    if (model.materialized == Materialization::View) return build_view(model);
    if (model.incremental) return build_incremental(model);
    auto outcome = build_table(model);
    if (outcome.ok) forget_state(model);
    return outcome;
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseError(
        "building model " + model.name + ": lost the database connection: " + e.what(), "08006");
  } catch (const pqxx::sql_error& e) {
    BuildOutcome outcome;
    outcome.error = explain_pg_error(e);
    return outcome;
  } catch (const ForeignRelationError& e) {  // taken since the check above
    BuildOutcome outcome;
    outcome.error = e.what();
    return outcome;
  }
}

DayWritesPaused::DayWritesPaused(pqxx::connection& conn) : conn_(conn) {
  try {
    pqxx::work tx(conn_);
    tx.exec("set local lock_timeout = '60s'");
    tx.exec_params("select pg_advisory_lock($1)", kChangeLogLockKey);  // outlives tx
    held_ = true;  // from here the destructor must let go, even if the commit fails
    tx.commit();
  } catch (const pqxx::sql_error& e) {
    release_if_held();
    if (classify(e) != PgErrorKind::LockConflict) throw;
    throw DatabaseError(
        "day loads kept writing public.user_events for 60 s: the models cannot take a "
        "consistent snapshot of it now; run the models again when the loads are done");
  }
}

DayWritesPaused::~DayWritesPaused() { release_if_held(); }

void DayWritesPaused::release_if_held() {
  if (!held_) return;
  held_ = false;
  try {
    pqxx::nontransaction tx(conn_);
    tx.exec_params("select pg_advisory_unlock($1)", kChangeLogLockKey);
  } catch (const std::exception&) {
    // The connection is gone, and the session's lock with it.
  }
}

void DayWritesPaused::release(pqxx::transaction_base& tx) {
  tx.exec_params("select pg_advisory_unlock($1)", kChangeLogLockKey);
  held_ = false;
}

BuildOutcome ModelBuilder::build_table(const ModelSpec& model, std::string* data_snapshot) {
  BuildOutcome outcome;
  const auto building = relation(building_name(model.name));
  std::optional<DayWritesPaused> paused;
  if (data_snapshot != nullptr) paused.emplace(conn_);
  {
    pqxx::work tx(conn_);
    drop_relation(tx, manifest_.schema, building_name(model.name));  // left by a crash
    // Taken before the SELECT runs, so it never claims a change the table does not hold
    // (one it already holds may be rebuilt once more: harmless), and while no day writes.
    if (data_snapshot != nullptr) {
      *data_snapshot = tx.exec1("select pg_current_snapshot()::text")[0].c_str();
      paused->release(tx);
    }
    try {
      const auto created = tx.exec("create table " + building + " as\n" + model.sql + "\n");
      outcome.rows = created.affected_rows();
    } catch (const pqxx::sql_error& e) {
      outcome.error =
          "SQL of " + model.sql_file.filename().string() + " failed: " + explain_pg_error(e);
      return outcome;  // rolled back: nothing was created
    }
    record_created(tx, manifest_.schema, building_name(model.name), 'r');
    if (const auto missing = missing_columns(tx, building, model); !missing.empty()) {
      outcome.error =
          "models.yaml documents columns the SQL does not return: " + join(missing, ", ");
      return outcome;
    }
    for (std::size_t i = 0; i < model.indexes.size(); ++i) {
      std::string sql = "create index ";
      sql.append(tx.quote_name(index_name(model.name, i, model.indexes[i], true)))
          .append(" on ")
          .append(building)
          .append(" (");
      for (std::size_t c = 0; c < model.indexes[i].size(); ++c) {
        sql.append(c == 0 ? "" : ", ").append(tx.quote_name(model.indexes[i][c]));
      }
      tx.exec(sql.append(")"));
    }
    describe(tx, building, model);
    tx.exec("analyze " + building);
    if (auto failure = run_data_tests(tx, building, model.tests)) {
      outcome.error = failure->message();
      outcome.failure = std::move(failure);
      return outcome;  // rolled back: the previous table is untouched
    }
    tx.commit();
  }
  try {
    swap_table(model);
    outcome.ok = true;
    return outcome;
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::sql_error& e) {
    outcome.error = "swapping in the new table failed: " + explain_pg_error(e);
    if (sqlstate_of(e) == "2BP01") {
      outcome.error +=
          " (a view outside models.yaml reads it: drop that view or add it to "
          "models.yaml)";
    }
  } catch (const ForeignRelationError& e) {
    outcome.error = e.what();
  }
  pqxx::work cleanup(conn_);
  drop_relation(cleanup, manifest_.schema, building_name(model.name));
  cleanup.commit();
  outcome.rows.reset();
  return outcome;
}

BuildOutcome ModelBuilder::build_view(const ModelSpec& model) {
  BuildOutcome outcome;
  const auto building = relation(building_name(model.name));
  {
    // Tests run on a temporary view in a transaction that is always rolled back.
    pqxx::work tx(conn_);
    drop_relation(tx, manifest_.schema, building_name(model.name));
    try {
      tx.exec("create view " + building + " as\n" + model.sql + "\n");
    } catch (const pqxx::sql_error& e) {
      outcome.error =
          "SQL of " + model.sql_file.filename().string() + " failed: " + explain_pg_error(e);
      return outcome;
    }
    if (const auto missing = missing_columns(tx, building, model); !missing.empty()) {
      outcome.error =
          "models.yaml documents columns the SQL does not return: " + join(missing, ", ");
      return outcome;
    }
    if (auto failure = run_data_tests(tx, building, model.tests)) {
      outcome.error = failure->message();
      outcome.failure = std::move(failure);
      return outcome;
    }
  }
  replace_view(model);
  outcome.ok = true;
  return outcome;
}

void ModelBuilder::describe(pqxx::transaction_base& tx, const std::string& relation,
                            const ModelSpec& model) {
  // COMMENT takes no parameters: the text goes in as a quoted literal.
  const char* kind = model.materialized == Materialization::Table ? "table" : "view";
  if (!model.description.empty()) {
    tx.exec(std::string("comment on ") + kind + " " + relation + " is " +
            tx.quote(model.description));
  }
  for (const auto& c : model.columns) {
    if (c.description.empty()) continue;
    tx.exec("comment on column " + relation + "." + tx.quote_name(c.name) + " is " +
            tx.quote(c.description));
  }
  if (grant_to_reader_) tx.exec("grant select on " + relation + " to tributary_reader");
}

std::vector<const ModelSpec*> ModelBuilder::dependent_views(const ModelSpec& model) const {
  std::vector<std::string> reached = {model.name};
  std::vector<const ModelSpec*> views;
  for (const auto& m : manifest_.models) {  // build order: dependencies come first
    if (m.materialized != Materialization::View) continue;
    const bool reads = std::any_of(m.depends_on.begin(), m.depends_on.end(), [&](const auto& d) {
      return std::find(reached.begin(), reached.end(), d) != reached.end();
    });
    if (reads) {
      reached.push_back(m.name);
      views.push_back(&m);
    }
  }
  return views;
}

}  // namespace tributary::internal
