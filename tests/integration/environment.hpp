#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <date/date.h>
#include <pqxx/pqxx>

#include "support/postgres_cluster.hpp"
#include "support/process.hpp"
#include "tributary/demo/server.hpp"
#include "tributary/settings.hpp"

namespace tributary::testing {

/// The cluster every integration test of this process shares (started once by the
/// GoogleTest environment, removed at the end).
PostgresCluster& cluster();

/// Demo API options serving `data` with everything else at its default.
inline DemoServerOptions demo_server_options(const DemoOptions& data) {
  DemoServerOptions options;
  options.data = data;
  return options;
}

/// A fresh, empty database named after the running test.
DatabaseSettings fresh_database();

/// Environment variables that point the CLI at `db` (and at nothing else: no .env applies,
/// since the CLI runs in an empty working directory).
std::map<std::string, std::string> database_env(const DatabaseSettings& db);

/// database_env(db) plus API_URL = `api_url` and the demo API's token.
std::map<std::string, std::string> demo_env(const DatabaseSettings& db, const std::string& api_url);

/// Runs the built `tributary` binary with `args` and `env`, in an empty working directory.
ProcessResult run_cli(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env);

/// Starts the built `tributary` binary in the background (same environment as run_cli).
std::unique_ptr<BackgroundProcess> spawn_cli(const std::vector<std::string>& args,
                                             const std::map<std::string, std::string>& env);

/// Runs SQL on `db` as its owner and returns the first column of the first row as text.
std::string query_value(const DatabaseSettings& db, const std::string& sql);

/// Settings for a load from the API at `url` into `db` that fails fast: the demo token,
/// 2 attempts, 5-20 ms of backoff.
Settings fast_api_settings(const DatabaseSettings& db, const std::string& url);

/// Runs `sql` in one transaction as `login`: "ok", "42501" (insufficient privilege), or the
/// SQLSTATE and message of another failure.
std::string sql_outcome(const DatabaseSettings& login, const std::string& sql);

/// Records in `test_support.expected_keys` (created in `db`, migrated) the key of every
/// valid event the demo generator with `data` serves for the days of `month`, for
/// half_days().
void install_expected_keys(const DatabaseSettings& db, const DemoOptions& data,
                           date::year_month month);

/// Empty when every day is either absent or complete (a loaded day has all of its valid
/// keys, from install_expected_keys, and all of its rejections; a day that is not loaded
/// has no rejections); else what is wrong.
std::string half_days(pqxx::connection& conn);

/// A checksum over every content column of public.user_events (all but the load times and
/// run id), ordered by key: two tables with the same rows give the same checksum.
std::string user_events_checksum(const DatabaseSettings& db);

}  // namespace tributary::testing
