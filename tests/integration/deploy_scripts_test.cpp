// The passwords `make deploy` and `make db-up` set: any character works, none is read as SQL
// or as a psql meta-command, and a failure fails the script.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "integration/environment.hpp"
#include "support/postgres_cluster.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;

const std::string kScripts = std::string(TRIBUTARY_SOURCE_DIR) + "/scripts";

fs::path marker_path(const std::string& name) {
  return fs::temp_directory_path() / ("tributary-pwned-" + std::to_string(::getpid()) + "-" + name);
}

// Logs in over TCP with libpq's PGPASSWORD (psql, no shell); what `select current_user` says.
ProcessResult login(int port, const std::string& db, const std::string& user,
                    const std::string& password) {
  return run_process({"/usr/bin/psql", "-X", "-At", "-h", "127.0.0.1", "-p", std::to_string(port),
                      "-U", user, "-d", db, "-c", "select current_user"},
                     {{"PGPASSWORD", password}, {"PGSERVICE", ""}, {"PGPASSFILE", "/dev/null"}});
}

std::vector<std::string> hostile_passwords(const fs::path& marker) {
  return {"it's-a-pass",
          "x' \\! touch " + marker.string(),
          "x' \\! touch " + marker.string() + " #'",
          "back\\slash\\\\ and \\' too\\",
          "with  spaces\tand a tab ",
          "$(touch " + marker.string() + ") `touch " + marker.string() + "` :'pw' \"q\""};
}

TEST(DeployScripts, AnalystRoleLogsInWithPasswordsHoldingQuotesBackslashesAndSpaces) {
  const DatabaseSettings db = fresh_database();
  const auto env = database_env(db);
  const auto migrated = run_cli({"migrate"}, env);
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;

  const fs::path marker = marker_path("analyst");
  fs::remove(marker);
  for (const std::string& password : hostile_passwords(marker)) {
    auto script_env = env;
    script_env["ANALYST_PASSWORD"] = password;
    const auto created =
        run_process({"/bin/bash", kScripts + "/create-analyst-role.sh"}, script_env);
    EXPECT_EQ(created.exit_code, 0) << "password: " << password << "\n" << created.err;
    EXPECT_THAT(created.err, ::testing::Not(::testing::HasSubstr(password)));

    const auto as_analyst = login(db.port, db.name, "analyst", password);
    EXPECT_EQ(as_analyst.exit_code, 0) << "password: " << password << "\n" << as_analyst.err;
    EXPECT_EQ(as_analyst.out, "analyst\n") << "password: " << password;
    EXPECT_NE(login(db.port, db.name, "analyst", password + "x").exit_code, 0);
    EXPECT_FALSE(fs::exists(marker)) << "password ran a command: " << password;
  }
  EXPECT_EQ(query_value(db, "select pg_has_role('analyst', 'tributary_reader', 'member')::text"),
            "true");
  fs::remove(marker);
}

TEST(DeployScripts, AnalystRoleScriptFailsLoudly) {
  const DatabaseSettings db = fresh_database();
  auto env = database_env(db);
  env["ANALYST_PASSWORD"] = "";
  const auto empty = run_process({"/bin/bash", kScripts + "/create-analyst-role.sh"}, env);
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, ::testing::HasSubstr("ANALYST_PASSWORD is empty"));

  env["ANALYST_PASSWORD"] = "secret-analyst-pw";
  env["POSTGRES_PASSWORD"] = "wrong-owner-password";
  const auto refused = run_process({"/bin/bash", kScripts + "/create-analyst-role.sh"}, env);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, ::testing::HasSubstr("could not create the login role analyst"));
  EXPECT_THAT(refused.err, ::testing::Not(::testing::HasSubstr("secret-analyst-pw")));
}

// db-up.sh keeps the password it finds in .local/postgres.env; here that file holds a hostile
// one. The script runs from a copy of scripts/ in a scratch checkout, on a free port.
TEST(DeployScripts, DbUpSetsAPasswordHoldingQuotesBackslashesAndSpaces) {
  if (::geteuid() != 0) GTEST_SKIP() << "db-up.sh runs the cluster through runuser (root)";
  const fs::path checkout =
      fs::temp_directory_path() / ("tributary-db-up-" + std::to_string(::getpid()));
  fs::remove_all(checkout);
  fs::create_directories(checkout / "scripts");
  fs::create_directories(checkout / ".local");
  fs::permissions(checkout, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::copy_file(kScripts + "/db-up.sh", checkout / "scripts" / "db-up.sh");
  const fs::path marker = marker_path("db-up");
  fs::remove(marker);
  const std::string password =
      "it's x' \\! touch " + marker.string() + " \\ back\\\\slash and spaces";
  std::ofstream(checkout / ".local" / "postgres.env") << "POSTGRES_PASSWORD=" << password << '\n';

  const int port = free_port();
  const auto up = run_process({"/bin/bash", (checkout / "scripts" / "db-up.sh").string()},
                              {{"LOCAL_PG_PORT", std::to_string(port)},
                               {"XDG_STATE_HOME", (checkout / "state").string()}});
  const auto as_owner = login(port, "tributary", "tributary", password);
  run_shell("runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D '" +
            (checkout / ".local" / "pg" / "data").string() +
            "' -m immediate -w stop >/dev/null 2>&1 || true");

  EXPECT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(as_owner.exit_code, 0) << as_owner.err;
  EXPECT_EQ(as_owner.out, "tributary\n");
  EXPECT_FALSE(fs::exists(marker)) << "the password ran a command";
  EXPECT_THAT(up.out + up.err, ::testing::Not(::testing::HasSubstr("touch")));
  fs::remove(marker);
  fs::remove_all(checkout);
}

}  // namespace
}  // namespace tributary::testing
