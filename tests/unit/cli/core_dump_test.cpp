// The CLI holds the API token and the database password: no core file unless
// TRIBUTARY_ALLOW_CORE_DUMPS=true, and a crash still reports its stack.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "support/process.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;

// The test's own core limit raised to its hard limit while a test runs, so a child that
// leaves the limit alone is told apart from one that lowers it to 0.
class CliCoreDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::getrlimit(RLIMIT_CORE, &saved_);
    if (saved_.rlim_max == 0) GTEST_SKIP() << "the hard core limit is 0 already";
    const rlimit raised{saved_.rlim_max, saved_.rlim_max};
    ASSERT_EQ(::setrlimit(RLIMIT_CORE, &raised), 0);
    dir_ = fs::temp_directory_path() / ("tributary-core-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    ::setrlimit(RLIMIT_CORE, &saved_);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // `tributary demo-api --port 0`, started in the scratch directory; returns once it listens.
  std::unique_ptr<BackgroundProcess> start_demo_api(const std::map<std::string, std::string>& env) {
    auto child = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{TRIBUTARY_CLI_PATH, "demo-api", "--port", "0"}, env,
        dir_.string());
    for (int i = 0; i < 500 && child->output().find("listening on") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_THAT(child->output(), ::testing::HasSubstr("listening on"));
    return child;
  }

  rlimit saved_{};
  fs::path dir_;
};

// The "Max core file size" line of /proc/PID/limits: soft and hard limit, as written there.
std::pair<std::string, std::string> core_limit_of(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Max core file size", 0) != 0) continue;
    std::istringstream fields(line.substr(std::string("Max core file size").size()));
    std::string soft;
    std::string hard;
    fields >> soft >> hard;
    return {soft, hard};
  }
  return {};
}

std::string as_proc_limit(rlim_t value) {
  return value == RLIM_INFINITY ? "unlimited" : std::to_string(value);
}

TEST_F(CliCoreDumpTest, CoreLimitIsZeroByDefault) {
  auto child = start_demo_api({{"TRIBUTARY_ALLOW_CORE_DUMPS", ""}});
  EXPECT_EQ(core_limit_of(child->pid()), std::make_pair(std::string("0"), std::string("0")));
}

TEST_F(CliCoreDumpTest, CoreLimitIsZeroWhenSetToFalse) {
  auto child = start_demo_api({{"TRIBUTARY_ALLOW_CORE_DUMPS", "false"}});
  EXPECT_EQ(core_limit_of(child->pid()), std::make_pair(std::string("0"), std::string("0")));
}

TEST_F(CliCoreDumpTest, AllowCoreDumpsTrueLeavesTheLimitAsItWas) {
#ifdef TRIBUTARY_SANITIZED
  GTEST_SKIP() << "AddressSanitizer sets the core limit to 0 and handles SIGSEGV itself; "
                  "the normal build runs this test";
#endif
  auto child = start_demo_api({{"TRIBUTARY_ALLOW_CORE_DUMPS", " True "}});
  const std::string limit = as_proc_limit(saved_.rlim_max);
  EXPECT_EQ(core_limit_of(child->pid()), std::make_pair(limit, limit));
}

TEST_F(CliCoreDumpTest, AMalformedAllowCoreDumpsIsAConfigurationError) {
  const auto result = run_process({TRIBUTARY_CLI_PATH, "validate", "/nonexistent.json"},
                                  {{"TRIBUTARY_ALLOW_CORE_DUMPS", "sometimes"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(
      result.err,
      ::testing::HasSubstr("TRIBUTARY_ALLOW_CORE_DUMPS must be true or false (got 'sometimes')"));
}

TEST_F(CliCoreDumpTest, AFatalSignalStillPrintsTheStackAndLeavesNoCoreFile) {
#ifdef TRIBUTARY_SANITIZED
  GTEST_SKIP() << "AddressSanitizer sets the core limit to 0 and handles SIGSEGV itself; "
                  "the normal build runs this test";
#endif
  auto child = start_demo_api({{"TRIBUTARY_ALLOW_CORE_DUMPS", ""}});
  child->kill(SIGSEGV);
  const auto result = child->wait();
  EXPECT_EQ(result.signal, SIGSEGV);
  EXPECT_THAT(result.err, ::testing::HasSubstr("tributary: fatal signal SEGV; stack:\n"));
  EXPECT_THAT(result.err, ::testing::HasSubstr("tributary("));  // a frame of the binary
  for (const auto& entry : fs::directory_iterator(dir_)) {
    ADD_FAILURE() << "left a file: " << entry.path();
  }
}

}  // namespace
}  // namespace tributary::testing
