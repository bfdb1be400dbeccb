#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace tributary::testing {

namespace {

// argv and the environment of a child, built in the parent: between fork() and exec() the
// child may call only async-signal-safe functions. Allocating there (setenv, a vector) can
// deadlock forever on an allocator lock another thread of the test held at the fork — which
// is what hung integration.load_failure_test under ASan in CI.
class ExecPlan {
 public:
  ExecPlan(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
           const std::string& cwd)
      : argv_text_(argv), cwd_(cwd) {
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      const auto name = entry.substr(0, entry.find('='));
      if (env.count(name) == 0) env_text_.push_back(entry);
    }
    for (const auto& [key, value] : env) {
      if (!value.empty()) env_text_.push_back(key + "=" + value);
    }
    for (auto& a : argv_text_) argv_.push_back(a.data());
    argv_.push_back(nullptr);
    for (auto& e : env_text_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
  }

  // In the child: async-signal-safe calls only.
  [[noreturn]] void exec() const {
    if (!cwd_.empty() && ::chdir(cwd_.c_str()) != 0) ::_exit(126);
    ::execve(argv_[0], argv_.data(), envp_.data());
    ::_exit(127);
  }

 private:
  std::vector<std::string> argv_text_;
  std::vector<std::string> env_text_;
  std::string cwd_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int child_timeout_seconds() {
  if (const char* text = std::getenv("TRIBUTARY_TEST_CHILD_TIMEOUT_SECONDS")) {
    const int value = std::atoi(text);
    if (value > 0) return value;
  }
  return 300;
}

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env, const std::string& cwd) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const ExecPlan plan(argv, env, cwd);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, STDIN_FILENO);
    plan.exec();
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ProcessResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buffer[65536];
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::seconds(child_timeout_seconds());
  int signals_sent = 0;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      // First SIGABRT: the fatal-signal report (or the sanitizer's) prints the stack; a
      // child that ignores it is killed five seconds later.
      ::kill(pid, signals_sent == 0 ? SIGABRT : SIGKILL);
      result.timed_out = true;
      ++signals_sent;
      deadline = Clock::now() + std::chrono::seconds(5);
      continue;
    }
    if (::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000))) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      const auto n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  result.max_rss_kb = usage.ru_maxrss;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (result.timed_out) {
    result.err += "\n[run_process: " + argv.front() + " was still running after " +
                  std::to_string(child_timeout_seconds()) + " s and was aborted]\n";
  }
  return result;
}


BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& env,
                                     const std::string& cwd) {
  static int counter = 0;
  const auto base = std::filesystem::temp_directory_path() /
                    ("tributary-bg-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  out_path_ = base.string() + ".out";
  err_path_ = base.string() + ".err";
  const ExecPlan plan(argv, env, cwd);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::dup2(devnull, STDIN_FILENO);
    plan.exec();
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ignored;
  std::filesystem::remove(out_path_, ignored);
  std::filesystem::remove(err_path_, ignored);
}

std::string BackgroundProcess::output() const { return slurp(out_path_); }

std::string BackgroundProcess::errors() const { return slurp(err_path_); }

void BackgroundProcess::kill(int signal) const {
  if (!reaped_) ::kill(pid_, signal);
}

ProcessResult BackgroundProcess::wait() {
  ProcessResult result;
  int status = 0;
  rusage usage{};
  ::wait4(pid_, &status, 0, &usage);
  reaped_ = true;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  result.max_rss_kb = usage.ru_maxrss;
  result.out = slurp(out_path_);
  result.err = slurp(err_path_);
  return result;
}

std::string run_shell(const std::string& command) {
  auto result = run_process({"/bin/sh", "-c", command});
  if (result.exit_code != 0) {
    throw std::runtime_error("command failed (" + std::to_string(result.exit_code) + "): " +
                             command + "\n" + result.out + result.err);
  }
  return result.out;
}

}  // namespace tributary::testing
