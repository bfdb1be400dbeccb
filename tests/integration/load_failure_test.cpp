// Days that fail, days that change upstream, and the CLI's exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "integration/environment.hpp"
#include "tributary/day_range.hpp"
#include "tributary/demo/server.hpp"
#include "tributary/pipeline.hpp"
#include "support/test_http_server.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A valid event of 2024-01-20 with the given key and upload time.
std::string event_json(const std::string& device, std::int64_t time, std::int64_t upload) {
  return R"({"date":"2024-01-20T00:00:00","device_id":")" + device +
         R"(","event_time":)" + std::to_string(time) + R"(,"amp_id":1,"user_id":7,)"
         R"("server_upload_time":)" + std::to_string(upload) +
         R"(,"server_received_time":1,"processed_time":1,"client_event_time":1,)"
         R"("client_upload_time":1,"event_type":"page_view","data_type":"event",)"
         R"("data":{"path":"/a"},"user_properties":{}})";
}

// Serves the demo generator's days itself, except that `failing_day` always answers 500.
std::string demo_day_body(const DemoGenerator& generator, date::sys_days day) {
  std::string body = "[";
  generator.generate_day(day, [&](const GeneratedEvent& e) {
    if (body.size() > 1) body += ',';
    body += e.json;
  });
  return body + "]";
}

TEST(LoadFailure, MirrorDeletesAnEventThatVanishedUpstream) {
  const auto db = fresh_database();
  std::atomic<int> version{1};
  testkit::TestHttpServer server([&](const httplib::Request&, httplib::Response& res, int) {
    std::string body = "[" + event_json("dev-a", 1705708800000, 10) + "," +
                       event_json("dev-b", 1705708800001, 10);
    if (version == 1) body += "," + event_json("dev-c", 1705708800002, 10);
    res.set_content(body + "]", testkit::kJsonType);
  });
  Settings settings;
  settings.database = db;
  settings.api.url = server.url();
  settings.api.backoff_base = std::chrono::milliseconds(10);
  const auto day = parse_day("2024-01-20");
  ASSERT_EQ(request_day(settings, day).days.at(0).status, DayStatus::Loaded);
  EXPECT_EQ(query_value(db, "select count(*) from public.user_events"), "3");

  version = 2;
  EXPECT_EQ(request_day(settings, day).days.at(0).status, DayStatus::Loaded);
  EXPECT_EQ(query_value(db, "select count(*) from public.user_events"), "3")
      << "without --mirror an event that vanished upstream stays";

  RunOptions mirror;
  mirror.load.mirror = true;
  EXPECT_EQ(request_day(settings, day, mirror).days.at(0).status, DayStatus::Loaded);
  EXPECT_EQ(query_value(db, "select string_agg(device_id, ',' order by device_id) "
                            "from public.user_events"),
            "dev-a,dev-b");
}

TEST(LoadFailure, FailedDayRollsBackWhileOthersCommitAndARerunCompletesIt) {
  const auto db = fresh_database();
  DemoOptions options;
  options.seed = 5;
  options.events_per_day = 120;
  DemoGenerator generator(options);
  const auto failing = parse_day("2024-01-10");
  testkit::TestHttpServer flaky([&](const httplib::Request& req, httplib::Response& res, int) {
    const auto day = parse_day(req.get_param_value("date"));
    if (day == failing) {
      res.status = 500;
      res.set_content(R"({"detail":"boom"})", testkit::kJsonType);
      return;
    }
    res.set_content(demo_day_body(generator, day), testkit::kJsonType);
  });
  auto env = database_env(db);
  env["API_URL"] = flaky.url();
  env["TRIBUTARY_MAX_ATTEMPTS"] = "2";
  const auto first = run_cli({"backfill-month", "2024-01", "--no-models"}, env);
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("failed 1"));
  EXPECT_EQ(query_value(db, "select status from ingest.day_loads where day = '2024-01-10'"), "failed");
  EXPECT_THAT(query_value(db, "select last_error from ingest.day_loads where day = '2024-01-10'"),
              HasSubstr("500"));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"), "30");
  EXPECT_EQ(query_value(db, "select count(*) from ingest.rejected_events where day = '2024-01-10'"),
            "0");
  std::set<std::pair<std::string, std::int64_t>> keys;
  for (const auto day : days_of(date::year{2024} / date::January)) {
    if (day == failing) continue;
    generator.generate_day(day, [&](const GeneratedEvent& e) {
      if (!e.expected_reason) keys.emplace(e.device_id, e.event_time);
    });
  }
  EXPECT_EQ(query_value(db, "select count(*) from public.user_events"), std::to_string(keys.size()));
  EXPECT_EQ(query_value(db, "select status from ingest.runs order by id desc limit 1"), "partial");

  DemoServer healthy(demo_server_options(options));
  env["API_URL"] = healthy.url();
  env["API_TOKEN"] = "demo-token";
  const auto second = run_cli({"backfill-month", "2024-01", "--missing-only", "--no-models"}, env);
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"), "31");
}

TEST(LoadFailure, RefusedTokenExitsWithCode3NamingApiToken) {
  const auto db = fresh_database();
  DemoServer server({});
  auto env = database_env(db);
  env["API_URL"] = server.url();
  env["API_TOKEN"] = "wrong-canary-token";
  const auto result = run_cli({"request-day", "2024-01-05"}, env);
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("API_TOKEN"));
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("wrong-canary-token")));
}

TEST(LoadFailure, UnreachableDatabaseExitsWithCode4NamingHostNotPassword) {
  DatabaseSettings nowhere;
  nowhere.port = free_port();
  nowhere.user = "someone";
  nowhere.password = "password-canary-123";
  auto env = database_env(nowhere);
  env["API_URL"] = "http://127.0.0.1:9/events";
  const auto result = run_cli({"request-day", "2024-01-05"}, env);
  EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("127.0.0.1:" + std::to_string(nowhere.port)));
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("password-canary-123")));
}

TEST(LoadFailure, BadDatesAreUsageErrorsNamingTheArgument) {
  const auto db = fresh_database();
  auto env = database_env(db);
  env["API_URL"] = "http://127.0.0.1:9/events";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"request-day", "2024-02-30"},
        std::vector<std::string>{"request-day", "tomorrow"},
        std::vector<std::string>{"request-day", "today+1"},
        std::vector<std::string>{"backfill-month", "2024-13"}}) {
    const auto result = run_cli(args, env);
    EXPECT_EQ(result.exit_code, 2) << args[1] << ": " << result.out << result.err;
    EXPECT_THAT(result.err, HasSubstr(args[1]));
  }
}

TEST(LoadFailure, MissingApiUrlIsAConfigurationError) {
  const auto db = fresh_database();
  const auto result = run_cli({"request-day", "2024-01-05"}, database_env(db));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("API_URL"));
}

TEST(LoadFailure, MigrateTwiceChangesNothing) {
  const auto db = fresh_database();
  const auto first = run_cli({"migrate"}, database_env(db));
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("applied 0001_init.sql"));
  const auto second = run_cli({"migrate"}, database_env(db));
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("0 applied"));
}

}  // namespace
}  // namespace tributary::testing
