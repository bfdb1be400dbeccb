#include "integration/environment.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <pqxx/pqxx>

#include "tributary/day_range.hpp"
#include "tributary/demo/generator.hpp"
#include "tributary/logging.hpp"

namespace tributary::testing {
namespace {

std::unique_ptr<PostgresCluster> g_cluster;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    // TRIBUTARY_TEST_CITUS=1 (make test-citus): the same tests against a coordinator and two
    // workers, whose databases distribute public.user_events when migrated.
    if (citus_mode_requested() && !citus_installed()) {
      GTEST_SKIP() << "TRIBUTARY_TEST_CITUS=1 but this machine's PostgreSQL 15 has no Citus "
                      "(citus.so): skipping every test; make test-citus builds it from "
                      "CITUS_SOURCE";
    }
    g_cluster = std::make_unique<PostgresCluster>(citus_mode_requested());
  }
  void TearDown() override { g_cluster.reset(); }
};

}  // namespace

PostgresCluster& cluster() { return *g_cluster; }

DatabaseSettings fresh_database() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("t_") + info->test_suite_name() + "_" + info->name();
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (name.size() > 60) name = name.substr(0, 60);
  return cluster().create_database(name);
}

std::map<std::string, std::string> database_env(const DatabaseSettings& db) {
  return {{"POSTGRES_HOST", db.host},         {"POSTGRES_PORT", std::to_string(db.port)},
          {"POSTGRES_DB", db.name},           {"POSTGRES_USER", db.user},
          {"POSTGRES_PASSWORD", db.password}, {"DATABASE_URL", ""},
          {"TRIBUTARY_BACKOFF_BASE_MS", "10"}};
}

std::map<std::string, std::string> demo_env(const DatabaseSettings& db,
                                            const std::string& api_url) {
  auto env = database_env(db);
  env["API_URL"] = api_url;
  env["API_TOKEN"] = "demo-token";
  return env;
}

namespace {

// The CLI runs in an empty directory (no .env, tributary.yaml or .local applies) with the
// tributary variables of the test's own environment cleared unless the test sets them.
struct CliInvocation {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string cwd;
};

CliInvocation cli_invocation(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env) {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("tributary-cli-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  CliInvocation call{{TRIBUTARY_CLI_PATH}, env, dir.string()};
  call.argv.insert(call.argv.end(), args.begin(), args.end());
  for (const char* name : {"API_URL", "API_TOKEN", "TRIBUTARY_PARALLEL", "TRIBUTARY_PROFILE",
                           "TRIBUTARY_MODELS_DIR"}) {
    call.env.try_emplace(name, "");
  }
  return call;
}

}  // namespace

ProcessResult run_cli(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env) {
  const auto call = cli_invocation(args, env);
  return run_process(call.argv, call.env, call.cwd);
}

std::unique_ptr<BackgroundProcess> spawn_cli(const std::vector<std::string>& args,
                                             const std::map<std::string, std::string>& env) {
  const auto call = cli_invocation(args, env);
  return std::make_unique<BackgroundProcess>(call.argv, call.env, call.cwd);
}

std::string query_value(const DatabaseSettings& db, const std::string& sql) {
  pqxx::connection conn(db.connection_string());
  pqxx::nontransaction tx(conn);
  const auto rows = tx.exec(sql);
  if (rows.empty() || rows[0][0].is_null()) return {};
  return rows[0][0].c_str();
}

void install_expected_keys(const DatabaseSettings& db, const DemoOptions& data,
                           date::year_month month) {
  pqxx::connection conn(db.connection_string());
  pqxx::work tx(conn);
  tx.exec("create schema test_support; create table test_support.expected_keys "
          "(day date, device_id text, event_time bigint)");
  pqxx::stream_to keys(tx, "test_support.expected_keys");
  DemoGenerator generator(data);
  for (const auto day : days_of(month)) {
    generator.generate_day(day, [&](const GeneratedEvent& e) {
      if (!e.expected_reason) keys << std::make_tuple(format_day(day), e.device_id, e.event_time);
    });
  }
  keys.complete();
  tx.commit();
}

std::string half_days(pqxx::connection& conn) {
  pqxx::read_transaction tx(conn);
  // The expected keys of the loaded days, less those found (each at most once: the primary
  // key). Written as a join of a CTE with user_events, which Citus also runs when
  // user_events is distributed and the other tables are local on the coordinator.
  const auto missing_keys =
      tx.exec(
            "with loaded as materialized (select k.device_id, k.event_time from "
            "test_support.expected_keys k join ingest.day_loads d on d.day = k.day and "
            "d.status = 'loaded') select (select count(*) from loaded) - (select count(*) from "
            "loaded l join public.user_events u on u.device_id = l.device_id and "
            "u.event_time = l.event_time)")[0][0]
          .as<long>();
  const auto stray =
      tx.exec(
            "select count(*) from ingest.rejected_events r where not exists (select 1 from "
            "ingest.day_loads d where d.day = r.day and d.status = 'loaded')")[0][0]
          .as<long>();
  const auto short_days =
      tx.exec(
            "select count(*) from ingest.day_loads d where status = 'loaded' and events_rejected "
            "<> "
            "(select count(*) from ingest.rejected_events r where r.day = d.day)")[0][0]
          .as<long>();
  if (missing_keys == 0 && stray == 0 && short_days == 0) return {};
  return "missing keys " + std::to_string(missing_keys) + ", stray rejections " +
         std::to_string(stray) + ", short days " + std::to_string(short_days);
}

std::string user_events_checksum(const DatabaseSettings& db) {
  return query_value(
      db,
      "select md5(coalesce(string_agg(t::text, E'\\n' order by device_id, event_time), '')) "
      "from (select device_id, event_time, event_date, event_type, data_type, user_id, amp_id, "
      "server_upload_time, server_received_time, processed_time, client_event_time, "
      "client_upload_time, country, city, language, region, path, group_first_event, group_ids, "
      "user_properties_updated, initial_li_fat_id, initial_rtd_cid, user_corporate_id, "
      "user_corporate_is_demo, user_corporate_status, user_signup_date, user_role, user_status, "
      "extras from public.user_events) t");
}

std::string sql_outcome(const DatabaseSettings& login, const std::string& sql) {
  pqxx::connection conn(login.connection_string());
  try {
    pqxx::work tx(conn);
    tx.exec(sql);
    tx.commit();
    return "ok";
  } catch (const pqxx::insufficient_privilege&) {
    return "42501";  // libpqxx 6.4 leaves sqlstate() empty on this class
  } catch (const pqxx::sql_error& e) {
    return e.sqlstate() + " " + e.what();
  }
}

Settings fast_api_settings(const DatabaseSettings& db, const std::string& url) {
  Settings s;
  s.database = db;
  s.api.url = url;
  s.api.token = "demo-token";
  s.api.max_attempts = 2;
  s.api.backoff_base = std::chrono::milliseconds(5);
  s.api.backoff_cap = std::chrono::milliseconds(20);
  return s;
}

}  // namespace tributary::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  tributary::configure_logging("error");
  ::testing::AddGlobalTestEnvironment(new tributary::testing::ClusterEnvironment);
  return RUN_ALL_TESTS();
}
