// `tributary demo-api` as a user runs it: the built binary, one stdout line, a day over
// HTTP, SIGTERM/SIGINT → exit 0, bad options → exit 2 naming the option.

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

}  // namespace
}  // namespace tributary
