// Issue 12: the progress bar and log lines on a real terminal. A backfill runs on a
// pseudo-terminal while the API answers 500 to the first attempt of some days; the bytes it
// wrote are replayed on a small screen emulator, and the screen must show each retry
// warning on a line of its own and exactly one bar.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "integration/environment.hpp"
#include "support/test_http_server.hpp"
#include "tributary/day_range.hpp"
#include "tributary/demo/generator.hpp"

extern char** environ;

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What a program run on a pseudo-terminal wrote to it (stdout and stderr both).
struct TerminalOutput {
  int exit_code = -1;
  std::string bytes;
  bool timed_out = false;
};

// Runs the built CLI with `args` on a new pseudo-terminal of 200 columns (stdin, stdout and
// stderr all the terminal, so isatty() is true), in an empty directory, with `changes` set
// in (or, for empty values, removed from) this process's environment.
TerminalOutput run_cli_on_terminal(const std::vector<std::string>& args,
                                   std::map<std::string, std::string> changes) {
  for (const char* name : {"API_URL", "API_TOKEN", "TRIBUTARY_PARALLEL", "TRIBUTARY_PROFILE",
                           "TRIBUTARY_MODELS_DIR", "TRIBUTARY_LOG_FORMAT"}) {
    changes.try_emplace(name, "");
  }
  changes.try_emplace("TERM", "xterm");
  // Everything the child needs is built before the fork: only exec-safe calls after it.
  std::vector<std::string> env_text;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string line = *entry;
    if (changes.count(line.substr(0, line.find('='))) == 0) env_text.push_back(line);
  }
  for (const auto& [name, value] : changes) {
    if (!value.empty()) env_text.push_back(name + "=" + value);
  }
  std::vector<std::string> argv_text{TRIBUTARY_CLI_PATH};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  std::vector<char*> envp;
  for (auto& a : argv_text) argv.push_back(a.data());
  for (auto& e : env_text) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tributary-pty-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cwd = dir.string();

  winsize size{};
  size.ws_col = 200;
  size.ws_row = 50;
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  TerminalOutput out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      out.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd ready{master, POLLIN, 0};
    if (::poll(&ready, 1, 200) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) {
      out.bytes.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;  // EIO: the child closed its side (it ended)
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// The lines a terminal shows after receiving `bytes`: printable characters overwrite the
// cell under the cursor, `\r` goes to column 0, `\n` to the next line, `\b` one column
// back, `ESC[K` / `ESC[0K` erases to the end of the line, `ESC[1K` to its start, `ESC[2K`
// the whole line; other escape sequences (colours) change nothing visible. Lines never
// wrap (the test's terminal is wider than anything written). Trailing blanks are dropped.
std::vector<std::string> terminal_screen(const std::string& bytes) {
  std::vector<std::string> lines(1);
  std::size_t row = 0;
  std::size_t col = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\r') {
      col = 0;
    } else if (c == '\n') {
      ++row;
      if (lines.size() <= row) lines.resize(row + 1);
    } else if (c == '\b') {
      if (col > 0) --col;
    } else if (c == '\x1b' && i + 1 < bytes.size() && bytes[i + 1] == '[') {
      std::size_t end = i + 2;
      while (end < bytes.size() && (bytes[end] < 0x40 || bytes[end] > 0x7e)) ++end;
      if (end >= bytes.size()) break;
      const std::string params = bytes.substr(i + 2, end - i - 2);
      if (bytes[end] == 'K') {
        auto& line = lines[row];
        if (params.empty() || params == "0") {
          if (line.size() > col) line.resize(col);
        } else if (params == "1") {
          for (std::size_t k = 0; k <= col && k < line.size(); ++k) line[k] = ' ';
        } else if (params == "2") {
          line.clear();
        }
      }
      i = end;
    } else if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') {
      auto& line = lines[row];
      if (line.size() <= col) line.resize(col + 1, ' ');
      line[col++] = c;
    }
  }
  for (auto& line : lines) line.erase(line.find_last_not_of(' ') + 1);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string screen_text(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "|" + line + "\n";
  return text;
}

TEST(TerminalScreen, ReplaysCarriageReturnsAndLineErases) {
  EXPECT_EQ(terminal_screen("abc\rX\n"), (std::vector<std::string>{"Xbc"}));
  EXPECT_EQ(terminal_screen("[##..] 1/2\r[####] 2/2\n"), (std::vector<std::string>{"[####] 2/2"}));
  EXPECT_EQ(terminal_screen("bar\r\x1b[2Kwarn\r\nbar"), (std::vector<std::string>{"warn", "bar"}));
  EXPECT_EQ(terminal_screen("long text\r\x1b[Kab\x1b[31mc\x1b[m"), (std::vector<std::string>{"abc"}));
  EXPECT_EQ(terminal_screen("bar 1/2 ETA 9s   2024 warn\r\n"),
            (std::vector<std::string>{"bar 1/2 ETA 9s   2024 warn"}));
}

// One day of the demo generator, as the API's JSON array.
std::string terminal_test_day_body(const DemoGenerator& generator, date::sys_days day) {
  std::string body = "[";
  generator.generate_day(day, [&](const GeneratedEvent& e) {
    if (body.size() > 1) body += ',';
    body += e.json;
  });
  return body + "]";
}

// A backfill of 2024-01-01 .. `last_day` with `parallel` days in flight on a terminal, the
// API answering 500 to the first attempt of each of `flaky_days`: the screen it leaves
// shows one line per retry warning, each starting with the log time, and a single bar.
void expect_warnings_on_lines_of_their_own(const std::string& last_day, int parallel,
                                           const std::set<std::string>& flaky_days) {
  const auto db = fresh_database();
  DemoOptions data;
  data.seed = 12;
  data.events_per_day = 40;
  DemoGenerator generator(data);
  std::mutex seen_mutex;
  std::set<std::string> seen_days;
  testkit::TestHttpServer server([&](const httplib::Request& req, httplib::Response& res, int) {
    const std::string day = req.get_param_value("date");
    bool first = false;
    {
      std::lock_guard lock(seen_mutex);
      first = seen_days.insert(day).second;
    }
    if (first && flaky_days.count(day) > 0) {
      res.status = 500;
      res.set_content(R"({"detail":"injected failure"})", testkit::kJsonType);
      return;
    }
    res.set_content(terminal_test_day_body(generator, parse_day(day)), testkit::kJsonType);
  });
  auto env = database_env(db);
  env["API_URL"] = server.url();
  env["API_TOKEN"] = "demo-token";
  env["TRIBUTARY_MAX_ATTEMPTS"] = "3";
  const auto days = (parse_day(last_day) - parse_day("2024-01-01")).count() + 1;
  const std::string total = std::to_string(days) + "/" + std::to_string(days) + " days";
  const auto run = run_cli_on_terminal({"backfill", "--from", "2024-01-01", "--to", last_day,
                                        "--parallel", std::to_string(parallel), "--no-models"},
                                       env);
  ASSERT_FALSE(run.timed_out) << run.bytes;
  const auto screen = terminal_screen(run.bytes);
  const std::string shown = screen_text(screen);
  EXPECT_EQ(run.exit_code, 0) << shown;
  // The bar was drawn (stderr is a terminal) before the last warning came.
  ASSERT_LT(run.bytes.find(" days  "), run.bytes.rfind("retrying")) << shown;

  const std::regex log_line(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3} \S+ .*)");
  const std::regex bar(R"(\] \d+/\d+ days)");
  std::size_t bars = 0;
  std::size_t warnings = 0;
  for (const auto& line : screen) {
    if (std::regex_search(line, bar)) ++bars;
    if (line.find("retrying") == std::string::npos) continue;
    ++warnings;
    EXPECT_TRUE(std::regex_match(line, log_line))
        << "a warning must start at column 0 with the log time: '" << line << "'\n" << shown;
    EXPECT_THAT(line, Not(HasSubstr("[###"))) << shown;
    EXPECT_FALSE(std::regex_search(line, bar)) << shown;
  }
  EXPECT_EQ(warnings, flaky_days.size()) << shown;
  EXPECT_EQ(bars, 1U) << "exactly one bar on the screen\n" << shown;
  EXPECT_THAT(shown, HasSubstr("] " + total)) << shown;
  EXPECT_EQ(query_value(db, "select count(*) from ingest.day_loads where status = 'loaded'"),
            std::to_string(days));
}

TEST(ProgressTerminal, RetryWarningsDuringABackfillGetLinesOfTheirOwnAndOneBarRemains) {
  // One day at a time: each warning comes while the bar of the days before is shown.
  expect_warnings_on_lines_of_their_own("2024-01-08", 1, {"2024-01-03", "2024-01-05", "2024-01-07"});
}

TEST(ProgressTerminal, WarningsFromSeveralWorkersWhileAnotherDrawsTheBarStayWhole) {
  // Four days in flight: warnings come from one worker while another draws the bar.
  expect_warnings_on_lines_of_their_own(
      "2024-01-24", 4,
      {"2024-01-02", "2024-01-06", "2024-01-09", "2024-01-12", "2024-01-15", "2024-01-18",
       "2024-01-21", "2024-01-23"});
}

}  // namespace
}  // namespace tributary::testing
