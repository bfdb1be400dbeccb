#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tributary/settings.hpp"

namespace tributary::testing {

/// Whether the integration tests run against a Citus cluster: TRIBUTARY_TEST_CITUS=1 (set by
/// `make test-citus`).
bool citus_mode_requested();

/// Whether this machine's PostgreSQL 15 has the Citus extension (scripts/citus-build.sh).
bool citus_installed();

/// A throwaway PostgreSQL 15 cluster for tests: initdb in a temporary directory, run as the
/// `postgres` user when the tests run as root (Postgres refuses root), listening on
/// 127.0.0.1 on a free port with scram password authentication. Stopped and removed by the
/// destructor.
///
/// With `citus`, it is a Citus cluster of a coordinator and two workers, each its own data
/// directory with `shared_preload_libraries = 'citus'`: clients reach the coordinator over
/// TCP (its port(), scram), and every database create_database() makes exists on all three
/// nodes with the citus extension and the workers registered. The nodes reach each other
/// through their unix sockets (0700 directories owned by postgres, trust), so a role needs
/// no password on the workers. A statement run by psql() on database `postgres` (roles)
/// runs on every node.
class PostgresCluster {
 public:
  explicit PostgresCluster(bool citus = false);
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  /// Whether this is a Citus cluster.
  bool citus() const noexcept { return nodes_.size() > 1; }
  /// The loopback port it (its coordinator) listens on.
  int port() const noexcept { return nodes_.front().port; }
  /// Creates an empty database `name` owned by the test login role; settings to reach it.
  /// On Citus it has the citus extension unless `with_citus` is false (then it is a plain
  /// database on the coordinator, as a single-node warehouse would be, until enable_citus).
  DatabaseSettings create_database(const std::string& name, bool with_citus = true);
  /// On Citus: creates the citus extension in `name` on every node and registers the workers
  /// (the database must exist on every node, as create_database makes it).
  void enable_citus(const std::string& name);
  /// Settings for an existing database of this cluster.
  DatabaseSettings settings_for(const std::string& name) const;
  /// Runs SQL as the superuser on database `db` (psql over the unix socket); returns stdout.
  std::string psql(const std::string& db, const std::string& sql) const;
  /// `pg_dump` of database `db` as plain SQL (data included).
  std::string dump(const std::string& db) const;
  /// Restarts the server (fast shutdown: open connections are cut); on Citus, the
  /// coordinator, which is what clients connect to.
  void restart();
  /// Stops the server (fast shutdown); on Citus, every node.
  void stop();
  /// Starts it again on the same port.
  void start();

 private:
  struct Node {
    std::filesystem::path dir;  ///< data/, log and the unix socket
    int port = 0;
  };

  void start_node(Node& node);
  std::string psql_on(const Node& node, const std::string& db,
                      const std::vector<std::string>& statements) const;
  std::string as_postgres(const std::string& command) const;

  std::filesystem::path root_;
  std::vector<Node> nodes_;  ///< the server; on Citus the coordinator first, then the workers
  std::string password_;
  bool as_root_ = false;
};

/// A free TCP port on 127.0.0.1 (bound and released; the caller binds it soon after).
int free_port();

}  // namespace tributary::testing
