// `--metrics-file`: the run's figures for node_exporter's textfile collector, read back with
// a real Prometheus text parser (python3-prometheus-client) and compared with the run's own
// report; the file replaced atomically; a bad path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "integration/environment.hpp"
#include "support/test_http_server.hpp"
#include "tributary/demo/server.hpp"

namespace tributary::testing::metrics_test {
namespace {

using ::testing::HasSubstr;

// Prints every sample of the file as one JSON array: name, labels, value.
constexpr const char* kParse = R"(
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
out = []
for family in text_string_to_metric_families(text):
    if family.type != 'gauge':
        raise SystemExit('family %s is %s, not gauge' % (family.name, family.type))
    if not family.documentation:
        raise SystemExit('family %s has no HELP' % family.name)
    for s in family.samples:
        out.append({'name': s.name, 'labels': s.labels, 'value': s.value})
print(json.dumps(out))
)";

// Debian's python3 (python3-prometheus-client installs there), not whichever a version
// manager put first on PATH.
const std::string& python() {
  static const std::string chosen = [] {
    for (const char* candidate : {"/usr/bin/python3", "/usr/local/bin/python3"}) {
      if (run_process({candidate, "-c", "import prometheus_client.parser"}).exit_code == 0) {
        return std::string(candidate);
      }
    }
    return std::string();
  }();
  return chosen;
}

bool have_prometheus_parser() { return !python().empty(); }

// The samples of the metrics file at `path`, keyed `name{label=value,...}` (labels sorted,
// `command` left out).
std::map<std::string, double> parse_metrics(const std::filesystem::path& path) {
  const auto parsed = run_process({python(), "-c", kParse, path.string()});
  EXPECT_EQ(parsed.exit_code, 0) << parsed.err;
  std::map<std::string, double> samples;
  for (const auto& s : nlohmann::json::parse(parsed.out)) {
    std::string key = s["name"].get<std::string>();
    std::string labels;
    for (const auto& [name, value] : s["labels"].items()) {
      if (name == "command") continue;
      labels += (labels.empty() ? "" : ",") + name + "=" + value.get<std::string>();
    }
    if (!labels.empty()) key += "{" + labels + "}";
    samples[key] = s["value"].get<double>();
  }
  return samples;
}

std::string commands_of(const std::filesystem::path& path) {
  const auto parsed = run_process({python(), "-c", kParse, path.string()});
  std::set<std::string> commands;
  for (const auto& s : nlohmann::json::parse(parsed.out)) {
    commands.insert(s["labels"]["command"].get<std::string>());
  }
  return commands.size() == 1 ? *commands.begin() : "several";
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A directory of its own for the test, removed at the end.
struct TempDir {
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("tributary-metrics-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

std::uint64_t figure(const std::string& text, const std::string& pattern) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(text, m, std::regex(pattern))) << pattern << " in\n" << text;
  return m.size() > 1 ? std::stoull(m[1].str()) : 0;
}

ino_t inode(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_ino;
}

DemoOptions small_month() {
  DemoOptions data;
  data.events_per_day = 300;
  return data;
}

TEST(MetricsFile, BackfillFiguresEqualTheRunReportAndTheFileIsReplacedAtomically) {
  if (!have_prometheus_parser()) {
    GTEST_SKIP() << "python3 with prometheus_client is not installed (Debian: "
                    "python3-prometheus-client, in scripts/install-deps.sh)";
  }
  const auto db = fresh_database();
  DemoServer api(demo_server_options(small_month()));
  TempDir dir;
  const auto path = dir.path / "tributary.prom";
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_METRICS_FILE"] = "";
  env["TRIBUTARY_LOG_FORMAT"] = "";

  const auto run = run_cli(
      {"backfill", "--from", "2024-01-01", "--to", "2024-01-05", "--metrics-file", path.string()},
      env);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto m = parse_metrics(path);
  EXPECT_EQ(commands_of(path), "backfill");
  EXPECT_EQ(m["tributary_last_run_id"], figure(run.out, "run ([0-9]+): days"));
  for (const char* status : {"loaded", "empty", "incomplete", "unchanged", "failed"}) {
    EXPECT_EQ(m[std::string("tributary_last_run_days{status=") + status + "}"],
              figure(run.out, std::string("[ /]") + status + " ([0-9]+)"))
        << status;
  }
  EXPECT_EQ(m["tributary_last_run_days{status=loaded}"], 5);
  EXPECT_EQ(m["tributary_last_run_days{status=skipped}"], 0);
  EXPECT_EQ(m["tributary_last_run_events{outcome=loaded}"],
            figure(run.out, "events loaded ([0-9]+)"));
  EXPECT_EQ(m["tributary_last_run_events{outcome=rejected}"], figure(run.out, "rejected ([0-9]+)"));
  EXPECT_EQ(m["tributary_last_run_events{outcome=duplicate}"],
            figure(run.out, "duplicate ([0-9]+)"));
  EXPECT_GT(m["tributary_last_run_events{outcome=loaded}"], 1000);
  EXPECT_EQ(m["tributary_last_run_models{status=succeeded}"],
            figure(run.out, "models succeeded ([0-9]+)"));
  EXPECT_GT(m["tributary_last_run_models{status=succeeded}"], 0);
  EXPECT_EQ(m["tributary_last_run_models{status=failed}"], 0);
  EXPECT_EQ(m["tributary_last_run_exit_code"], 0);
  EXPECT_GT(m["tributary_last_run_duration_seconds"], 0);
  const double ended = m["tributary_last_run_timestamp_seconds"];
  EXPECT_NEAR(ended, static_cast<double>(std::time(nullptr)), 120);
  EXPECT_EQ(m["tributary_last_success_timestamp_seconds"], ended);
  // Every day from the first known one (2024-01-01) through 2024-01-05 is loaded: the data
  // is complete through the end of 2024-01-05.
  EXPECT_EQ(m["tributary_data_through_timestamp_seconds"], 1704499200);  // 2024-01-06T00:00Z
  auto names = std::filesystem::directory_iterator(dir.path);
  EXPECT_EQ(std::distance(begin(names), end(names)), 1) << "no temporary file is left";

  // A second run replaces the file (a new inode, one copy of each family), not appends.
  const auto first_inode = inode(path);
  const auto again = run_cli({"backfill", "--from", "2024-01-01", "--to", "2024-01-05",
                              "--no-models", "--metrics-file", path.string()},
                             env);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(inode(path), first_inode);
  const auto text = read(path);
  EXPECT_EQ(text.find("# TYPE tributary_last_run_days"),
            text.rfind("# TYPE tributary_last_run_days"));
  m = parse_metrics(path);
  EXPECT_EQ(m["tributary_last_run_days{status=unchanged}"], 5);
  EXPECT_EQ(m["tributary_last_run_days{status=loaded}"], 0);
  EXPECT_EQ(m["tributary_last_run_models{status=succeeded}"], 0) << "--no-models";
  names = std::filesystem::directory_iterator(dir.path);
  EXPECT_EQ(std::distance(begin(names), end(names)), 1);
}

TEST(MetricsFile, ARunStoppedByARefusedTokenSaysExit3AndKeepsTheLastSuccess) {
  if (!have_prometheus_parser()) GTEST_SKIP() << "python3 with prometheus_client is not installed";
  const auto db = fresh_database();
  DemoServer api(demo_server_options(small_month()));
  TempDir dir;
  const auto path = dir.path / "sync.prom";
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_METRICS_FILE"] = path.string();  // the setting, not the flag
  env["TRIBUTARY_LOG_FORMAT"] = "";

  const auto good =
      run_cli({"sync", "--since", "2024-01-01", "--until", "2024-01-03", "--no-models"}, env);
  ASSERT_EQ(good.exit_code, 0) << good.err;
  const auto success = parse_metrics(path)["tributary_last_success_timestamp_seconds"];
  EXPECT_GT(success, 0);

  env["API_TOKEN"] = "wrong-token-for-the-demo";
  const auto refused =
      run_cli({"sync", "--since", "2024-01-01", "--until", "2024-01-06", "--no-models"}, env);
  ASSERT_EQ(refused.exit_code, 3) << refused.err;
  const auto m = parse_metrics(path);
  EXPECT_EQ(commands_of(path), "sync");
  EXPECT_EQ(m.at("tributary_last_run_exit_code"), 3);
  EXPECT_EQ(m.at("tributary_last_success_timestamp_seconds"), success);
  EXPECT_GE(m.at("tributary_last_run_timestamp_seconds"), success);
  EXPECT_EQ(m.at("tributary_last_run_days{status=loaded}"), 0);
  // The data is still complete through 2024-01-03, as the first run left it.
  EXPECT_EQ(m.at("tributary_data_through_timestamp_seconds"), 1704326400);  // 2024-01-04T00:00Z
  EXPECT_THAT(read(path), ::testing::Not(HasSubstr("wrong-token")));
}

TEST(MetricsFile, RunModelsWritesItsModelsAndAnUnreachableDatabaseItsExitCode) {
  if (!have_prometheus_parser()) GTEST_SKIP() << "python3 with prometheus_client is not installed";
  const auto db = fresh_database();
  TempDir dir;
  const auto path = dir.path / "models.prom";
  auto env = database_env(db);
  env["TRIBUTARY_LOG_FORMAT"] = "";
  const auto built = run_cli({"run-models", "--metrics-file", path.string()}, env);
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  auto m = parse_metrics(path);
  EXPECT_EQ(commands_of(path), "run-models");
  EXPECT_EQ(m["tributary_last_run_models{status=succeeded}"],
            figure(built.out, "models succeeded ([0-9]+)"));
  EXPECT_EQ(m["tributary_data_through_timestamp_seconds"], 0) << "no day loaded at all";

  env["POSTGRES_PORT"] = "1";  // nothing listens there
  const auto down = run_cli({"run-models", "--metrics-file", path.string()}, env);
  ASSERT_EQ(down.exit_code, 4) << down.err;
  m = parse_metrics(path);
  EXPECT_EQ(m["tributary_last_run_exit_code"], 4);
  EXPECT_EQ(m.count("tributary_data_through_timestamp_seconds"), 0u) << "not known: left out";
  EXPECT_GT(m["tributary_last_success_timestamp_seconds"], 0);
}

TEST(MetricsFile, AMissingDirectoryIsAConfigurationErrorBeforeAnyRequest) {
  const auto db = fresh_database();
  DemoServer api(demo_server_options(small_month()));
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_LOG_FORMAT"] = "";
  const auto result = run_cli(
      {"request-day", "2024-01-02", "--metrics-file", "/nonexistent-dir/tributary.prom"}, env);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("metrics file '/nonexistent-dir/tributary.prom'"));
  EXPECT_THAT(result.err, HasSubstr("the directory /nonexistent-dir does not exist"));
  EXPECT_EQ(api.requests(), 0u) << "no work started";
}

TEST(MetricsFile, AFileThatCannotBeWrittenAtTheEndIsAnErrorLineAndTheExitCodeStays) {
  TempDir dir;
  const auto gone = dir.path / "gone";
  std::filesystem::create_directories(gone);
  // The API removes the metrics file's directory while the day is fetched: the run itself
  // succeeds (an empty day), the file cannot be written.
  testkit::TestHttpServer api([&](const httplib::Request&, httplib::Response& res, int) {
    std::filesystem::remove_all(gone);
    res.status = 404;
    res.set_content(R"({"detail": "No event found for date"})", testkit::kJsonType);
  });
  const auto db = fresh_database();
  auto env = demo_env(db, api.url());
  env["TRIBUTARY_LOG_FORMAT"] = "";
  const auto path = gone / "tributary.prom";
  const auto result = run_cli({"request-day", "2024-01-02", "--metrics-file", path.string()}, env);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("empty 1"));
  EXPECT_THAT(result.err, HasSubstr("error: could not write the metrics file " + path.string()));
  EXPECT_FALSE(std::filesystem::exists(gone));
}

}  // namespace
}  // namespace tributary::testing::metrics_test
