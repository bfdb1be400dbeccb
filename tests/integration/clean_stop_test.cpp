// Issue 11: SIGINT or SIGTERM stops a run cleanly (no new day starts, the days in flight roll
// back unless they are committing, the report says `interrupted`, the run is `cancelled`,
// exit 130 / 143, within seconds); a second signal exits at once; a run whose process died
// is marked `abandoned` by the next command (on this host by its pid, from any host by its
// stale heartbeat).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <pqxx/pqxx>

#include "integration/environment.hpp"
#include "integration/fixtures/model_fixtures.hpp"
#include "support/test_http_server.hpp"
#include "tributary/day_range.hpp"
#include "tributary/migrations.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Polls `condition` every 20 ms for up to `limit`; whether it became true.
template <typename Condition>
bool eventually(Condition condition, milliseconds limit = milliseconds(20'000)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string host_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

DemoOptions stop_data() {
  DemoOptions data;
  data.seed = 47;
  data.events_per_day = 1500;
  return data;
}

// The checksum of January 2024 of stop_data() loaded by one uninterrupted backfill.
const std::string& reference_checksum() {
  static const std::string checksum = [] {
    DemoServer demo(demo_server_options(stop_data()));
    const auto reference = cluster().create_database("t_clean_stop_reference");
    Settings s;
    s.database = reference;
    s.api.url = demo.url();
    s.api.token = "demo-token";
    EXPECT_TRUE(backfill_month(s, date::year{2024} / 1).ok());
    return user_events_checksum(reference);
  }();
  return checksum;
}

// The demo API behind a server that passes the first `fast_days` days of the month at once
// and dribbles every other day's body over about three seconds, so that a backfill with
// --parallel 8 keeps eight days in flight (their bodies streaming into their COPY).
class DribblingApi {
 public:
  DribblingApi(const DemoServer& upstream, int fast_days)
      : upstream_port_(upstream.port()), fast_days_(fast_days) {
    server_.set_handler(
        [this](const httplib::Request& req, httplib::Response& res, int) { serve(req, res); });
  }

  std::string url() const { return server_.url(); }
  int requests() const { return server_.requests(); }

 private:
  void serve(const httplib::Request& req, httplib::Response& res) {
    httplib::Client client("127.0.0.1", upstream_port_);
    httplib::Headers headers{{"api-token", req.get_header_value("api-token")}};
    if (req.has_header("If-None-Match")) {
      headers.emplace("If-None-Match", req.get_header_value("If-None-Match"));
    }
    const std::string date = req.get_param_value("date");
    auto answer = client.Get(("/events?date=" + date).c_str(), headers);
    if (!answer) {
      res.status = 502;
      return;
    }
    res.status = answer->status;
    if (answer->has_header("ETag")) res.set_header("ETag", answer->get_header_value("ETag"));
    const int day_of_month = date.size() == 10 ? std::stoi(date.substr(8)) : 0;
    if (answer->status != 200 || day_of_month <= fast_days_) {
      res.set_content(answer->body, testkit::kJsonType);
      return;
    }
    auto body = std::make_shared<std::string>(std::move(answer->body));
    res.set_chunked_content_provider(
        testkit::kJsonType, [this, body](std::size_t offset, httplib::DataSink& sink) {
          if (offset >= body->size()) {
            sink.done();
            return true;
          }
          server_.pause(milliseconds(100));
          const auto piece = std::min(body->size() / 30 + 1, body->size() - offset);
          return sink.write(body->data() + offset, piece);
        });
  }

  int upstream_port_;
  int fast_days_;
  testkit::TestHttpServer server_;
};

// Checks from its own connection, every 20 ms while it lives, that every day is either
// absent or complete.
class HalfDayWatch {
 public:
  explicit HalfDayWatch(const DatabaseSettings& db)
      : thread_([this, db] {
          pqxx::connection conn(db.connection_string());
          while (!done_) {
            const auto found = half_days(conn);
            if (!found.empty() && violation_.empty()) violation_ = found;
            ++checks_;
            std::this_thread::sleep_for(milliseconds(20));
          }
        }) {}
  ~HalfDayWatch() { stop(); }

  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  /// After stop(): the first violation seen, empty when none.
  const std::string& violation() const { return violation_; }
  int checks() const { return checks_.load(); }

 private:
  std::atomic<bool> done_{false};
  std::atomic<int> checks_{0};
  std::string violation_;  // written by the thread, read after stop()
  std::thread thread_;
};

class CleanStopTest : public ::testing::TestWithParam<int> {};

TEST_P(CleanStopTest, StopsWithinFiveSeconds) {
  const int signal = GetParam();
  const std::string name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  const auto data = stop_data();
  const auto& reference = reference_checksum();
  DemoServer demo(demo_server_options(data));
  DribblingApi api(demo, 4);
  const auto db = fresh_database();
  ASSERT_EQ(run_cli({"migrate"}, database_env(db)).exit_code, 0);
  install_expected_keys(db, data, date::year{2024} / 1);
  HalfDayWatch watch(db);

  auto run = spawn_cli({"backfill-month", "2024-01", "--parallel", "8", "--no-models"},
                       demo_env(db, api.url()));
  // Days 1-4 committed at once; eight slow days are then streaming, for ~3 s each.
  ASSERT_TRUE(eventually([&] {
    return api.requests() >= 12 && query_value(db, "select count(*) from ingest.day_loads") == "4";
  })) << run->errors();
  std::this_thread::sleep_for(milliseconds(500));
  run->kill(signal);
  const auto signalled = Clock::now();
  const auto result = run->wait();
  const double took = seconds_since(signalled);
  watch.stop();
  RecordProperty("stop_ms", static_cast<int>(took * 1000));

  EXPECT_EQ(result.exit_code, 128 + signal) << result.out << result.err;
  EXPECT_LT(took, 5.0);
  EXPECT_THAT(result.err, HasSubstr("stopping: " + name + " received"));
  EXPECT_THAT(result.out, HasSubstr("interrupted: "));
  EXPECT_TRUE(watch.violation().empty()) << watch.violation();
  EXPECT_GT(watch.checks(), 5);
  // The run is cancelled; the days rolled back are not failed, nor recorded at all.
  EXPECT_EQ(query_value(db,
                        "select status || ' ' || (finished_at is not null) || ' ' || "
                        "days_failed from ingest.runs"),
            "cancelled true 0");
  const auto loaded = std::stoi(query_value(db, "select count(*) from ingest.day_loads"));
  EXPECT_GE(loaded, 4);
  EXPECT_LT(loaded, 31) << "the stop came while days were in flight";
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status <> 'loaded'"), "0");
  EXPECT_EQ(query_value(db, "select days_loaded from ingest.runs"), std::to_string(loaded));
  EXPECT_THAT(result.out, HasSubstr("interrupted: " + std::to_string(31 - loaded) +
                                    " requested day(s) not done"));

  const auto rerun =
      run_cli({"backfill-month", "2024-01", "--no-models"}, demo_env(db, demo.url()));
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_EQ(user_events_checksum(db), reference);
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"), "31");
}

INSTANTIATE_TEST_SUITE_P(SigintAndSigterm, CleanStopTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == SIGINT ? "sigint" : "sigterm");
                         });

TEST(AbandonedRun, ASigkilledRunIsMarkedAbandonedByTheNextCommand) {
  const auto data = stop_data();
  DemoServer demo(demo_server_options(data));
  DribblingApi api(demo, 0);
  const auto db = fresh_database();
  migrate(db);
  auto run = spawn_cli({"backfill-month", "2024-01", "--parallel", "2", "--no-models"},
                       demo_env(db, api.url()));
  // Its heartbeat moves forward while it runs (every 5 s).
  ASSERT_TRUE(eventually(
      [&] {
        return query_value(db,
                           "select count(*) from ingest.runs where status = 'running' and "
                           "heartbeat_at > started_at + interval '4 seconds'") == "1";
      },
      milliseconds(15'000)))
      << run->errors();
  const int pid = run->pid();
  run->kill(SIGKILL);
  run->wait();
  EXPECT_EQ(query_value(db, "select status from ingest.runs"), "running");

  const auto next = run_cli({"request-day", "2024-01-02"}, demo_env(db, demo.url()));
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_THAT(next.err, HasSubstr("was left running: process " + std::to_string(pid)));
  EXPECT_EQ(
      query_value(db,
                  "select status || ' ' || (finished_at is not null) || ' ' || error "
                  "from ingest.runs where command = 'backfill-month'"),
      "abandoned true process " + std::to_string(pid) + " on host " + host_name() + " is gone");
  EXPECT_EQ(query_value(db, "select string_agg(status, ',' order by id) from ingest.runs"),
            "abandoned,succeeded");
}

TEST(AbandonedRun, StaleHeartbeatsAreAbandonedFromAnyHostAndLiveRunsAreLeftAlone) {
  const auto db = fresh_database();
  migrate(db);
  BackgroundProcess child({"/bin/true"});
  const int gone = child.pid();
  child.wait();
  const std::string here = host_name();
  const std::string me = std::to_string(::getpid());
  {
    pqxx::connection conn(db.connection_string());
    pqxx::work tx(conn);
    const auto add = [&](const std::string& host, const std::string& pid,
                         const std::string& started, const std::string& heartbeat) {
      tx.exec_params(
          "insert into ingest.runs (command, pid, hostname, started_at, heartbeat_at) "
          "values ('sync', $1::int, $2, now() - $3::interval, now() - $4::interval)",
          pid, host, started, heartbeat);
    };
    add("elsewhere.invalid", "4242", "1 hour", "10 minutes");  // 1: silent for 10 minutes
    add("elsewhere.invalid", "4242", "1 hour", "2 seconds");   // 2: alive over there
    add(here, std::to_string(gone), "1 minute", "2 seconds");  // 3: its process is gone
    add(here, me, "0 seconds", "2 seconds");                   // 4: this very process
    add(here, me, "1 day", "2 seconds");  // 5: a pid reused by a process started after the run
    tx.exec("insert into ingest.model_runs (run_id, model, status) values (1, 'm', 'running')");
    tx.commit();
  }
  DemoServer demo(demo_server_options(stop_data()));
  Settings s;
  s.database = db;
  s.api.url = demo.url();
  s.api.token = "demo-token";
  ASSERT_TRUE(request_day(s, date::sys_days{date::year{2024} / 1 / 5}).ok());

  const auto status = [&](int id) {
    return query_value(db, "select status from ingest.runs where id = " + std::to_string(id));
  };
  const auto error = [&](int id) {
    return query_value(db, "select error from ingest.runs where id = " + std::to_string(id));
  };
  EXPECT_EQ(status(1), "abandoned");
  EXPECT_THAT(error(1), StartsWith("no heartbeat from process 4242 on host elsewhere.invalid "
                                   "since "));
  EXPECT_EQ(status(2), "running");
  EXPECT_EQ(status(3), "abandoned");
  EXPECT_EQ(error(3), "process " + std::to_string(gone) + " on host " + here + " is gone");
  EXPECT_EQ(status(4), "running");
  EXPECT_EQ(status(5), "abandoned");
  EXPECT_THAT(error(5), HasSubstr("now belongs to a process started after the run"));
  EXPECT_EQ(query_value(db,
                        "select count(*) from ingest.runs where status = 'abandoned' and "
                        "finished_at is null"),
            "0");
  EXPECT_EQ(query_value(db, "select status || ': ' || error from ingest.model_runs"),
            "failed: the run was abandoned: " + error(1));
  EXPECT_EQ(status(6), "succeeded");
}

// The oid of every table in schema analytics: a swapped-in table has a new one.
std::map<std::string, std::string> analytics_tables(const DatabaseSettings& db) {
  std::map<std::string, std::string> tables;
  for (const auto& row : query_rows(db,
                                    "select relname::text, oid::text from pg_class where "
                                    "relnamespace = 'analytics'::regnamespace and "
                                    "relkind = 'r'")) {
    tables[row[0]] = row[1];
  }
  return tables;
}

std::string model_runs_of(const DatabaseSettings& db, std::int64_t run_id) {
  return query_value(db,
                     "select string_agg(model || '=' || status, ',' order by id) from "
                     "ingest.model_runs where run_id = " +
                         std::to_string(run_id));
}

constexpr const char* kWaitingOnUserDailyEvents =
    "select count(*) from pg_locks where not granted and relation = "
    "'analytics.user_daily_events'::regclass";

TEST(RunModelsStop, ASwapInItsTransactionCompletesAndNoModelIsBuiltAfterIt) {
  const auto db = fixture_database();
  ASSERT_TRUE(run_models(model_settings(db), shipped_models()).ok());
  const auto before = analytics_tables(db);
  insert_events(db, {{"2024-01-03", 2, "10", "active", 3}});
  // A reader holds user_daily_events: its swap waits (lock_timeout 2s, retried).
  pqxx::connection reader(db.connection_string());
  pqxx::work hold(reader);
  hold.exec("select count(*) from analytics.user_daily_events");

  auto run = spawn_cli({"run-models", "--full-refresh", "--models-dir",
                        std::string(TRIBUTARY_SOURCE_DIR) + "/analysis_sql"},
                       database_env(db));
  ASSERT_TRUE(eventually([&] { return query_value(db, kWaitingOnUserDailyEvents) != "0"; }))
      << run->errors();
  run->kill(SIGINT);
  const auto signalled = Clock::now();
  ASSERT_TRUE(
      eventually([&] { return run->errors().find("stopping: SIGINT") != std::string::npos; }));
  hold.commit();  // the reader goes: the swap gets its lock
  const auto result = run->wait();
  EXPECT_EQ(result.exit_code, 130) << result.out << result.err;
  EXPECT_LT(seconds_since(signalled), 5.0);
  EXPECT_THAT(result.out, HasSubstr("interrupted: 4 model(s) not built"));

  const auto after = analytics_tables(db);
  EXPECT_EQ(after.size(), before.size()) << "no __building or __previous table is left";
  EXPECT_NE(after.at("user_daily_events"), before.at("user_daily_events")) << "swapped in";
  EXPECT_EQ(query_value(db, "select sum(events) from analytics.user_daily_events"),
            query_value(db, "select count(*) from public.user_events"));
  for (const auto& [table, oid] : before) {
    if (table != "user_daily_events") {
      EXPECT_EQ(after.at(table), oid) << table << " untouched";
    }
  }
  const auto run_id = std::stoll(query_value(db, "select max(id) from ingest.runs"));
  EXPECT_EQ(model_runs_of(db, run_id),
            "user_daily_events=succeeded,daily_active_users=skipped,weekly_engagement=skipped,"
            "weekly_active_corporations=skipped,weekly_summary=skipped");
  EXPECT_EQ(query_value(db,
                        "select status || ' ' || (finished_at is not null) from ingest.runs "
                        "where id = " +
                            std::to_string(run_id)),
            "cancelled true");
}

TEST(RunModelsStop, ASecondSignalExitsAtOnce) {
  const auto db = fixture_database();
  ASSERT_TRUE(run_models(model_settings(db), shipped_models()).ok());
  const auto before = analytics_tables(db);
  pqxx::connection reader(db.connection_string());
  pqxx::work hold(reader);
  hold.exec("select count(*) from analytics.user_daily_events");

  auto run = spawn_cli({"run-models", "--full-refresh", "--models-dir",
                        std::string(TRIBUTARY_SOURCE_DIR) + "/analysis_sql"},
                       database_env(db));
  ASSERT_TRUE(eventually([&] { return query_value(db, kWaitingOnUserDailyEvents) != "0"; }))
      << run->errors();
  run->kill(SIGINT);
  ASSERT_TRUE(
      eventually([&] { return run->errors().find("stopping: SIGINT") != std::string::npos; }));
  // The clean stop waits for the swap, which waits for the reader: only the second signal
  // ends it now.
  run->kill(SIGINT);
  const auto second = Clock::now();
  const auto result = run->wait();
  RecordProperty("exit_ms", static_cast<int>(seconds_since(second) * 1000));
  EXPECT_EQ(result.exit_code, 130) << result.out << result.err;
  EXPECT_LT(seconds_since(second), 1.0);
  EXPECT_THAT(result.err, HasSubstr("second SIGINT received; exiting at once"));
  hold.commit();

  // The open swap was rolled back by the server: the old table stays.
  EXPECT_EQ(analytics_tables(db).at("user_daily_events"), before.at("user_daily_events"));
  const auto run_id = query_value(db, "select max(id) from ingest.runs");
  EXPECT_EQ(query_value(db, "select status from ingest.runs where id = " + run_id), "running");
  ASSERT_TRUE(run_models(model_settings(db), shipped_models()).ok());
  EXPECT_EQ(query_value(db, "select status from ingest.runs where id = " + run_id), "abandoned");
}

TEST(RunModelsStop, ABuildInProgressIsRolledBackAndThePreviousTableKept) {
  const auto db = fixture_database();
  const auto dir =
      fs::temp_directory_path() / ("tributary-slow-model-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "models.yaml") << R"(
models:
  - name: slow
    sql: slow.sql
    description: Slow on purpose.
    columns:
      - {name: id, tests: [not_null]}
)";
  std::ofstream(dir / "slow.sql") << "select g as id from generate_series(1, 2) as g\n";
  ModelRunOptions options;
  options.models_dir = dir.string();
  ASSERT_TRUE(run_models(model_settings(db), options).ok());
  std::ofstream(dir / "slow.sql", std::ios::trunc)
      << "select g as id from generate_series(1, 3) as g cross join (select pg_sleep(30)) as s\n";

  auto run = spawn_cli({"run-models", "--models-dir", dir.string()}, database_env(db));
  ASSERT_TRUE(eventually([&] {
    return query_value(db,
                       "select count(*) from pg_stat_activity where state = 'active' and "
                       "query like '%pg_sleep(30)%' and pid <> pg_backend_pid()") == "1";
  })) << run->errors();
  run->kill(SIGTERM);
  const auto signalled = Clock::now();
  const auto result = run->wait();
  RecordProperty("stop_ms", static_cast<int>(seconds_since(signalled) * 1000));
  EXPECT_EQ(result.exit_code, 143) << result.out << result.err;
  EXPECT_LT(seconds_since(signalled), 5.0);
  EXPECT_THAT(result.out, HasSubstr("interrupted: 1 model(s) not built"));

  EXPECT_EQ(query_value(db, "select count(*) from analytics.slow"), "2") << "the previous table";
  EXPECT_EQ(query_value(db, "select count(*) from pg_class where relname = 'slow__building'"), "0");
  const auto run_id = query_value(db, "select max(id) from ingest.runs");
  EXPECT_THAT(query_value(db,
                          "select status || ': ' || error from ingest.model_runs where "
                          "run_id = " +
                              run_id),
              StartsWith("failed: interrupted: the build was rolled back"));
  EXPECT_EQ(query_value(db,
                        "select status || ' ' || (finished_at is not null) from ingest.runs "
                        "where id = " +
                            run_id),
            "cancelled true");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tributary::testing
