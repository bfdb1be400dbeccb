// `tributary report` against a real warehouse: a demo month loaded and modelled, the report
// written, then opened in headless Chromium without any network, where every chart must
// have rendered (non-blank canvas, data pixels), with as many points as its table has rows,
// and without a console error; a screenshot is kept under the build directory. Also: the
// analyst login writes the same report, a role outside tributary_reader is refused with a
// clear message, bad --since/--until and a missing Chart.js are usage errors (exit 2).
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/environment.hpp"
#include "tributary/report.hpp"

namespace tributary::testing::report_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAnalystPassword = "report-analyst-password";

fs::path artifacts_dir() {
  const fs::path dir = fs::path(TRIBUTARY_BUILD_DIR) / "test-artifacts";
  fs::create_directories(dir);
  return dir;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The JSON the page embeds (element #report-data), parsed.
nlohmann::json embedded_figures(const fs::path& page) {
  const auto html = read_text(page);
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto start = html.find(open);
  if (start == std::string::npos) return nullptr;
  const auto end = html.find("</script>", start);
  return nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
}

// The `analyst` login of scripts/create-analyst-role.sh on `db`'s cluster.
DatabaseSettings analyst_of(const DatabaseSettings& db) {
  auto env = database_env(db);
  env["ANALYST_PASSWORD"] = kAnalystPassword;
  const auto created = run_process(
      {"/bin/bash", std::string(TRIBUTARY_SOURCE_DIR) + "/scripts/create-analyst-role.sh"}, env);
  EXPECT_EQ(created.exit_code, 0) << created.err;
  auto analyst = db;
  analyst.url.clear();
  analyst.user = "analyst";
  analyst.password = kAnalystPassword;
  return analyst;
}

// January 2024 from the demo API (600 events a day, 3% invalid), loaded and modelled once
// for the whole suite.
class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new DatabaseSettings(cluster().create_database("report_demo_month"));
    DemoOptions data;
    data.events_per_day = 600;
    data.invalid_rate = 0.03;
    DemoServer server(demo_server_options(data));
    const auto backfill = run_cli({"backfill-month", "2024-01"}, demo_env(*db_, server.url()));
    ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }

  // Writes the report as `login` to the artifacts folder; the CLI's result.
  static ProcessResult report_as(const DatabaseSettings& login, const fs::path& out,
                                 std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"report", "--out", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args, database_env(login));
  }

  static DatabaseSettings* db_;
};

DatabaseSettings* ReportTest::db_ = nullptr;

// --- the page in a real browser -------------------------------------------------------------

// Chromium with no network at all: in a network namespace of its own when this process may
// make one (root), else with every host name unresolvable; always with its own profile.
// The path of `program` on PATH; empty when absent.
std::string program_path(const std::string& program) {
  auto found = run_process({"/bin/sh", "-c", "command -v " + program});
  if (found.exit_code != 0) return {};
  while (!found.out.empty() && std::isspace(static_cast<unsigned char>(found.out.back()))) {
    found.out.pop_back();
  }
  return found.out;
}

std::vector<std::string> chromium_command(const fs::path& profile) {
  std::vector<std::string> argv;
  const auto unshare = program_path("unshare");
  if (!unshare.empty() && run_process({unshare, "--net", "/bin/true"}).exit_code == 0) {
    argv = {unshare, "--net"};
  }
  argv.push_back(program_path("chromium"));
  for (const char* arg : {"--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                          "--disable-extensions", "--disable-background-networking",
                          "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND",
                          "--enable-logging=stderr", "--v=0", "--hide-scrollbars"}) {
    argv.emplace_back(arg);
  }
  argv.push_back("--user-data-dir=" + profile.string());
  return argv;
}

bool chromium_present() { return !program_path("chromium").empty(); }

// A DOM text node's HTML escapes undone (what --dump-dom writes for textContent).
std::string unescape_text(std::string text) {
  const std::pair<const char*, const char*> escapes[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&nbsp;", "\u00a0"}, {"&amp;", "&"}};
  for (const auto& [from, to] : escapes) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
      text.replace(at, std::strlen(from), to);
    }
  }
  return text;
}

// The summary the page's script wrote into #report-summary after drawing.
nlohmann::json rendered_summary(const std::string& dom) {
  const auto open = dom.find("id=\"report-summary\"");
  if (open == std::string::npos) return nullptr;
  const auto start = dom.find('>', open) + 1;
  const auto end = dom.find("</pre>", start);
  const auto text = unescape_text(dom.substr(start, end - start));
  if (text.empty()) return nullptr;
  return nlohmann::json::parse(text);
}

// Lines of Chromium's log about the page's console or its scripts' errors.
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> found;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    // Chromium's own pages (chrome://, a busy machine's "Slow network is detected") are not
    // the report's.
    if (line.find("source: chrome://") != std::string::npos) continue;
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) {
      found.push_back(line);
    }
  }
  return found;
}

std::int64_t rows_of(const DatabaseSettings& db, const std::string& sql) {
  return std::stoll(query_value(db, sql));
}

TEST_F(ReportTest, EveryChartRendersOfflineWithOnePointPerRowAndNoConsoleError) {
  if (!chromium_present()) {
    GTEST_SKIP() << "chromium is not installed (Debian package chromium; make deps installs it)";
  }
  const auto page = artifacts_dir() / "report.html";
  const auto written = report_as(*db_, page);
  ASSERT_EQ(written.exit_code, 0) << written.out << written.err;
  EXPECT_THAT(written.out, HasSubstr("data complete through 2024-01-31"));

  const auto profile =
      fs::temp_directory_path() / ("tributary-report-chromium-" + std::to_string(::getpid()));
  auto argv = chromium_command(profile);
  argv.push_back("--dump-dom");
  argv.push_back("file://" + page.string());
  const auto browser = run_process(argv);
  ASSERT_EQ(browser.exit_code, 0) << browser.err;
  const auto summary = rendered_summary(browser.out);
  ASSERT_FALSE(summary.is_null()) << "the page's script did not finish:\n" << browser.err;
  EXPECT_EQ(summary["done"], true);
  EXPECT_EQ(summary["errors"], nlohmann::json::array()) << summary.dump(2);
  EXPECT_EQ(summary["resources"], nlohmann::json::array()) << "the page loaded something";
  EXPECT_THAT(console_lines(browser.err), ::testing::IsEmpty());

  // Each chart: as many points per dataset as its table has rows, drawn in its colour.
  const auto weeks = rows_of(*db_, "select count(*) from analytics.weekly_engagement");
  const auto corp_weeks =
      rows_of(*db_, "select count(*) from analytics.weekly_active_corporations");
  const auto summary_weeks = rows_of(*db_, "select count(*) from analytics.weekly_summary");
  const auto days = rows_of(*db_, "select count(*) from analytics.daily_active_users");
  const auto loads = rows_of(*db_, "select count(*) from analytics.load_status");
  const auto reasons =
      rows_of(*db_, "select least(10, count(distinct reason)) from analytics.rejection_reasons");
  EXPECT_EQ(weeks, 5);  // 2024-01-01 (a Monday) to the partial week of 2024-01-29
  EXPECT_EQ(days, 31);
  EXPECT_GT(reasons, 0);
  const std::map<std::string, std::vector<std::int64_t>> expected = {
      {"weekly_active_users", {weeks}},
      {"weekly_active_corporations", {corp_weeks, corp_weeks}},
      {"events_per_user", {summary_weeks, summary_weeks}},
      {"events_per_corporation", {summary_weeks, summary_weeks}},
      {"daily_active_users", {days}},
      {"load_health", {loads, loads}},
      {"rejection_reasons", {reasons}},
  };
  const auto& charts = summary["charts"];
  EXPECT_EQ(charts.size(), expected.size()) << charts.dump(2);
  for (const auto& [id, points] : expected) {
    ASSERT_TRUE(charts.contains(id)) << id;
    const auto& chart = charts[id];
    EXPECT_EQ(chart["points"].get<std::vector<std::int64_t>>(), points) << id;
    EXPECT_EQ(chart["labels"].get<std::int64_t>(), points.front()) << id;
    EXPECT_GT(chart["painted_pixels"].get<std::int64_t>(), 0) << id << ": blank canvas";
    EXPECT_GT(chart["data_pixels"].get<std::int64_t>(), 50) << id << ": no data drawn";
  }

  // The partial week is marked; the models are documented with their graph.
  EXPECT_EQ(charts["weekly_active_users"]["partial_labels"],
            nlohmann::json::array({"2024-01-29 (partial)"}));
  EXPECT_EQ(query_value(*db_,
                        "select string_agg(week_start::text, ',') from "
                        "analytics.weekly_engagement where days_covered < 7"),
            "2024-01-29");
  EXPECT_THAT(browser.out,
              HasSubstr("Partial weeks (fewer than 7 days with data): 2024-01-29 (3 days)."));
  EXPECT_THAT(browser.out, HasSubstr("id=\"model-weekly_summary\""));
  EXPECT_THAT(browser.out, HasSubstr("Mean of each active user's event count in the week"));
  EXPECT_THAT(browser.out, HasSubstr("user_daily_events → weekly_summary"));
  EXPECT_THAT(browser.out, HasSubstr("data complete through 2024-01-31"));

  // The screenshot, kept as the test's artifact.
  const auto screenshot = artifacts_dir() / "report.png";
  fs::remove(screenshot);
  auto shot = chromium_command(profile);
  shot.push_back("--screenshot=" + screenshot.string());
  shot.push_back("--window-size=1280,2400");
  shot.push_back("file://" + page.string());
  const auto taken = run_process(shot);
  EXPECT_EQ(taken.exit_code, 0) << taken.err;
  ASSERT_TRUE(fs::exists(screenshot)) << taken.err;
  EXPECT_EQ(read_text(screenshot).substr(1, 3), "PNG");
  EXPECT_GT(fs::file_size(screenshot), 20000u);
  EXPECT_THAT(console_lines(taken.err), ::testing::IsEmpty());
  fs::remove_all(profile);
}

// --- who may run it ---------------------------------------------------------------------------

TEST_F(ReportTest, TheAnalystLoginWritesTheSameFiguresAsTheOwner) {
  const auto analyst = analyst_of(*db_);
  const auto dir = artifacts_dir();
  const auto owner_run = report_as(*db_, dir / "report-owner.html");
  ASSERT_EQ(owner_run.exit_code, 0) << owner_run.err;
  const auto analyst_run = report_as(analyst, dir / "report-analyst.html");
  ASSERT_EQ(analyst_run.exit_code, 0) << analyst_run.out << analyst_run.err;
  auto owner = embedded_figures(dir / "report-owner.html");
  auto theirs = embedded_figures(dir / "report-analyst.html");
  owner.erase("generated_at");
  theirs.erase("generated_at");
  EXPECT_EQ(theirs, owner);
  EXPECT_EQ(theirs["weekly_users"].size(), 5u);
  EXPECT_EQ(theirs["models"].size(), 5u);
  EXPECT_NE(theirs["models"][0]["last_built_at"], nullptr);
  // Nothing secret in the page: neither password, nor a raw rejected event.
  const auto html = read_text(dir / "report-analyst.html");
  EXPECT_THAT(html, Not(HasSubstr(kAnalystPassword)));
  EXPECT_THAT(html, Not(HasSubstr(db_->password)));
  EXPECT_THAT(html, Not(HasSubstr("device_id\":\"")));
}

TEST_F(ReportTest, ARoleOutsideTributaryReaderIsRefusedNamingTheRole) {
  cluster().psql("postgres",
                 "do $$ begin if not exists (select from pg_roles where rolname = "
                 "'report_outsider') then create role report_outsider login password "
                 "'outsider-pw'; end if; end $$");
  cluster().psql("postgres", "grant connect on database report_demo_month to report_outsider");
  auto outsider = *db_;
  outsider.url.clear();
  outsider.user = "report_outsider";
  outsider.password = "outsider-pw";
  const auto out = artifacts_dir() / "report-outsider.html";
  fs::remove(out);
  const auto run = report_as(outsider, out);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("role \"report_outsider\" may not read schema analytics"));
  EXPECT_THAT(run.err, HasSubstr("GRANT tributary_reader TO \"report_outsider\""));
  EXPECT_FALSE(fs::exists(out));
}

// --- the span and the usage errors ------------------------------------------------------------

TEST_F(ReportTest, SinceAndUntilKeepTheWeeksTouchingTheSpanAndItsDays) {
  const auto out = artifacts_dir() / "report-span.html";
  const auto run = report_as(*db_, out, {"--since", "2024-01-10", "--until", "2024-01-16"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto figures = embedded_figures(out);
  EXPECT_EQ(figures["since"], "2024-01-10");
  EXPECT_EQ(figures["daily_users"].size(), 7u);
  EXPECT_EQ(figures["loads"].size(), 7u);
  ASSERT_EQ(figures["weekly_users"].size(), 2u);
  EXPECT_EQ(figures["weekly_users"][0]["week_start"], "2024-01-08");
  EXPECT_EQ(figures["weekly_users"][1]["week_start"], "2024-01-15");
  // The ten most frequent reasons of those days, and their counts over those days only.
  const std::string top_ten =
      "select reason, sum(events) as events from analytics.rejection_reasons "
      "where day between '2024-01-10' and '2024-01-16' group by reason "
      "order by events desc, reason limit 10";
  std::int64_t shown = 0;
  for (const auto& r : figures["rejection_reasons"]) shown += r["events"].get<std::int64_t>();
  EXPECT_EQ(figures["rejection_reasons"].size(), 10u);
  EXPECT_EQ(shown, rows_of(*db_, "select sum(events) from (" + top_ten + ") t"));
  EXPECT_EQ(figures["rejection_reasons"][0]["reason"],
            query_value(*db_, "select reason from (" + top_ten + ") t limit 1"));
  // Over a day the view's counts add up to the day's rejections.
  EXPECT_EQ(rows_of(*db_,
                    "select sum(events) from analytics.rejection_reasons "
                    "where day between '2024-01-10' and '2024-01-16'"),
            rows_of(*db_,
                    "select sum(events_rejected) from analytics.load_status "
                    "where day between '2024-01-10' and '2024-01-16'"));
}

TEST_F(ReportTest, BadSinceOrUntilIsAUsageErrorNamingTheOption) {
  const auto out = artifacts_dir() / "report-bad.html";
  const auto bad_day = report_as(*db_, out, {"--since", "2024-13-01"});
  EXPECT_EQ(bad_day.exit_code, 2);
  EXPECT_THAT(bad_day.err, HasSubstr("--since"));
  const auto reversed = report_as(*db_, out, {"--since", "2024-01-20", "--until", "2024-01-10"});
  EXPECT_EQ(reversed.exit_code, 2);
  EXPECT_THAT(reversed.err, HasSubstr("--since 2024-01-20 is after --until 2024-01-10"));
  const auto bad_until = report_as(*db_, out, {"--until", "soon"});
  EXPECT_EQ(bad_until.exit_code, 2);
  EXPECT_THAT(bad_until.err, HasSubstr("--until"));
}

TEST_F(ReportTest, AMissingChartJsIsAUsageErrorNamingTheFileAndThePackage) {
  const auto out = artifacts_dir() / "report-nochart.html";
  fs::remove(out);
  const auto run = report_as(*db_, out, {"--chart-js", "/nonexistent/chart.min.js"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("Chart.js not found at /nonexistent/chart.min.js"));
  EXPECT_FALSE(fs::exists(out));
  if (fs::exists(kDefaultChartJsPath)) {
    // Something that is not Chart.js is refused too.
    const auto not_chart = report_as(*db_, out, {"--chart-js", "/etc/hostname"});
    EXPECT_EQ(not_chart.exit_code, 2);
    EXPECT_THAT(not_chart.err, HasSubstr("is not a Chart.js build"));
  }
}

TEST(ReportBeforeModels, ChartsOfModelsNotBuiltYetSaySoAndTheRestIsWritten) {
  const auto db = fresh_database();
  DemoOptions data;
  data.events_per_day = 100;
  data.to = date::sys_days{date::year{2024} / 1 / 3};
  DemoServer server(demo_server_options(data));
  const auto env = demo_env(db, server.url());
  const auto load =
      run_cli({"backfill", "--from", "2024-01-01", "--to", "2024-01-03", "--no-models"}, env);
  ASSERT_EQ(load.exit_code, 0) << load.err;
  const auto out = artifacts_dir() / "report-no-models.html";
  const auto run = run_cli({"report", "--out", out.string()}, env);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("analytics.weekly_engagement has not been built yet"));
  const auto figures = embedded_figures(out);
  EXPECT_EQ(figures["loads"].size(), 3u);
  EXPECT_EQ(figures["missing_relations"].size(), 4u);
  EXPECT_EQ(figures["models"][0]["status"], nullptr);
}

TEST(ReportBeforeModels, ADatabaseNeverMigratedIsAUsageErrorSayingWhatToRun) {
  const auto db = fresh_database();
  const auto out = artifacts_dir() / "report-unmigrated.html";
  const auto run = run_cli({"report", "--out", out.string()}, database_env(db));
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("the database has no schema analytics: run tributary migrate"));
  // Read-only: the report migrated nothing.
  EXPECT_EQ(query_value(db, "select count(*) from pg_namespace where nspname = 'ingest'"), "0");
}

}  // namespace
}  // namespace tributary::testing::report_test
