#include "tributary/migrations.hpp"

#include "db/database.hpp"
#include "db/embedded_sql.hpp"
#include "db/lock_keys.hpp"
#include "db/migrate.hpp"

namespace tributary {

MigrationReport migrate(const DatabaseSettings& database) {
  auto conn = internal::connect(database);
  return internal::migrate(*conn, database.describe());
}

namespace internal {

MigrationReport migrate(pqxx::connection& conn, const std::string& where) {
  MigrationReport report;
  internal::translate_database_errors("applying migrations to " + where, [&] {
    {
      pqxx::nontransaction lock(conn);
      lock.exec_params("select pg_advisory_lock($1)", kMigrationLockKey);
    }
    {
      pqxx::work tx(conn);
      tx.exec("set local client_min_messages = warning");
      tx.exec("create schema if not exists ingest");
      tx.exec(
          "create table if not exists ingest.schema_migrations ("
          " name text primary key, applied_at timestamptz not null default now())");
      tx.commit();
    }
    for (const auto& file : internal::embedded_migrations()) {
      const std::string name(file.name);
      pqxx::work tx(conn);
      const auto found =
          tx.exec_params("select 1 from ingest.schema_migrations where name = $1", name);
      if (!found.empty()) {
        report.present.push_back(name);
        continue;
      }
      tx.exec("set local client_min_messages = warning");
      tx.exec(std::string(file.sql));
      tx.exec_params("insert into ingest.schema_migrations (name) values ($1)", name);
      tx.commit();
      report.applied.push_back(name);
    }
    // On a Citus cluster, every migrate distributes what is not distributed yet (migration
    // 0009): a warehouse built on one node is distributed by the first migrate after the
    // citus extension and the workers were added.
    {
      pqxx::work tx(conn);
      if (!tx.exec("select 1 from pg_extension where extname = 'citus'").empty()) {
        tx.exec("set local client_min_messages = warning");
        tx.exec("select ingest.distribute_on_citus()");
        tx.commit();
      }
    }
    pqxx::nontransaction unlock(conn);
    unlock.exec_params("select pg_advisory_unlock($1)", kMigrationLockKey);
  });
  return report;
}

}  // namespace internal
}  // namespace tributary
