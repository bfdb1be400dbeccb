// `tributary demo-api` as a user runs it: the built binary, one stdout line, a day over
// HTTP, SIGTERM/SIGINT → exit 0, bad options → exit 2 naming the option, the clock (--now,
// TRIBUTARY_NOW, --late-rate, DATE forms of --from/--to).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "tributary/demo/generator.hpp"
#include "tributary/models/iso_time.hpp"

namespace tributary {
namespace {

using std::chrono::milliseconds;

/// A running `tributary` child whose stdout the test reads; killed if the test fails early.
class RunningCli {
 public:
  explicit RunningCli(const std::vector<std::string>& args,
                      const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv{TRIBUTARY_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> arg_ptrs;
    arg_ptrs.reserve(argv.size() + 1);
    for (auto& a : argv) arg_ptrs.push_back(a.data());
    arg_ptrs.push_back(nullptr);
    std::vector<std::string> environment = env;
    for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
    std::vector<char*> env_ptrs;
    env_ptrs.reserve(environment.size() + 1);
    for (auto& e : environment) env_ptrs.push_back(e.data());
    env_ptrs.push_back(nullptr);

    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::execve(arg_ptrs[0], arg_ptrs.data(), env_ptrs.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
  }
  ~RunningCli() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  RunningCli(const RunningCli&) = delete;
  RunningCli& operator=(const RunningCli&) = delete;

  /// Reads stdout up to a newline or EOF, waiting at most `timeout`.
  std::string read_line(milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char c = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd ready{out_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      if (::read(out_, &c, 1) != 1 || c == '\n') break;
      line += c;
    }
    return line;
  }

  /// Sends `signal` and waits for the exit code (-1: killed by a signal or still running).
  int stop_with(int signal, milliseconds timeout) {
    ::kill(pid_, signal);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

/// The port of a `listening on http://127.0.0.1:PORT/events` line, or 0.
int listening_port(const std::string& line) {
  static const std::regex line_pattern(R"(^listening on http://127\.0\.0\.1:([0-9]+)/events$)");
  std::smatch match;
  return std::regex_match(line, match, line_pattern) ? std::stoi(match[1]) : 0;
}

TEST(DemoApiCommand, PrintsOneListeningLineServesTheSeedsEventsAndExitsZeroOnSigterm) {
  RunningCli cli({"demo-api", "--port", "0", "--events-per-day", "200", "--seed", "9"});
  const std::string line = cli.read_line(milliseconds(10'000));
  const int port = listening_port(line);
  ASSERT_GT(port, 0) << "stdout line: '" << line << "'";

  httplib::Client client("127.0.0.1", port);
  const auto res = client.Get("/events?date=2024-01-05", {{"api-token", "demo-token"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  DemoOptions options;
  options.seed = 9;
  options.events_per_day = 200;
  std::string expected = "[";
  DemoGenerator(options).generate_day(date::sys_days{date::year{2024} / 1 / 5},
                                      [&](const GeneratedEvent& e) {
                                        if (expected.size() > 1) expected += ',';
                                        expected += e.json;
                                      });
  EXPECT_EQ(res->body, expected + "]");

  EXPECT_EQ(cli.stop_with(SIGTERM, milliseconds(5000)), 0);
  EXPECT_EQ(cli.read_line(milliseconds(500)), "");  // nothing but the one line on stdout
}

TEST(DemoApiCommand, TakesTheTokenFromDemoApiTokenAndExitsZeroOnSigint) {
  RunningCli cli({"demo-api", "--port", "0", "--events-per-day", "10"}, {"DEMO_API_TOKEN=s3cret"});
  const int port = listening_port(cli.read_line(milliseconds(10'000)));
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  const auto refused = client.Get("/events?date=2024-01-05", {{"api-token", "demo-token"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  const auto accepted = client.Get("/events?date=2024-01-05", {{"api-token", "s3cret"}});
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
  EXPECT_EQ(cli.stop_with(SIGINT, milliseconds(5000)), 0);
}

TEST(DemoApiCommand, RejectsBadOptionsWithExitCode2NamingEachOne) {
  const auto result =
      testing::run_process({TRIBUTARY_CLI_PATH, "demo-api", "--port", "0", "--from", "2024-02-30",
                            "--fault", "nope=1", "--invalid-rate", "2"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  for (const char* named : {"--from", "2024-02-30", "nope=1", "--invalid-rate"}) {
    EXPECT_NE(result.err.find(named), std::string::npos) << named << " in: " << result.err;
  }
}

TEST(DemoApiCommand, RefusesAPortInUseWithExitCode2) {
  RunningCli first({"demo-api", "--port", "0", "--events-per-day", "10"});
  const int port = listening_port(first.read_line(milliseconds(10'000)));
  ASSERT_GT(port, 0);
  const auto second =
      testing::run_process({TRIBUTARY_CLI_PATH, "demo-api", "--port", std::to_string(port)});
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find(std::to_string(port)), std::string::npos) << second.err;
}

/// The body the demo API serves for `day` at `now` with `options`.
std::string served_body(const DemoOptions& options, date::sys_days day, const char* now) {
  std::string body = "[";
  DemoGenerator(options).generate_served(day, *models::parse_iso8601(now),
                                         [&](const GeneratedEvent& e) {
                                           if (body.size() > 1) body += ',';
                                           body += e.json;
                                         });
  return body + "]";
}

/// The status of GET /events?date=`day` on `port`, and its body in `body`.
int status_of(int port, const std::string& day, std::string* body = nullptr) {
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Get("/events?date=" + day, {{"api-token", "demo-token"}});
  if (!res) return -1;
  if (body != nullptr) *body = res->body;
  return res->status;
}

TEST(DemoApiCommand, ServesByItsNowWithTheDateFormsCountedFromIt) {
  RunningCli cli({"demo-api", "--port", "0", "--events-per-day", "200", "--seed", "9", "--now",
                  "2024-03-20T12:00:00Z", "--from", "today-2", "--to", "today", "--late-rate",
                  "0.1"});
  const int port = listening_port(cli.read_line(milliseconds(10'000)));
  ASSERT_GT(port, 0);
  DemoOptions options;
  options.seed = 9;
  options.events_per_day = 200;
  options.late_rate = 0.1;
  options.from = date::sys_days{date::year{2024} / 3 / 18};
  options.to = date::sys_days{date::year{2024} / 3 / 20};
  for (const char* day : {"2024-03-18", "2024-03-19", "2024-03-20"}) {
    std::string body;
    EXPECT_EQ(status_of(port, day, &body), 200) << day;
    EXPECT_EQ(body, served_body(options, *models::parse_iso_date(day), "2024-03-20T12:00:00Z"))
        << day;
  }
  std::string today;
  status_of(port, "2024-03-20", &today);
  std::string whole = "[";
  DemoGenerator(options).generate_day(date::sys_days{date::year{2024} / 3 / 20},
                                      [&](const GeneratedEvent& e) {
                                        if (whole.size() > 1) whole += ',';
                                        whole += e.json;
                                      });
  EXPECT_LT(today.size(), (whole + "]").size());  // today is served in part
  EXPECT_EQ(status_of(port, "2024-03-17"), 404);  // before --from today-2
  EXPECT_EQ(status_of(port, "2024-03-21"), 404);  // after today
  EXPECT_EQ(cli.stop_with(SIGTERM, milliseconds(5000)), 0);
}

TEST(DemoApiCommand, TakesItsNowFromTributaryNowUnlessGivenNow) {
  {
    RunningCli cli({"demo-api", "--port", "0", "--events-per-day", "50", "--to", "2024-12-31"},
                   {"TRIBUTARY_NOW=2024-01-10T00:00:00Z"});
    const int port = listening_port(cli.read_line(milliseconds(10'000)));
    ASSERT_GT(port, 0);
    EXPECT_EQ(status_of(port, "2024-01-09"), 200);
    EXPECT_EQ(status_of(port, "2024-01-10"), 404);  // nothing uploaded yet at 00:00
    EXPECT_EQ(status_of(port, "2024-01-11"), 404);
  }
  RunningCli cli({"demo-api", "--port", "0", "--events-per-day", "50", "--to", "2024-12-31",
                  "--now", "2024-01-12T12:00:00Z"},
                 {"TRIBUTARY_NOW=2024-01-10T00:00:00Z"});
  const int port = listening_port(cli.read_line(milliseconds(10'000)));
  ASSERT_GT(port, 0);
  EXPECT_EQ(status_of(port, "2024-01-12"), 200);
  EXPECT_EQ(status_of(port, "2024-01-13"), 404);
}

TEST(DemoApiCommand, ServesYesterdayWholeWithALateRateOfZero) {
  RunningCli cli({"demo-api", "--port", "0", "--events-per-day", "200", "--now",
                  "2024-01-06T00:30:00Z", "--late-rate", "0"});
  const int port = listening_port(cli.read_line(milliseconds(10'000)));
  ASSERT_GT(port, 0);
  DemoOptions options;
  options.events_per_day = 200;
  options.late_rate = 0.0;
  std::string expected = "[";
  DemoGenerator(options).generate_day(date::sys_days{date::year{2024} / 1 / 5},
                                      [&](const GeneratedEvent& e) {
                                        if (expected.size() > 1) expected += ',';
                                        expected += e.json;
                                      });
  std::string body;
  EXPECT_EQ(status_of(port, "2024-01-05", &body), 200);
  EXPECT_EQ(body, expected + "]");
}

TEST(DemoApiCommand, RejectsBadClockOptionsWithExitCode2NamingEachOne) {
  const auto result =
      testing::run_process({TRIBUTARY_CLI_PATH, "demo-api", "--port", "0", "--now", "noonish",
                            "--late-rate", "1.5", "--from", "today-x", "--to", "2024-13-01"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  for (const char* named :
       {"--now", "noonish", "--late-rate", "--from", "today-x", "--to", "2024-13-01"}) {
    EXPECT_NE(result.err.find(named), std::string::npos) << named << " in: " << result.err;
  }
  const auto negative =
      testing::run_process({TRIBUTARY_CLI_PATH, "demo-api", "--port", "0", "--late-rate", "-0.5"});
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_NE(negative.err.find("--late-rate"), std::string::npos) << negative.err;

  const auto environment = testing::run_process({TRIBUTARY_CLI_PATH, "demo-api", "--port", "0"},
                                                {{"TRIBUTARY_NOW", "soon"}});
  EXPECT_EQ(environment.exit_code, 2);
  EXPECT_NE(environment.err.find("TRIBUTARY_NOW"), std::string::npos) << environment.err;

  const auto reversed =
      testing::run_process({TRIBUTARY_CLI_PATH, "demo-api", "--port", "0", "--now",
                            "2024-03-20T12:00:00Z", "--from", "today", "--to", "yesterday"});
  EXPECT_EQ(reversed.exit_code, 2);
  EXPECT_NE(reversed.err.find("--from today (2024-03-20) is after --to yesterday (2024-03-19)"),
            std::string::npos)
      << reversed.err;
}

TEST(DemoApiCommand, LogsItsNowAndLateRateAtStart) {
  testing::BackgroundProcess cli({TRIBUTARY_CLI_PATH, "demo-api", "--port", "0", "--now",
                                  "2024-01-20T08:00:00Z", "--late-rate", "0.05"});
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(10'000);
  while (cli.output().find('\n') == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  cli.kill(SIGTERM);
  const auto result = cli.wait();
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.err.find("late rate 0.05, now 2024-01-20T08:00:00Z"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace tributary
