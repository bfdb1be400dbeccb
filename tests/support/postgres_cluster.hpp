#pragma once

#include <filesystem>
#include <string>

#include "tributary/settings.hpp"

namespace tributary::testing {

/// A throwaway PostgreSQL 15 cluster for tests: initdb in a temporary directory, run as the
/// `postgres` user when the tests run as root (Postgres refuses root), listening on
/// 127.0.0.1 on a free port with scram password authentication. Stopped and removed by the
/// destructor.
class PostgresCluster {
 public:
  PostgresCluster();
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  /// The loopback port it listens on.
  int port() const noexcept { return port_; }
  /// Creates an empty database `name` owned by the test login role; settings to reach it.
  DatabaseSettings create_database(const std::string& name);
  /// Settings for an existing database of this cluster.
  DatabaseSettings settings_for(const std::string& name) const;
  /// Runs SQL as the superuser on database `db` (psql over the unix socket); returns stdout.
  std::string psql(const std::string& db, const std::string& sql) const;
  /// `pg_dump` of database `db` as plain SQL (data included).
  std::string dump(const std::string& db) const;
  /// Restarts the server (fast shutdown: open connections are cut).
  void restart();
  /// Stops the server (fast shutdown).
  void stop();
  /// Starts it again on the same port.
  void start();

 private:
  std::string as_postgres(const std::string& command) const;

  std::filesystem::path root_;
  int port_ = 0;
  std::string password_;
  bool as_root_ = false;
};

/// A free TCP port on 127.0.0.1 (bound and released; the caller binds it soon after).
int free_port();

}  // namespace tributary::testing
