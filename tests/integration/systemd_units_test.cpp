// The daily schedule the repository ships (deploy/): the systemd service and timer pass
// `systemd-analyze verify` and say what the README promises, and the crontab line is a
// valid five-field line whose command really runs a sync (and skips while one runs).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/environment.hpp"
#include "tributary/demo/server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kDeployDir = fs::path(TRIBUTARY_SOURCE_DIR) / "deploy";
constexpr const char* kShippedBinary = "/usr/local/bin/tributary";

std::string deploy_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void deploy_write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// "Section.Key" → value of a unit file (the last assignment wins, as in systemd).
std::map<std::string, std::string> unit_settings(const std::string& text) {
  std::map<std::string, std::string> settings;
  std::istringstream in(text);
  std::string section;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    const auto eq = line.find('=');
    if (eq != std::string::npos) settings[section + "." + line.substr(0, eq)] = line.substr(eq + 1);
  }
  return settings;
}

std::string systemd_analyze() {
  for (const char* path : {"/usr/bin/systemd-analyze", "/bin/systemd-analyze"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return {};
}

// A scratch directory named for the test, removed at the end.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The shipped units with ExecStart pointing at the built binary: `verify` insists that the
// command exists.
void copy_units_for_verify(const fs::path& to) {
  const std::string service = deploy_text(kDeployDir / "systemd" / "tributary-sync.service");
  ASSERT_THAT(service, HasSubstr(std::string("\nExecStart=") + kShippedBinary + " sync\n"));
  deploy_write(to / "tributary-sync.service",
               replace_all(service, std::string("ExecStart=") + kShippedBinary,
                           std::string("ExecStart=") + TRIBUTARY_CLI_PATH));
  fs::copy_file(kDeployDir / "systemd" / "tributary-sync.timer", to / "tributary-sync.timer");
}

TEST(SystemdUnits, ServiceAndTimerPassSystemdAnalyzeVerify) {
  const std::string analyze = systemd_analyze();
  if (analyze.empty()) {
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd, which "
                    "scripts/install-deps.sh installs)";
  }
  ScratchDir dir("tributary-units");
  // Whether verify works at all here (it needs no running systemd, but some sandboxes
  // refuse what it sets up): a unit that is surely fine.
  deploy_write(dir.path() / "probe.service", "[Service]\nType=oneshot\nExecStart=/bin/true\n");
  const auto probe = run_process({analyze, "verify", (dir.path() / "probe.service").string()});
  if (probe.exit_code != 0 || !probe.err.empty()) {
    GTEST_SKIP() << "systemd-analyze verify does not work here: " << probe.out << probe.err;
  }

  copy_units_for_verify(dir.path());
  const auto verified =
      run_process({analyze, "verify", (dir.path() / "tributary-sync.service").string(),
                   (dir.path() / "tributary-sync.timer").string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  // verify only warns (exit 0) about an unknown key or a bad value: none may appear.
  EXPECT_EQ(verified.out + verified.err, "");

  // The check can fail: a misspelt value is reported.
  const auto good = deploy_text(dir.path() / "tributary-sync.service");
  deploy_write(dir.path() / "tributary-sync.service",
               replace_all(good, "Type=oneshot", "Type=oneshott"));
  const auto broken =
      run_process({analyze, "verify", (dir.path() / "tributary-sync.service").string()});
  EXPECT_THAT(broken.err, HasSubstr("oneshott"));
}

TEST(SystemdUnits, ServiceRunsSyncAsItsOwnUserAndStopsWithSigtermFirst) {
  auto unit = unit_settings(deploy_text(kDeployDir / "systemd" / "tributary-sync.service"));
  EXPECT_EQ(unit["Service.Type"], "oneshot");
  EXPECT_EQ(unit["Service.ExecStart"], std::string(kShippedBinary) + " sync");
  EXPECT_FALSE(unit["Service.User"].empty());
  EXPECT_NE(unit["Service.User"], "root");
  const std::string workdir = unit["Service.WorkingDirectory"];
  EXPECT_FALSE(workdir.empty());
  EXPECT_EQ(unit["Service.EnvironmentFile"].rfind('-', 0), 0u)
      << "the environment file is optional";
  // tributary stops cleanly on SIGTERM within seconds; SIGKILL only after the stop timeout.
  EXPECT_EQ(unit["Service.KillSignal"], "SIGTERM");
  EXPECT_EQ(unit["Service.KillMode"], "mixed");
  EXPECT_EQ(unit["Service.TimeoutStopSec"], "30s");
  EXPECT_EQ(unit["Service.NoNewPrivileges"], "yes");
  EXPECT_EQ(unit["Service.ProtectSystem"], "strict");
  EXPECT_EQ(unit["Service.PrivateTmp"], "yes");
  EXPECT_THAT(unit["Service.ReadWritePaths"], HasSubstr(workdir)) << "ProtectSystem=strict";
  // libpq and libcurl need TCP, the Postgres Unix socket and netlink (getaddrinfo).
  for (const char* family : {"AF_UNIX", "AF_INET", "AF_INET6"}) {
    EXPECT_THAT(unit["Service.RestrictAddressFamilies"], HasSubstr(family));
  }
}

TEST(SystemdUnits, TimerStartsTheSyncDailyAt0315UtcAndCatchesUpAMissedStart) {
  auto timer = unit_settings(deploy_text(kDeployDir / "systemd" / "tributary-sync.timer"));
  EXPECT_EQ(timer["Timer.OnCalendar"], "*-*-* 03:15:00 UTC");
  EXPECT_EQ(timer["Timer.Persistent"], "true");
  EXPECT_EQ(timer["Timer.Unit"], "tributary-sync.service");
  EXPECT_EQ(timer["Install.WantedBy"], "timers.target");
  const std::string analyze = systemd_analyze();
  if (analyze.empty()) GTEST_SKIP() << "systemd-analyze is not installed";
  const auto calendar = run_process({analyze, "calendar", timer["Timer.OnCalendar"]});
  EXPECT_EQ(calendar.exit_code, 0) << calendar.err;
  EXPECT_THAT(calendar.out, HasSubstr("Normalized form: *-*-* 03:15:00 UTC"));
}

// The job lines of a crontab: neither comments, blank lines nor VAR=value lines.
std::vector<std::string> cron_jobs(const std::string& text) {
  std::vector<std::string> jobs;
  std::istringstream in(text);
  static const std::regex assignment(R"(^\s*[A-Za-z_][A-Za-z0-9_]*\s*=.*)");
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    if (std::regex_match(line, assignment)) continue;
    jobs.push_back(line);
  }
  return jobs;
}

// One of the five time fields: `*` or numbers and ranges within [low, high], comma-separated,
// each with an optional /step.
bool cron_field_ok(const std::string& field, int low, int high) {
  static const std::regex item(R"((\*|(\d+)(-(\d+))?)(/(\d+))?)");
  std::istringstream parts(field);
  int items = 0;
  for (std::string part; std::getline(parts, part, ',');) {
    std::smatch m;
    if (!std::regex_match(part, m, item)) return false;
    for (const int group : {2, 4}) {
      if (m[group].matched && (std::stoi(m[group]) < low || std::stoi(m[group]) > high)) {
        return false;
      }
    }
    if (m[6].matched && std::stoi(m[6]) == 0) return false;
    ++items;
  }
  return items > 0;
}

TEST(CronLine, IsOneJobOfFiveValidTimeFieldsRunningSyncUnderFlock) {
  const auto text = deploy_text(kDeployDir / "cron" / "tributary.crontab");
  EXPECT_THAT(text, HasSubstr("\nCRON_TZ=UTC\n"));
  const auto jobs = cron_jobs(text);
  ASSERT_EQ(jobs.size(), 1u) << text;
  std::istringstream fields(jobs[0]);
  std::vector<std::string> time(5);
  for (auto& f : time) fields >> f;
  std::string command;
  std::getline(fields, command);
  ASSERT_FALSE(command.empty()) << "five time fields, then the command: " << jobs[0];
  EXPECT_TRUE(cron_field_ok(time[0], 0, 59)) << "minute " << time[0];
  EXPECT_TRUE(cron_field_ok(time[1], 0, 23)) << "hour " << time[1];
  EXPECT_TRUE(cron_field_ok(time[2], 1, 31)) << "day of month " << time[2];
  EXPECT_TRUE(cron_field_ok(time[3], 1, 12)) << "month " << time[3];
  EXPECT_TRUE(cron_field_ok(time[4], 0, 7)) << "day of week " << time[4];
  EXPECT_EQ(time[0] + " " + time[1], "15 3") << "03:15 UTC, like the timer";
  EXPECT_THAT(command, HasSubstr("flock -n "));
  EXPECT_THAT(command, HasSubstr(std::string(kShippedBinary) + " sync"));
  EXPECT_EQ(command.find('%'), std::string::npos) << "cron turns % into a newline";
  const auto syntax = run_process({"/bin/sh", "-n", "-c", command});
  EXPECT_EQ(syntax.exit_code, 0) << syntax.err;
}

// The command of the line as cron would run it, with the shipped paths moved into `dir`.
std::string cron_command_in(const fs::path& dir) {
  const auto jobs = cron_jobs(deploy_text(kDeployDir / "cron" / "tributary.crontab"));
  std::istringstream fields(jobs.at(0));
  std::string skip;
  for (int i = 0; i < 5; ++i) fields >> skip;
  std::string command;
  std::getline(fields, command);
  command = replace_all(command, kShippedBinary, TRIBUTARY_CLI_PATH);
  command = replace_all(command, "/var/log/tributary", (dir / "log").string());
  return replace_all(command, "/srv/tributary", dir.string());
}

TEST(CronLine, RunsASyncFromItsDirectoryAndSkipsWhileAnotherRuns) {
  const auto db = fresh_database();
  DemoOptions data;
  data.events_per_day = 40;
  DemoServer api(demo_server_options(data));
  ScratchDir dir("tributary-cron");
  fs::create_directories(dir.path() / "log");
  // What an operator puts in the working directory's .env.
  deploy_write(dir.path() / ".env",
               "API_URL=" + api.url() + "\nAPI_TOKEN=demo-token\nPOSTGRES_HOST=" + db.host +
                   "\nPOSTGRES_PORT=" + std::to_string(db.port) + "\nPOSTGRES_DB=" + db.name +
                   "\nPOSTGRES_USER=" + db.user + "\nPOSTGRES_PASSWORD=" + db.password +
                   "\nTRIBUTARY_START_DATE=2024-01-01\n");
  const std::string command = cron_command_in(dir.path());
  // cron's environment is nearly empty: none of the test's own settings leak in.
  std::map<std::string, std::string> env{
      {"TRIBUTARY_NOW", "2024-01-04T12:00:00Z"},
      {"TRIBUTARY_MODELS_DIR", std::string(TRIBUTARY_SOURCE_DIR) + "/analysis_sql"}};
  for (const char* name :
       {"API_URL", "API_TOKEN", "DATABASE_URL", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB",
        "POSTGRES_USER", "POSTGRES_PASSWORD", "TRIBUTARY_PROFILE", "TRIBUTARY_PARALLEL"}) {
    env.emplace(name, "");
  }

  const auto ran = run_process({"/bin/sh", "-c", command}, env, "/");
  const std::string log = deploy_text(dir.path() / "log" / "sync.log");
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err << log;
  EXPECT_EQ(ran.out + ran.err, "") << "everything goes to the log";
  EXPECT_THAT(log, HasSubstr("days loaded 3"));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"), "3");
  EXPECT_EQ(
      query_value(db, "select command || ' ' || status from ingest.runs order by id desc limit 1"),
      "sync succeeded");

  // While a sync holds the lock, the next start is skipped: no run, nothing logged.
  const std::string lock_path = (dir.path() / ".sync.lock").string();
  ASSERT_THAT(command, HasSubstr(lock_path));
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(::flock(lock, LOCK_EX | LOCK_NB), 0);
  const auto runs_before = query_value(db, "select count(*) from ingest.runs");
  const auto skipped = run_process({"/bin/sh", "-c", command}, env, "/");
  ::close(lock);
  EXPECT_NE(skipped.exit_code, 0);
  EXPECT_EQ(query_value(db, "select count(*) from ingest.runs"), runs_before);
  EXPECT_EQ(deploy_text(dir.path() / "log" / "sync.log"), log);
}

}  // namespace
}  // namespace tributary::testing
