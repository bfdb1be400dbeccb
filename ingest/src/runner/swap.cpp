// Making a build visible: one short transaction with a lock timeout, retried when a reader
// holds the relation. Readers see the old table until COMMIT and the new one after it,
// never anything in between (a query blocked on the old table re-resolves the name once it
// gets its lock, and finds the new one).
#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/retry.hpp"
#include "db/pg_errors.hpp"
#include "runner/build.hpp"
#include "runner/ownership.hpp"

namespace tributary::internal {
namespace {

// Five tries, 250 ms more pause after each failed one (250, 500, 750, 1000 ms).
constexpr RetryPolicy kSwapRetry{.attempts = 5,
                                 .base = std::chrono::milliseconds{250},
                                 .growth = RetryPolicy::Growth::Linear};


}  // namespace

void ModelBuilder::with_lock_retries(const std::string& what,
                                     const std::function<void(pqxx::work&)>& work) {
  // A stop requested meanwhile does not cancel the swap: it completes (or fails) as a whole.
  struct Uncancellable {
    StatementCanceller* canceller;
    pqxx::connection& conn;
    ~Uncancellable() {
      if (canceller != nullptr) canceller->arm(conn);
    }
  } uncancellable{canceller_, conn_};
  if (canceller_ != nullptr) canceller_->disarm();
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::work tx(conn_);
      tx.exec("set local lock_timeout = '2s'");
      work(tx);
      tx.commit();
      return;
    } catch (const pqxx::failure& e) {
      // A lock timeout or a deadlock; libpqxx 6.4 throws the latter outside sql_error.
      if (classify(e) != PgErrorKind::LockConflict || !kSwapRetry.retries_after(attempt)) throw;
      const std::string message = e.what();
      spdlog::warn("{}: {} (attempt {} of {}), retrying", what,
                   message.substr(0, message.find('\n')), attempt, kSwapRetry.attempts);
      std::this_thread::sleep_for(kSwapRetry.delay(attempt));
    }
  }
}

void ModelBuilder::swap_table(const ModelSpec& model) {
  const auto& schema = manifest_.schema;
  const auto views = dependent_views(model);
  const auto building = building_name(model.name);
  const auto previous = previous_name(model.name);
  with_lock_retries("swapping in " + relation(model.name), [&](pqxx::work& tx) {
    // Only relations the runner created are renamed or dropped (checked here, in the
    // transaction that does it): anything else throws ForeignRelationError.
    require_replaceable(tx, schema, model.name);
    require_replaceable(tx, schema, previous);
    const char old_kind = relation_kind(tx, schema, model.name);
    if (old_kind == 'r') {
      tx.exec("alter table " + relation(model.name) + " rename to " + tx.quote_name(previous));
      record_renamed(tx, schema, model.name, previous);
    }
    // Views of the manifest that read the old table are bound to it: drop them now and
    // create them again over the new table below, in this same transaction. A view of that
    // name the runner did not create is left alone (if it reads the old table, dropping
    // that table fails below and the model keeps it).
    std::vector<const ModelSpec*> recreate;
    for (const auto* view : views) {
      if (relation_kind(tx, schema, view->name) == 'v' &&
          ownership_of(tx, schema, view->name) == Ownership::Own) {
        recreate.push_back(view);
      }
    }
    for (auto it = recreate.rbegin(); it != recreate.rend(); ++it) {
      tx.exec("drop view " + relation((*it)->name));
    }
    if (old_kind == 'v') drop_relation(tx, schema, model.name);  // was a view model
    tx.exec("alter table " + relation(building) + " rename to " + tx.quote_name(model.name));
    record_renamed(tx, schema, building, model.name);
    if (old_kind == 'r') drop_relation(tx, schema, previous);
    for (std::size_t i = 0; i < model.indexes.size(); ++i) {
      tx.exec("alter index " + tx.quote_name(schema) + "." +
              tx.quote_name(index_name(model.name, i, model.indexes[i], true)) + " rename to " +
              tx.quote_name(index_name(model.name, i, model.indexes[i], false)));
    }
    for (const auto* view : recreate) {
      tx.exec("create view " + relation(view->name) + " as\n" + view->sql + "\n");
      describe(tx, relation(view->name), *view);
    }
  });
}

void ModelBuilder::replace_view(const ModelSpec& model) {
  with_lock_retries("replacing " + relation(model.name), [&](pqxx::work& tx) {
    require_replaceable(tx, manifest_.schema, model.name);
    if (relation_kind(tx, manifest_.schema, model.name) == 'r') {
      drop_relation(tx, manifest_.schema, model.name);  // was a table model
    }
    tx.exec("create or replace view " + relation(model.name) + " as\n" + model.sql + "\n");
    record_created(tx, manifest_.schema, model.name, 'v');
    describe(tx, relation(model.name), model);
  });
}

}  // namespace tributary::internal
