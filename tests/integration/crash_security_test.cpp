// Issue 5: SIGKILL at any moment of a backfill, and secrets that must appear nowhere.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <pqxx/pqxx>

#include "integration/environment.hpp"
#include "tributary/day_range.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string random_word(const std::string& prefix) {
  std::random_device device;
  std::mt19937_64 rng(device());
  return prefix + std::to_string(rng() % 1'000'000'000'000ULL);
}

TEST(Crash, KilledBackfillsNeverLeaveAHalfDayAndARerunGivesTheUninterruptedTable) {
  DemoOptions data;
  data.seed = 31;
  data.events_per_day = 6000;
  DemoServer server(demo_server_options(data));
  const auto reference = cluster().create_database("t_crash_reference");
  Settings s;
  s.database = reference;
  s.api.url = server.url();
  s.api.token = "demo-token";
  ASSERT_TRUE(backfill_month(s, date::year{2024} / 1).ok());

  const auto db = fresh_database();
  auto env = demo_env(db, server.url());
  ASSERT_EQ(run_cli({"migrate"}, env).exit_code, 0);
  install_expected_keys(db, data, date::year{2024} / 1);

  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  std::string violation;
  std::thread checker([&] {
    pqxx::connection conn(db.connection_string());
    while (!done) {
      const auto found = half_days(conn);
      if (!found.empty() && violation.empty()) violation = found;
      ++checks;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  // Kills timed to land in the migrations, the first fetches, COPYs and merges of the
  // first days, and later days in flight.
  for (const int delay_ms : {100, 300, 600, 1000, 1600, 2500}) {
    auto run = spawn_cli({"backfill-month", "2024-01", "--parallel", "4", "--no-models"}, env);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    run->kill(SIGKILL);
    run->wait();
  }
  done = true;
  checker.join();
  EXPECT_TRUE(violation.empty()) << violation;
  EXPECT_GT(checks.load(), 10);
  // Each kill's run is marked abandoned by the next one's start; the last may have finished
  // before its kill landed.
  EXPECT_NE(query_value(db, "select count(*) from ingest.runs where status = 'abandoned' or "
                            "(status = 'running' and finished_at is null)"),
            "0")
      << "killed runs stay recognisable as not finished";

  const auto last = run_cli({"backfill-month", "2024-01", "--no-models"}, env);
  EXPECT_EQ(last.exit_code, 0) << last.out << last.err;
  EXPECT_EQ(query_value(db, "select count(*) from ingest.runs where status = 'running'"), "0")
      << "the next command marks the killed runs abandoned";
  EXPECT_EQ(user_events_checksum(db), user_events_checksum(reference));
  pqxx::connection conn(db.connection_string());
  EXPECT_EQ(half_days(conn), "");
}

TEST(Security, CanaryTokenAndPasswordAppearNowhere) {
  const auto token = random_word("tok-canary-");
  const auto password = random_word("pw-canary-");
  cluster().psql("postgres", "create role canary_owner login password '" + password + "'");
  cluster().psql("postgres", "create database t_canary owner canary_owner");
  DatabaseSettings db = cluster().settings_for("t_canary");
  db.user = "canary_owner";
  db.password = password;

  auto options = demo_server_options({});
  options.data.events_per_day = 300;
  options.token = token;
  options.faults.push_back(parse_fault("500=0.2"));
  DemoServer server(options);
  auto env = database_env(db);
  env["API_URL"] = server.url();
  env["API_TOKEN"] = token;
  env["TRIBUTARY_LOG_LEVEL"] = "debug";
  auto run = spawn_cli({"backfill-month", "2024-01", "--parallel", "2"}, env);
  std::string ps;
  for (int i = 0; i < 40; ++i) {
    ps += run_process({"/bin/ps", "-eo", "args"}).out;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const auto result = run->wait();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(ps, HasSubstr("backfill-month")) << "ps saw the running CLI";
  const auto dump = cluster().dump("t_canary");
  EXPECT_THAT(dump, HasSubstr("user_events"));
  for (const auto& secret : {token, password}) {
    EXPECT_THAT(result.out, Not(HasSubstr(secret)));
    EXPECT_THAT(result.err, Not(HasSubstr(secret)));
    EXPECT_THAT(ps, Not(HasSubstr(secret)));
    EXPECT_THAT(dump, Not(HasSubstr(secret)));
  }

  // Refusals name the setting, never its value.
  env["API_TOKEN"] = token + "-wrong";
  const auto refused = run_cli({"request-day", "2024-01-05"}, env);
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_THAT(refused.err, Not(HasSubstr(token)));
  env["API_TOKEN"] = token;
  env["POSTGRES_PASSWORD"] = password + "-wrong";
  const auto denied = run_cli({"request-day", "2024-01-05"}, env);
  EXPECT_EQ(denied.exit_code, 4);
  EXPECT_THAT(denied.err, Not(HasSubstr(password)));
}

TEST(Security, TurningTlsVerificationOffIsLoudlyLogged) {
  DemoServer server(demo_server_options({}));
  const auto result = run_cli({"fetch-day", "2024-01-05"},
                              {{"API_URL", server.url()}, {"API_TOKEN", "demo-token"},
                               {"TRIBUTARY_INSECURE_SKIP_TLS_VERIFY", "true"}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("TLS certificate verification is OFF"));
  const auto quiet = run_cli({"fetch-day", "2024-01-05"},
                             {{"API_URL", server.url()}, {"API_TOKEN", "demo-token"}});
  EXPECT_THAT(quiet.err, Not(HasSubstr("verification is OFF")));
}

TEST(Security, ASchemaNameCarryingSqlIsRefused) {
  const auto db = fresh_database();
  const auto dir = std::filesystem::temp_directory_path() / ("tributary-evil-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "m.sql") << "select 1 as one\n";
  std::ofstream(dir / "models.yaml")
      << "schema: 'x\"; drop table public.user_events; --'\n"
         "models:\n  - name: m\n    sql: m.sql\n    materialized: table\n    depends_on: []\n";
  auto env = database_env(db);
  env["TRIBUTARY_MODELS_DIR"] = dir.string();
  const auto result = run_cli({"run-models"}, env);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("schema"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tributary::testing
