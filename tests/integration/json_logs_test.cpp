// `log_format: json` (TRIBUTARY_LOG_FORMAT): every stderr line of a real CLI run is one JSON
// object, the per-day lines carry day and run_id, the retry warnings attempt.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "integration/environment.hpp"
#include "tributary/demo/server.hpp"

namespace tributary::testing::json_logs_test {
namespace {

using ::testing::HasSubstr;

std::vector<nlohmann::json> json_lines(const std::string& err) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    try {
      lines.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << "not a JSON object: " << line << " (" << e.what() << ")";
      continue;
    }
    const auto& object = lines.back();
    EXPECT_TRUE(object.is_object()) << line;
    EXPECT_TRUE(object.contains("time") && object.contains("level") && object.contains("message"))
        << line;
    EXPECT_TRUE(std::regex_match(object.value("time", ""),
                                 std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                            "\\.[0-9]{3}Z")))
        << line;
  }
  return lines;
}

TEST(JsonLogs, EveryLineOfABackfillWithRetriesIsAnObjectWithDayRunIdAndAttempt) {
  const auto db = fresh_database();
  DemoOptions data;
  data.events_per_day = 200;
  auto options = demo_server_options(data);
  options.faults.push_back(parse_fault("500=0.3"));
  options.faults.push_back(parse_fault("503=0.1"));
  DemoServer api(options);
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_LOG_FORMAT"] = "json";
  env["TRIBUTARY_MAX_ATTEMPTS"] = "8";
  env["TRIBUTARY_METRICS_FILE"] = "";
  const auto run =
      run_cli({"backfill", "--from", "2024-01-01", "--to", "2024-01-10", "--no-models"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::smatch id;
  ASSERT_TRUE(std::regex_search(run.out, id, std::regex("run ([0-9]+): days"))) << run.out;
  const auto run_id = std::stoll(id[1].str());

  const auto lines = json_lines(run.err);
  std::set<std::string> days;
  int retries = 0;
  for (const auto& line : lines) {
    const auto message = line["message"].get<std::string>();
    if (line.contains("status")) {  // the per-day line
      ASSERT_TRUE(line.contains("day")) << line;
      EXPECT_EQ(line["run_id"], run_id) << line;
      EXPECT_THAT(message, HasSubstr(line["day"].get<std::string>()));
      EXPECT_EQ(line["status"], "loaded") << line;
      EXPECT_GE(line["attempts"].get<int>(), 1);
      EXPECT_GT(line["events_received"].get<int>(), 0);
      days.insert(line["day"].get<std::string>());
    }
    if (message.find("retrying in") != std::string::npos) {
      ++retries;
      EXPECT_EQ(line["level"], "warning") << line;
      ASSERT_TRUE(line.contains("attempt")) << line;
      EXPECT_GE(line["attempt"].get<int>(), 1);
      EXPECT_THAT(message,
                  HasSubstr("attempt " + std::to_string(line["attempt"].get<int>()) + "/"));
      EXPECT_THAT(message, HasSubstr(line["day"].get<std::string>())) << "the day it retries";
      EXPECT_EQ(line["run_id"], run_id) << line;
    }
  }
  EXPECT_EQ(days.size(), 10u) << run.err;
  EXPECT_GT(retries, 0) << "the faults must have forced retries: " << run.err;
  EXPECT_GT(api.requests(), 10u);
  EXPECT_THAT(run.err, ::testing::Not(HasSubstr("demo-token")));
  EXPECT_THAT(run.err, ::testing::Not(HasSubstr("days  "))) << "no progress bar";
}

// stderr on a terminal (a pseudo-terminal from util-linux's `script`), stdout discarded:
// what the user's screen shows of the log.
std::string terminal_stderr(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) {
  std::string command = TRIBUTARY_CLI_PATH;
  for (const auto& arg : args) command += " '" + arg + "'";
  command += " >/dev/null";
  const auto dir =
      std::filesystem::temp_directory_path() / ("tributary-json-tty-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto full_env = env;
  for (const char* name : {"TRIBUTARY_PARALLEL", "TRIBUTARY_PROFILE", "TRIBUTARY_METRICS_FILE"}) {
    full_env.try_emplace(name, "");
  }
  const auto result =
      run_process({"/usr/bin/script", "-qec", command, "/dev/null"}, full_env, dir.string());
  std::filesystem::remove_all(dir);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  std::string out;
  for (const char c : result.out) {
    if (c != '\r') out += c;
  }
  return out;
}

TEST(JsonLogs, OnATerminalNoProgressBarIsDrawnAndEveryLineIsStillAnObject) {
  const auto db = fresh_database();
  DemoServer api(demo_server_options({}));
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_LOG_FORMAT"] = "text";
  const auto text = terminal_stderr(
      {"backfill", "--from", "2024-01-01", "--to", "2024-01-03", "--no-models"}, env);
  EXPECT_THAT(text, HasSubstr("3/3 days")) << "text on a terminal draws the bar: " << text;

  env["TRIBUTARY_LOG_FORMAT"] = "json";
  const auto json = terminal_stderr(
      {"backfill", "--from", "2024-01-04", "--to", "2024-01-06", "--no-models"}, env);
  EXPECT_THAT(json, ::testing::Not(HasSubstr("days  "))) << json;
  const auto lines = json_lines(json);
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const nlohmann::json& l) { return l.contains("status"); }),
            3)
      << "one line per day instead: " << json;
}

TEST(JsonLogs, TheClosingErrorIsAnObjectToo) {
  const auto db = fresh_database();
  DemoServer api(demo_server_options({}));
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_LOG_FORMAT"] = "json";
  env["POSTGRES_PORT"] = "1";  // nothing listens there
  const auto run = run_cli({"request-day", "2024-01-02"}, env);
  ASSERT_EQ(run.exit_code, 4) << run.err;
  const auto lines = json_lines(run.err);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["level"], "error");
  EXPECT_THAT(lines.back()["message"].get<std::string>(), HasSubstr("cannot reach the database"));
}

TEST(JsonLogs, TextStaysTheDefaultFormat) {
  const auto db = fresh_database();
  DemoServer api(demo_server_options({}));
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_LOG_FORMAT"] = "";
  const auto run = run_cli({"request-day", "2024-01-02"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(
      std::regex_search(run.err, std::regex("^[0-9-]{10}T[0-9:.]+ info 2024-01-02 loaded: ")))
      << run.err;
  EXPECT_THAT(run.err, ::testing::Not(HasSubstr("{\"time\"")));
}

TEST(JsonLogs, AnUnknownFormatIsAConfigurationErrorNamingTheVariable) {
  const auto db = fresh_database();
  auto env = database_env(db);
  env["TRIBUTARY_LOG_FORMAT"] = "yaml";
  const auto run = run_cli({"status"}, env);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("TRIBUTARY_LOG_FORMAT must be text or json (got 'yaml')"));
}

}  // namespace
}  // namespace tributary::testing::json_logs_test
