// The rough edges a new user hits in the configuration: a typo in .env, a real API without a
// token, a database that refuses the login (each cause with its own hint), the local cluster
// of `make db-up` used from another directory, and `make db-up` on a port already taken.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/environment.hpp"
#include "support/postgres_cluster.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kConfigEdgeScripts = std::string(TRIBUTARY_SOURCE_DIR) + "/scripts";

// A scratch directory removed at the end of the test.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(fs::temp_directory_path() /
              ("tributary-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
    // The postgres user must be able to enter it (db-up.sh keeps its cluster inside).
    fs::permissions(path_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A port on 127.0.0.1 something listens on (and never answers), for as long as it lives.
class ListeningPort {
 public:
  ListeningPort() {
    fd_ = testkit::bind_loopback(8, port_, "could not listen on a port of 127.0.0.1");
  }
  ~ListeningPort() { ::close(fd_); }
  ListeningPort(const ListeningPort&) = delete;
  ListeningPort& operator=(const ListeningPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

std::vector<std::string> lines_with(const std::string& text, const std::string& part) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(part) != std::string::npos) found.push_back(line);
  }
  return found;
}

// The environment of run_cli with no database configured at all, and the per-user record
// of `make db-up` looked for under `state`.
std::map<std::string, std::string> no_database_env(const fs::path& state) {
  return {{"DATABASE_URL", ""},        {"POSTGRES_HOST", ""},
          {"POSTGRES_PORT", ""},       {"POSTGRES_DB", ""},
          {"POSTGRES_USER", ""},       {"POSTGRES_PASSWORD", ""},
          {"PGPASSFILE", "/dev/null"}, {"XDG_STATE_HOME", state.string()}};
}

TEST(ConfigEdges, DotenvKeysThatLookLikeSettingsWarnAndTheCommandGoesOn) {
  const auto db = fresh_database();
  const ScratchDir dir("dotenv-typos");
  std::ofstream(dir.path() / ".env") << "API_TOKN=typo-canary-token\napi_url=http://x/e\n"
                                        "DATABSE_URL=\nCOMPOSE_PROJECT_NAME=tributary\n"
                                        "ANALYST_PASSWORD=a\nLOCAL_PG_PORT=54330\n";
  const auto run =
      run_process({TRIBUTARY_CLI_PATH, "migrate"}, database_env(db), dir.path().string());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const auto warnings = lines_with(run.err, "warning");
  ASSERT_EQ(warnings.size(), 3u) << run.err;  // one line per key, ours only
  EXPECT_THAT(warnings[0], HasSubstr(".env: unknown key 'API_TOKN' (did you mean API_TOKEN?)"));
  EXPECT_THAT(warnings[1],
              HasSubstr(".env: unknown key 'DATABSE_URL' (did you mean DATABASE_URL?)"));
  EXPECT_THAT(warnings[2], HasSubstr(".env: unknown key 'api_url' (did you mean API_URL?)"));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr("typo-canary-token")));
  EXPECT_EQ(query_value(db,
                        "select count(*) from information_schema.schemata "
                        "where schema_name = 'ingest'"),
            "1");
}

TEST(ConfigEdges, ARealApiWithoutATokenStopsBeforeMigratingOrFetching) {
  const auto db = fresh_database();
  auto env = database_env(db);
  env["API_URL"] = "https://api.example.invalid/events";
  env["API_TOKEN"] = "";
  const auto run = run_cli({"backfill-month", "2024-01"}, env);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("API_TOKEN is not set; the API at "
                                 "https://api.example.invalid/events needs one"));
  EXPECT_THAT(run.err, Not(HasSubstr("could not reach the API")));  // no request was made
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(query_value(db,
                        "select count(*) from information_schema.schemata "
                        "where schema_name = 'ingest'"),
            "0")
      << "nothing migrated";
}

// The connection error for `db` as the CLI prints it (migrate), which must exit 4 and never
// show `secret`.
std::string connection_error(const DatabaseSettings& db, const std::string& secret,
                             std::map<std::string, std::string> extra = {}) {
  auto env = database_env(db);
  env["PGPASSFILE"] = "/dev/null";
  for (const auto& [key, value] : extra) env[key] = value;
  const auto run = run_cli({"migrate"}, env);
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  if (!secret.empty()) {
    EXPECT_THAT(run.out + run.err, Not(HasSubstr(secret)));
  }
  const auto errors = lines_with(run.err, "error: ");
  EXPECT_EQ(errors.size(), 1u) << run.err;  // one line, whatever libpq said
  return errors.empty() ? run.err : errors.front();
}

TEST(ConfigEdges, AWrongPasswordPointsAtPostgresPasswordAndPgpass) {
  auto db = fresh_database();
  db.password = "wrong-password-canary";
  const auto error = connection_error(db, db.password);
  EXPECT_THAT(error, HasSubstr("error: cannot connect to the database at " + db.describe()));
  EXPECT_THAT(error, HasSubstr("password authentication failed"));
  EXPECT_THAT(error, HasSubstr("the password is wrong: check POSTGRES_PASSWORD, or the line "
                               "for this server in ~/.pgpass"));

  // The password of a DATABASE_URL is never shown either.
  const auto url = "postgresql://" + db.user +
                   ":url-password-canary@127.0.0.1:" + std::to_string(db.port) + "/" + db.name;
  const auto from_url = connection_error(db, "url-password-canary",
                                         {{"DATABASE_URL", url}, {"POSTGRES_PASSWORD", ""}});
  EXPECT_THAT(from_url, HasSubstr("password authentication failed"));
  EXPECT_THAT(from_url, HasSubstr("POSTGRES_PASSWORD (it replaces the password in DATABASE_URL)"));
}

TEST(ConfigEdges, NoPasswordAtAllSaysHowToGiveOne) {
  auto db = fresh_database();
  db.password.clear();
  const auto error = connection_error(db, "");
  EXPECT_THAT(error, HasSubstr("no password supplied"));
  EXPECT_THAT(error, HasSubstr("set POSTGRES_PASSWORD in the environment or .env, or add a line "
                               "host:port:database:user:password for this server to ~/.pgpass"));
}

TEST(ConfigEdges, AnUnknownDatabaseOrRoleIsNamedWithWhatToCheck) {
  auto db = fresh_database();
  const auto password = db.password;
  db.name = "no_such_database";
  auto error = connection_error(db, password);
  EXPECT_THAT(error, HasSubstr("database \"no_such_database\" does not exist"));
  EXPECT_THAT(error, HasSubstr("check POSTGRES_DB, or create it"));

  db = fresh_database();
  db.user = "no_such_role";
  error = connection_error(db, password);
  // scram: the server does not tell a missing role from a wrong password, on purpose.
  EXPECT_THAT(error, ::testing::AnyOf(HasSubstr("role \"no_such_role\" does not exist"),
                                      HasSubstr("password authentication failed")));
  EXPECT_THAT(error, ::testing::AnyOf(HasSubstr("check POSTGRES_USER"),
                                      HasSubstr("check POSTGRES_PASSWORD")));
}

TEST(ConfigEdges, NothingListeningSaysHostPortAndMakeDbUp) {
  auto db = fresh_database();
  db.port = free_port();
  const auto error = connection_error(db, db.password);
  EXPECT_THAT(
      error, HasSubstr("error: cannot reach the database at 127.0.0.1:" + std::to_string(db.port)));
  EXPECT_THAT(error, HasSubstr("Connection refused"));
  EXPECT_THAT(error, HasSubstr("nothing listens there: check POSTGRES_HOST/POSTGRES_PORT, or "
                               "start the local cluster with `make db-up`"));
}

TEST(ConfigEdges, SslRequiredOfAServerWithoutSslSaysSslmode) {
  const auto db = fresh_database();
  const auto url = "postgresql://" + db.user + "@127.0.0.1:" + std::to_string(db.port) + "/" +
                   db.name + "?sslmode=require";
  const auto error = connection_error(db, db.password, {{"DATABASE_URL", url}});
  EXPECT_THAT(error, HasSubstr("server does not support SSL"));
  EXPECT_THAT(error, HasSubstr("use sslmode=prefer or disable in DATABASE_URL"));
}

TEST(ConfigEdges, NoDatabaseConfiguredSaysWhereTheLocalClusterWasLookedFor) {
  const ScratchDir state("no-db-state");
  const auto run = run_cli({"migrate"}, no_database_env(state.path()));
  EXPECT_EQ(run.exit_code, 4) << run.err;
  EXPECT_THAT(run.err, HasSubstr("no database is configured"));
  EXPECT_THAT(run.err, HasSubstr("no .local/postgres.env here, no record in " +
                                 (state.path() / "tributary/local-postgres.env").string()));
  EXPECT_THAT(run.err, HasSubstr("run `make db-up` in the checkout"));
}

// db-up.sh from a scratch checkout records its env file for the user; the CLI, run from
// another directory with nothing configured, uses that cluster; db-down.sh removes the
// record, and the CLI then says where it looked.
TEST(ConfigEdges, TheLocalClusterOfDbUpIsReachableFromAnyDirectory) {
  if (::geteuid() != 0) GTEST_SKIP() << "db-up.sh runs the cluster through runuser (root)";
  const ScratchDir checkout("db-up-anywhere");
  const ScratchDir state("db-up-anywhere-state");
  fs::create_directories(checkout.path() / "scripts");
  for (const char* script : {"db-up.sh", "db-down.sh"}) {
    fs::copy_file(kConfigEdgeScripts + "/" + script, checkout.path() / "scripts" / script);
  }
  const std::map<std::string, std::string> script_env = {
      {"LOCAL_PG_PORT", std::to_string(free_port())}, {"XDG_STATE_HOME", state.path().string()}};
  const auto up =
      run_process({"/bin/bash", (checkout.path() / "scripts/db-up.sh").string()}, script_env);
  const auto record = state.path() / "tributary/local-postgres.env";
  const auto migrated = run_cli({"migrate"}, no_database_env(state.path()));
  const auto record_mode = fs::exists(record) ? fs::status(record).permissions() : fs::perms::none;
  const auto down =
      run_process({"/bin/bash", (checkout.path() / "scripts/db-down.sh").string()}, script_env);
  const bool record_left = fs::exists(record);
  const auto after = run_cli({"migrate"}, no_database_env(state.path()));
  // From the checkout itself, the stopped cluster is named.
  const auto stopped = run_process({TRIBUTARY_CLI_PATH, "migrate"}, no_database_env(state.path()),
                                   checkout.path().string());
  run_shell("runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D '" +
            (checkout.path() / ".local/pg/data").string() +
            "' -m immediate -w stop >/dev/null 2>&1 || true");

  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_THAT(up.out, HasSubstr("recorded in " + record.string()));
  EXPECT_EQ(record_mode, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(migrated.exit_code, 0) << migrated.out << migrated.err;
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_FALSE(record_left) << "db-down leaves the record";
  EXPECT_EQ(after.exit_code, 4) << after.err;
  EXPECT_THAT(after.err, HasSubstr("no database is configured"));
  EXPECT_EQ(stopped.exit_code, 4) << stopped.err;
  EXPECT_THAT(stopped.err, HasSubstr("the local cluster of `make db-up` (settings in "
                                     ".local/postgres.env) is not running"));
}

TEST(ConfigEdges, DbUpOnAPortInUseSaysSoAndHowToChooseAnother) {
  const ScratchDir checkout("db-up-port-taken");
  const ScratchDir state("db-up-port-taken-state");
  fs::create_directories(checkout.path() / "scripts");
  fs::copy_file(kConfigEdgeScripts + "/db-up.sh", checkout.path() / "scripts/db-up.sh");
  const ListeningPort taken;
  const auto up = run_process(
      {"/bin/bash", (checkout.path() / "scripts/db-up.sh").string()},
      {{"LOCAL_PG_PORT", std::to_string(taken.port())}, {"XDG_STATE_HOME", state.path().string()}});
  EXPECT_EQ(up.exit_code, 1) << up.out << up.err;
  EXPECT_THAT(up.err, HasSubstr("error: port " + std::to_string(taken.port()) +
                                " on 127.0.0.1 is in use (another cluster?); choose another "
                                "with LOCAL_PG_PORT=NNNN make db-up"));
  EXPECT_THAT(up.out + up.err, Not(HasSubstr("pg_ctl")));
  EXPECT_FALSE(fs::exists(checkout.path() / ".local/pg/data")) << "nothing was created";
  EXPECT_FALSE(fs::exists(state.path() / "tributary")) << "nothing was recorded";

  const auto bad = run_process({"/bin/bash", (checkout.path() / "scripts/db-up.sh").string()},
                               {{"LOCAL_PG_PORT", "54x"}});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("error: LOCAL_PG_PORT must be a port number"));
}

}  // namespace
}  // namespace tributary::testing
