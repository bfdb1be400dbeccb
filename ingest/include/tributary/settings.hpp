#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <date/date.h>

#include "tributary/api_client.hpp"
#include "tributary/logging.hpp"

namespace tributary {

/// Where the warehouse is. Either a libpq URI or the parts; the password is never shown.
struct DatabaseSettings {
  std::string url;  ///< DATABASE_URL (libpq URI); when set, the parts below are ignored
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string name = "tributary";
  std::string user = "tributary";
  std::string password;  ///< from the environment or .env only; empty: libpq may use .pgpass
  int connect_timeout_seconds = 10;
  /// How long a day's load waits for a row lock another session holds before the day is
  /// rolled back and tried again (TRIBUTARY_LOCK_TIMEOUT_MS).
  int lock_timeout_ms = 30'000;
  /// Whether any setting (flag, environment, `.env`, YAML) names the database; false when
  /// the local cluster of `make db-up` or the defaults stand in.
  bool configured = true;
  /// The env file of the local cluster of `make db-up` these settings were read from when
  /// none was configured; empty otherwise. For messages.
  std::string local_cluster_env;

  /// A libpq connection string, password included: pass it to libpq, never print it.
  std::string connection_string() const;
  /// `host:port/name as user`, for messages: no password, ever.
  std::string describe() const;
};

/// What `tributary sync` covers when its flags do not say.
struct SyncSettings {
  /// The first day of the span (sync.start_date, TRIBUTARY_START_DATE); unset: the earliest
  /// day in ingest.day_loads.
  std::optional<date::sys_days> start_date;
  /// The last N complete days are requested again whatever their status, for late events
  /// (sync.lookback_days, TRIBUTARY_LOOKBACK_DAYS).
  int lookback_days = 3;
};

/// Every setting of a run, after layering flags > environment (and .env) > YAML > defaults.
struct Settings {
  ApiOptions api;
  DatabaseSettings database;
  int parallel = 4;             ///< days in flight (TRIBUTARY_PARALLEL)
  SyncSettings sync;
  /// `--mirror` refuses a day (unless `--force`) when it would delete more than this share
  /// of the day's rows (TRIBUTARY_MIRROR_MAX_DELETE_PERCENT): one empty answer from a
  /// glitching API must not empty the day.
  int mirror_max_delete_percent = 50;
  std::string log_level = "info";
  LogFormat log_format = LogFormat::Text;  ///< `text` or `json` (log_format, TRIBUTARY_LOG_FORMAT)
  /// Where a run that loads or builds models writes its figures in the Prometheus text
  /// format, replaced atomically (metrics_file, TRIBUTARY_METRICS_FILE, --metrics-file);
  /// empty: none.
  std::string metrics_file;
  std::string profile;          ///< the YAML profile in use, empty for none
  /// What the caller should log (load_settings does not): keys of `.env` that look like
  /// settings tributary does not read, each with the nearest known name.
  std::vector<std::string> warnings;

  /// One message per bad or missing setting, each naming it as the user spells it.
  std::vector<std::string> validate(bool need_api, bool need_database) const;
  /// validate(), throwing one ConfigError that lists every problem when there is any.
  void require(bool need_api, bool need_database) const;
};

/// Where settings come from, besides the process environment.
struct SettingsSources {
  std::optional<std::string> config_file;       ///< --config FILE; default ./tributary.yaml if present
  std::optional<std::string> profile;           ///< --profile NAME (or TRIBUTARY_PROFILE)
  std::map<std::string, std::string> flags;     ///< canonical key (`api.url`, `parallel`) → value
  std::string dotenv_path = ".env";             ///< read when present; real env vars win
  std::string local_database_env = ".local/postgres.env";  ///< written by `make db-up`
  /// Read when nothing configures a database and `local_database_env` does not exist: where
  /// `make db-up` records the path of its env file, so the local cluster is found from any
  /// directory. Unset: local_cluster_record_path(); empty: none.
  std::optional<std::string> local_cluster_record;
};

/// Where `make db-up` records the path of its cluster's env file for this user:
/// `$XDG_STATE_HOME/tributary/local-postgres.env`, else
/// `~/.local/state/tributary/local-postgres.env`; empty when there is no home directory.
std::string local_cluster_record_path();

/// Builds the settings from every source. Throws ConfigError listing every malformed value
/// (wrong type, unknown profile, unreadable config file) by name.
Settings load_settings(const SettingsSources& sources);

}  // namespace tributary
