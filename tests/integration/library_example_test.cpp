// The README's library example is the file examples/load_january.cpp, and it works.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "integration/environment.hpp"
#include "tributary/demo/server.hpp"

namespace tributary::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LibraryExample, ReadmeShowsTheExampleVerbatim) {
  const auto readme = read_file(std::string(TRIBUTARY_SOURCE_DIR) + "/README.md");
  const auto example = read_file(std::string(TRIBUTARY_SOURCE_DIR) + "/examples/load_january.cpp");
  ASSERT_FALSE(example.empty());
  EXPECT_NE(readme.find(example), std::string::npos)
      << "README.md must contain examples/load_january.cpp verbatim";
}

TEST(LibraryExample, ExampleLoadsADayAndTheMonth) {
  const auto db = fresh_database();
  DemoOptions options;
  options.events_per_day = 100;
  DemoServer server(demo_server_options(options));
  auto env = demo_env(db, server.url());
  const auto result = run_process({TRIBUTARY_EXAMPLE_PATH}, env);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, ::testing::HasSubstr("2024-01-05: loaded"));
  EXPECT_THAT(result.out, ::testing::HasSubstr("January: 30 days loaded, 1 unchanged, 0 failed"));
}

}  // namespace
}  // namespace tributary::testing
