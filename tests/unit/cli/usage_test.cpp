// The CLI's own words: every error line starts with `error:`, `Usage:` names `tributary`,
// and `--version` names the commit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/process.hpp"

namespace tributary::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
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
