// `cmake --install` gives a working package: the example builds against it out of the
// tree with find_package(tributary), the exported targets need no cpp-httplib, and the
// installed CLI finds the installed models from any working directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/environment.hpp"
#include "tributary/demo/server.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The build installed once into a temporary prefix for the whole suite.
class InstalledPackage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root = fs::temp_directory_path() / ("tributary-install-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "empty");
    root = fs::canonical(root);                        // as /proc/self/exe will name it
    if (!fs::exists(TRIBUTARY_CMAKE_COMMAND)) return;  // each test skips, saying why
    install = run_process(
        {TRIBUTARY_CMAKE_COMMAND, "--install", TRIBUTARY_BUILD_DIR, "--prefix", prefix().string()});
  }
  static void TearDownTestSuite() { fs::remove_all(root); }

  void SetUp() override {
    if (!fs::exists(TRIBUTARY_CMAKE_COMMAND)) {
      GTEST_SKIP() << "cmake is not at " << TRIBUTARY_CMAKE_COMMAND
                   << ", so the build cannot be installed here";
    }
    ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  }

  static fs::path prefix() { return root / "prefix"; }

  static fs::path root;
  static ProcessResult install;
};

fs::path InstalledPackage::root;
ProcessResult InstalledPackage::install;

TEST_F(InstalledPackage, HoldsTheCliTheLibraryItsHeadersAndTheModels) {
  for (const char* file :
       {"bin/tributary", "lib/libtributary.a", "lib/libtributary_models.a",
        "include/tributary/pipeline.hpp", "include/tributary/status.hpp",
        "include/tributary/models/user_event.hpp", "lib/cmake/tributary/tributaryConfig.cmake",
        "lib/cmake/tributary/tributaryTargets.cmake", "share/tributary/analysis_sql/models.yaml",
        "share/tributary/analysis_sql/weekly_summary.sql"}) {
    EXPECT_TRUE(fs::exists(prefix() / file)) << file;
  }
  // Private headers stay in the source tree.
  EXPECT_FALSE(fs::exists(prefix() / "include/db"));
  EXPECT_FALSE(fs::exists(prefix() / "include/tributary/demo"));
}

TEST_F(InstalledPackage, PackageConfigAndExportedTargetsNeverAskForCppHttplib) {
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(prefix() / "lib/cmake/tributary")) {
    if (entry.path().extension() != ".cmake") continue;
    ++files;
    EXPECT_THAT(lower(read_text(entry.path())), Not(HasSubstr("httplib"))) << entry.path();
  }
  EXPECT_GE(files, 3U);  // config, version, targets (and one file per configuration)
}

TEST_F(InstalledPackage, ExampleBuildsOutOfTreeWithFindPackageAndLoadsJanuary) {
  const auto build = root / "example-build";
  std::vector<std::string> configure = {TRIBUTARY_CMAKE_COMMAND,
                                        "-S",
                                        std::string(TRIBUTARY_SOURCE_DIR) + "/examples",
                                        "-B",
                                        build.string(),
                                        "-DCMAKE_PREFIX_PATH=" + prefix().string(),
                                        "-DCMAKE_CXX_COMPILER=" TRIBUTARY_CXX_COMPILER};
#ifdef TRIBUTARY_SANITIZED
  // The installed library is instrumented, so its users must link the sanitizer runtimes.
  configure.push_back("-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined");
  configure.push_back("-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined");
#endif
  const auto configured = run_process(configure);
  ASSERT_EQ(configured.exit_code, 0) << configured.out << configured.err;
  const auto built = run_process({TRIBUTARY_CMAKE_COMMAND, "--build", build.string(), "-j2"});
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err;

  const auto db = fresh_database();
  DemoOptions options;
  options.events_per_day = 50;
  DemoServer server(demo_server_options(options));
  const auto result = run_process({(build / "load_january").string()}, demo_env(db, server.url()),
                                  (root / "empty").string());
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("2024-01-05: loaded"));
  EXPECT_THAT(result.out, HasSubstr("January: 30 days loaded, 1 unchanged, 0 failed"));
}

TEST_F(InstalledPackage, CliRunFromAnEmptyDirectoryBuildsTheInstalledModels) {
  const auto db = fresh_database();
  auto env = database_env(db);
  env["TRIBUTARY_MODELS_DIR"] = "";  // removed: nothing names the models
  const auto result = run_process({(prefix() / "bin/tributary").string(), "run-models"}, env,
                                  (root / "empty").string());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out,
              HasSubstr("models of " +
                        (prefix() / "share/tributary/analysis_sql/models.yaml").string() + "\n"));
  for (const char* table : {"analytics.user_daily_events", "analytics.daily_active_users",
                            "analytics.weekly_engagement", "analytics.weekly_active_corporations",
                            "analytics.weekly_summary"}) {
    EXPECT_EQ(query_value(db, std::string("select to_regclass('") + table + "')::text"), table);
  }
}

}  // namespace
}  // namespace tributary::testing
