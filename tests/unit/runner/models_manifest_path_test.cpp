// Which models.yaml a run uses: the option, TRIBUTARY_MODELS_DIR, ./analysis_sql, the
// installed copy beside the executable (tests/integration/install_test.cpp), the source tree.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tributary/model_runner.hpp"

namespace tributary {
namespace {

namespace fs = std::filesystem;

// Runs each test in an empty directory with TRIBUTARY_MODELS_DIR unset, and puts both back.
class ModelsManifestPath : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* env = std::getenv("TRIBUTARY_MODELS_DIR")) saved_env_ = env;
    ::unsetenv("TRIBUTARY_MODELS_DIR");
    saved_cwd_ = fs::current_path();
    dir_ = fs::temp_directory_path() / ("tributary-models-path-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::current_path(dir_);
  }
  void TearDown() override {
    fs::current_path(saved_cwd_);
    fs::remove_all(dir_);
    if (saved_env_) ::setenv("TRIBUTARY_MODELS_DIR", saved_env_->c_str(), 1);
  }

  static void write_manifest(const fs::path& folder) {
    fs::create_directories(folder);
    std::ofstream(folder / "models.yaml") << "models: []\n";
  }

  fs::path dir_;

 private:
  fs::path saved_cwd_;
  std::optional<std::string> saved_env_;
};

const fs::path kSourceManifest = fs::path(TRIBUTARY_SOURCE_DIR) / "analysis_sql" / "models.yaml";

TEST_F(ModelsManifestPath, UsesTheSourceTreesModelsWhenNothingElseHasAny) {
  EXPECT_EQ(models_manifest_path({}), kSourceManifest);
}

TEST_F(ModelsManifestPath, IgnoresAnAnalysisSqlFolderWithoutModelsYaml) {
  fs::create_directories(dir_ / "analysis_sql");
  EXPECT_EQ(models_manifest_path({}), kSourceManifest);
}

TEST_F(ModelsManifestPath, PrefersTheWorkingDirectorysAnalysisSql) {
  write_manifest(dir_ / "analysis_sql");
  EXPECT_EQ(models_manifest_path({}), fs::path("analysis_sql") / "models.yaml");
}

TEST_F(ModelsManifestPath, PrefersTheEnvironmentVariableOverTheWorkingDirectory) {
  write_manifest(dir_ / "analysis_sql");
  write_manifest(dir_ / "elsewhere");
  ::setenv("TRIBUTARY_MODELS_DIR", (dir_ / "elsewhere").c_str(), 1);
  EXPECT_EQ(models_manifest_path({}), dir_ / "elsewhere" / "models.yaml");
}

TEST_F(ModelsManifestPath, TreatsAnEmptyEnvironmentVariableAsUnset) {
  ::setenv("TRIBUTARY_MODELS_DIR", "", 1);
  EXPECT_EQ(models_manifest_path({}), kSourceManifest);
}

TEST_F(ModelsManifestPath, PrefersTheOptionOverTheEnvironmentVariable) {
  ::setenv("TRIBUTARY_MODELS_DIR", (dir_ / "elsewhere").c_str(), 1);
  ModelRunOptions options;
  options.models_dir = (dir_ / "chosen").string();
  EXPECT_EQ(models_manifest_path(options), dir_ / "chosen" / "models.yaml");
}

TEST_F(ModelsManifestPath, TakesAManifestFileAsItIs) {
  ModelRunOptions options;
  options.models_dir = (dir_ / "my-models.yml").string();
  EXPECT_EQ(models_manifest_path(options), dir_ / "my-models.yml");
}

}  // namespace
}  // namespace tributary
