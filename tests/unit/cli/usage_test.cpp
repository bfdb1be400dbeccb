// The CLI's own words: every error line starts with `error:`, `Usage:` names `tributary`,
// `--version` names the commit, and each command's --help lists the global options.
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/process.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

TEST(CliUsage, ParseErrorsStartWithErrorAndPointToHelp) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status", "--bogus"}, std::vector<std::string>{"request-day"},
        std::vector<std::string>{"no-such-command"}}) {
    const auto result = run_process([&] {
      std::vector<std::string> argv{TRIBUTARY_CLI_PATH};
      argv.insert(argv.end(), args.begin(), args.end());
      return argv;
    }());
    EXPECT_EQ(result.exit_code, 2) << args[0];
    EXPECT_THAT(result.err, StartsWith("error: ")) << args[0];
    EXPECT_THAT(result.err, HasSubstr("Run with --help for more information.")) << args[0];
  }
}

TEST(CliUsage, GlobalOptionsAreTakenBeforeOrAfterTheCommand) {
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{TRIBUTARY_CLI_PATH, "--config", "/nonexistent/t.yaml", "status"},
        std::vector<std::string>{TRIBUTARY_CLI_PATH, "status", "--config", "/nonexistent/t.yaml"},
        std::vector<std::string>{TRIBUTARY_CLI_PATH, "status", "--profile", "prod", "--config",
                                 "/nonexistent/t.yaml"}}) {
    const auto result = run_process(argv);
    EXPECT_EQ(result.exit_code, 2) << argv[1];
    // The option reached the settings (which name the missing file), not the parser.
    EXPECT_THAT(result.err, HasSubstr("--config: file '/nonexistent/t.yaml' does not exist"))
        << argv[1];
  }
}

/// The subcommands `tributary --help` lists, in its order.
std::vector<std::string> listed_commands() {
  const auto result = run_process({TRIBUTARY_CLI_PATH, "--help"});
  std::vector<std::string> names;
  std::istringstream lines(result.out);
  bool in_list = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Subcommands:", 0) == 0) {
      in_list = true;
    } else if (in_list && line.rfind("  ", 0) == 0) {
      std::istringstream words(line);
      std::string name;
      words >> name;
      names.push_back(name);
    } else if (in_list && !line.empty()) {
      in_list = false;
    }
  }
  return names;
}

TEST(CliUsage, EveryCommandThatReadsSettingsListsTheGlobalOptionsInItsHelp) {
  // The offline ones read no settings, so a --config there would mean nothing.
  const std::set<std::string> offline = {"validate", "demo-api"};
  const auto names = listed_commands();
  ASSERT_GE(names.size(), 13U) << "tributary --help lists fewer commands than it has";
  for (const auto& name : names) {
    const auto result = run_process({TRIBUTARY_CLI_PATH, name, "--help"});
    EXPECT_EQ(result.exit_code, 0) << name;
    EXPECT_THAT(result.out, HasSubstr("Usage: tributary " + name)) << name;
    if (offline.count(name) != 0) {
      EXPECT_THAT(result.out, Not(HasSubstr("Global options"))) << name;
      continue;
    }
    EXPECT_THAT(result.out, HasSubstr("Global options (before or after the command):")) << name;
    EXPECT_THAT(result.out, MatchesRegex("(.|\n)*\n  --config TEXT +YAML settings file(.|\n)*"))
        << name;
    EXPECT_THAT(result.out, MatchesRegex("(.|\n)*\n  --profile TEXT +named profile(.|\n)*"))
        << name;
  }
}

TEST(CliUsage, UsageNamesTributaryNotThePathOfTheBinary) {
  const auto result = run_process({TRIBUTARY_CLI_PATH, "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("Usage: tributary "));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr(TRIBUTARY_CLI_PATH)));
}

TEST(CliUsage, VersionNamesTheCommit) {
  const auto result = run_process({TRIBUTARY_CLI_PATH, "--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, MatchesRegex("tributary 0\\.1\\.0 \\(([0-9a-f]{12}|unknown)\\)\n"));
}

}  // namespace
}  // namespace tributary::testing
