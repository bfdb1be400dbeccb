// Issue 5: API faults and database faults. Every valid event is kept exactly once, every
// invalid one with its reason, whatever fails on the way.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include <pqxx/pqxx>

#include "integration/environment.hpp"
#include "tributary/day_range.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::uint64_t kSeed = 23;

DemoOptions fault_month() {
  DemoOptions o;
  o.seed = kSeed;
  o.events_per_day = 120;
  o.invalid_rate = 0.03;
  return o;
}

Settings fault_settings_for(const DatabaseSettings& db, const std::string& url, int attempts) {
  Settings s;
  s.database = db;
  s.api.url = url;
  s.api.token = "demo-token";
  s.api.backoff_base = std::chrono::milliseconds(5);
  s.api.backoff_cap = std::chrono::milliseconds(50);
  s.api.low_speed_time = std::chrono::seconds(1);
  s.api.max_attempts = attempts;
  return s;
}

std::string rejections_fingerprint(const DatabaseSettings& db) {
  return query_value(db,
                     "select md5(coalesce(string_agg(day || ':' || position || ':' || reason || "
                     "':' || raw_json, E'\\n' order by day, position), '')) "
                     "from ingest.rejected_events");
}

struct Baseline {
  std::string events;
  std::string rejections;
};

// The table a fault-free run of the same seed gives (computed once).
const Baseline& baseline() {
  static const Baseline b = [] {
    const auto db = cluster().create_database("t_fault_baseline");
    DemoServer server(demo_server_options(fault_month()));
    const auto run = backfill_month(fault_settings_for(db, server.url(), 1), date::year{2024} / 1);
    EXPECT_TRUE(run.ok());
    return Baseline{user_events_checksum(db), rejections_fingerprint(db)};
  }();
  return b;
}

class ApiFaultTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ApiFaultTest, BackfillThroughFaultsGivesTheFaultFreeTable) {
  const auto& expected = baseline();
  const auto db = fresh_database();
  auto options = demo_server_options(fault_month());
  options.stall = std::chrono::milliseconds(2500);
  std::stringstream specs(GetParam());
  for (std::string spec; std::getline(specs, spec, ',');) options.faults.push_back(parse_fault(spec));
  DemoServer server(options);
  RunOptions run_options;
  run_options.parallel = 8;
  const auto run = backfill_month(fault_settings_for(db, server.url(), 10), date::year{2024} / 1, run_options);
  EXPECT_TRUE(run.ok()) << GetParam();
  for (const auto& day : run.days) EXPECT_EQ(day.error, "") << format_day(day.day);
  EXPECT_GT(server.requests(), 31u) << "the faults must have forced retries";
  EXPECT_GT(run.total(&DayResult::events_loaded), 0u);
  std::uint64_t attempts = 0;
  for (const auto& day : run.days) attempts += static_cast<std::uint64_t>(day.attempts);
  EXPECT_GT(attempts, 31u);
  EXPECT_EQ(user_events_checksum(db), expected.events);
  EXPECT_EQ(rejections_fingerprint(db), expected.rejections);
}

INSTANTIATE_TEST_SUITE_P(EachKindAloneAndMixed, ApiFaultTest,
                         ::testing::Values("429=0.3", "500=0.4", "503=0.4", "reset=0.4",
                                           "cut=0.4", "stall=0.15", "badjson=0.4",
                                           "429=0.1,500=0.1,503=0.1,reset=0.1,cut=0.1,"
                                           "stall=0.05,badjson=0.1"),
                         [](const auto& info) {
                           auto name = info.param.substr(0, info.param.find('='));
                           return info.param.find(',') != std::string::npos ? std::string("mixed")
                                                                            : "kind_" + name;
                         });

TEST(ApiFaultExhausted, DaysWhoseRetriesRunOutFailAndARerunCompletesThem) {
  const auto& expected = baseline();
  const auto db = fresh_database();
  auto options = demo_server_options(fault_month());
  options.faults.push_back(parse_fault("503=0.5"));
  DemoServer flaky(options);
  auto env = demo_env(db, flaky.url());
  env["TRIBUTARY_MAX_ATTEMPTS"] = "1";
  const auto first = run_cli({"backfill-month", "2024-01", "--no-models"}, env);
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  const auto failed = query_value(db, "select count(*) from ingest.day_loads where status = 'failed'");
  EXPECT_NE(failed, "0");
  EXPECT_THAT(query_value(db, "select min(last_error) from ingest.day_loads where status = 'failed'"),
              HasSubstr("503"));

  DemoServer healthy(demo_server_options(fault_month()));
  env["API_URL"] = healthy.url();
  env["TRIBUTARY_MAX_ATTEMPTS"] = "3";
  const auto second = run_cli({"backfill-month", "2024-01", "--no-models"}, env);
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(user_events_checksum(db), expected.events);
  EXPECT_EQ(rejections_fingerprint(db), expected.rejections);
}

TEST(DatabaseFault, RestartMidBackfillFailsOnlyTheDayInFlightCleanlyAndARerunCompletes) {
  const auto db = fresh_database();
  DemoOptions big = fault_month();
  big.events_per_day = 4000;
  DemoServer server(demo_server_options(big));
  auto env = demo_env(db, server.url());
  auto backfill = spawn_cli({"backfill-month", "2024-01", "--no-models", "--parallel", "4"}, env);
  // Let some days commit, then restart Postgres under the running backfill.
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string loaded;
    try {
      loaded = query_value(db, "select count(*) from ingest.day_loads");
    } catch (const std::exception&) {
      continue;  // migrations not applied yet
    }
    if (!loaded.empty() && std::stoi(loaded) >= 3) break;
  }
  cluster().restart();
  const auto first = backfill->wait();
  EXPECT_THAT(first.exit_code, ::testing::AnyOf(0, 1))
      << "signal " << first.signal << '\n' << first.out << first.err;
  EXPECT_THAT(first.out + first.err, Not(HasSubstr(db.password)));
  if (first.exit_code == 1) {
    EXPECT_THAT(first.out, HasSubstr("127.0.0.1:" + std::to_string(db.port)));
  }
  // No day is half there: every loaded day's rejections are all present.
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads d where status = 'loaded' and "
                            "events_rejected <> (select count(*) from ingest.rejected_events r "
                            "where r.day = d.day)"),
            "0");

  const auto second = run_cli({"backfill-month", "2024-01", "--no-models", "--missing-only"}, env);
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  const auto reference = cluster().create_database("t_restart_reference");
  ASSERT_TRUE(backfill_month(fault_settings_for(reference, server.url(), 3), date::year{2024} / 1).ok());
  EXPECT_EQ(user_events_checksum(db), user_events_checksum(reference));
}

TEST(DatabaseFault, ARowLockHeldPastTheLockTimeoutIsRetriedAndTheDayLoads) {
  const auto db = fresh_database();
  DemoServer server(demo_server_options(fault_month()));
  auto env = demo_env(db, server.url());
  ASSERT_EQ(run_cli({"request-day", "2024-01-03"}, env).exit_code, 0);
  const auto first_run = query_value(db, "select max(run_id) from public.user_events");

  // Another session holds one of the day's rows, so a forced reload waits on it.
  pqxx::connection holder_conn(db.connection_string());
  pqxx::work holder(holder_conn);
  // By its key: Citus locks rows of a distributed table only by an equality on device_id.
  const auto key = holder.exec(
      "select device_id, event_time from public.user_events "
      "where event_date = '2024-01-03' order by device_id, event_time "
      "limit 1")[0];
  holder.exec_params(
      "select 1 from public.user_events where device_id = $1 and "
      "event_time = $2 for update",
      key[0].as<std::string>(), key[1].as<std::int64_t>());
  env["TRIBUTARY_LOCK_TIMEOUT_MS"] = "300";
  auto reload = spawn_cli({"request-day", "2024-01-03", "--force"}, env);

  // Released only once the first attempt has timed out and a second one waits: the
  // waiting transaction's start time changes.
  // On Citus the loader's session waits for a worker, whose backend waits on the lock.
  const auto waiting_since = [&] {
    return query_value(db, cluster().citus()
                               ? "select min(xact_start)::text from pg_stat_activity "
                                 "where application_name = 'tributary' and state = 'active' "
                                 "and exists (select from citus_lock_waits)"
                               : "select min(xact_start)::text from pg_stat_activity "
                                 "where application_name = 'tributary' and wait_event_type = "
                                 "'Lock'");
  };
  std::string first_wait;
  bool retried = false;
  for (int i = 0; i < 600 && !retried; ++i) {
    const auto since = waiting_since();
    if (first_wait.empty()) {
      first_wait = since;
    } else if (!since.empty() && since != first_wait) {
      retried = true;
    }
    if (!retried) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  holder.commit();
  const auto result = reload->wait();
  EXPECT_TRUE(retried) << "the reload never waited twice on the held row";
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("lock timeout"));
  EXPECT_THAT(result.err, HasSubstr("trying the day again"));
  EXPECT_EQ(query_value(db, "select status from ingest.day_loads where day = '2024-01-03'"),
            "loaded");
  EXPECT_NE(query_value(db, "select min(run_id) from public.user_events"), first_run)
      << "every row of the forced reload carries the new run";
}

TEST(DatabaseFault, DatabaseDownAtStartExitsWithCode4AtOnce) {
  DatabaseSettings down = cluster().settings_for("t_never_created");
  down.port = free_port();
  auto env = database_env(down);
  env["API_URL"] = "http://127.0.0.1:9/events";
  const auto started = std::chrono::steady_clock::now();
  const auto result = run_cli({"backfill-month", "2024-01"}, env);
  EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
  EXPECT_THAT(result.err, Not(HasSubstr(down.password)));
}

TEST(Concurrency, TwoBackfillsOfTheSameMonthAtOnceGiveTheSingleRunTable) {
  const auto& expected = baseline();
  const auto db = fresh_database();
  DemoServer server(demo_server_options(fault_month()));
  auto env = demo_env(db, server.url());
  auto a = spawn_cli({"backfill-month", "2024-01", "--parallel", "8", "--no-models"}, env);
  auto b = spawn_cli({"backfill-month", "2024-01", "--parallel", "8", "--no-models"}, env);
  const auto ra = a->wait();
  const auto rb = b->wait();
  EXPECT_EQ(ra.exit_code, 0) << ra.out << ra.err;
  EXPECT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  EXPECT_EQ(user_events_checksum(db), expected.events);
  EXPECT_EQ(rejections_fingerprint(db), expected.rejections);
}

TEST(Concurrency, RunModelsDuringABackfillNeverFailsEitherSide) {
  const auto db = fresh_database();
  DemoOptions big = fault_month();
  big.events_per_day = 1500;
  DemoServer server(demo_server_options(big));
  auto env = demo_env(db, server.url());
  ASSERT_EQ(run_cli({"migrate"}, env).exit_code, 0);
  auto backfill = spawn_cli({"backfill-month", "2024-01", "--parallel", "4"}, env);
  for (int i = 0; i < 3; ++i) {
    const auto models = run_cli({"run-models"}, env);
    EXPECT_EQ(models.exit_code, 0) << models.out << models.err;
  }
  const auto result = backfill->wait();
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

}  // namespace
}  // namespace tributary::testing
