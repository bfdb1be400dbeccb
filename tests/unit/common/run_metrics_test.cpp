// The metrics file's text and its atomic replacement.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tributary/error.hpp"
#include "tributary/run_metrics.hpp"

namespace tributary::run_metrics_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RunFigures sample_figures() {
  RunFigures f;
  f.command = "sync";
  f.finished = TimePoint(std::chrono::milliseconds(1'704'250'800'250));  // 2024-01-03T03:00:00.25Z
  f.duration = std::chrono::milliseconds(12'500);
  f.run_id = 42;
  DayResult loaded;
  loaded.status = DayStatus::Loaded;
  loaded.events_loaded = 100;
  loaded.events_rejected = 3;
  loaded.events_duplicate = 2;
  DayResult failed;
  failed.status = DayStatus::Failed;
  f.days.days = {loaded, loaded, failed};
  ModelResult model;
  model.status = ModelStatus::Succeeded;
  f.models.models = {model};
  f.data_through_known = true;
  f.data_through = date::sys_days{date::year{2024} / 1 / 1};
  return f;
}

TEST(PrometheusText, GaugesWithHelpTypeAndTheCommandLabel) {
  auto f = sample_figures();
  f.exit_code = 1;
  const auto text = prometheus_text(f);
  EXPECT_THAT(text, HasSubstr("# HELP tributary_last_run_timestamp_seconds "));
  EXPECT_THAT(text,
              HasSubstr("# TYPE tributary_last_run_timestamp_seconds gauge\n"
                        "tributary_last_run_timestamp_seconds{command=\"sync\"} 1704250800.250\n"));
  EXPECT_THAT(text, HasSubstr("tributary_last_run_duration_seconds{command=\"sync\"} 12.500\n"));
  EXPECT_THAT(text, HasSubstr("tributary_last_run_exit_code{command=\"sync\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tributary_last_run_id{command=\"sync\"} 42\n"));
  EXPECT_THAT(text, HasSubstr("tributary_last_run_days{command=\"sync\",status=\"loaded\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("tributary_last_run_days{command=\"sync\",status=\"failed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tributary_last_run_days{command=\"sync\",status=\"skipped\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("tributary_last_run_events{command=\"sync\",outcome=\"loaded\"} 200\n"));
  EXPECT_THAT(text,
              HasSubstr("tributary_last_run_events{command=\"sync\",outcome=\"rejected\"} 6\n"));
  EXPECT_THAT(text,
              HasSubstr("tributary_last_run_events{command=\"sync\",outcome=\"duplicate\"} 4\n"));
  EXPECT_THAT(text,
              HasSubstr("tributary_last_run_models{command=\"sync\",status=\"succeeded\"} 1\n"));
  // The end of 2024-01-01 is 2024-01-02T00:00:00Z.
  EXPECT_THAT(text,
              HasSubstr("tributary_data_through_timestamp_seconds{command=\"sync\"} 1704153600\n"));
  // A failed run with no earlier success known: 0.
  EXPECT_THAT(text, HasSubstr("tributary_last_success_timestamp_seconds{command=\"sync\"} 0\n"));
  EXPECT_EQ(text.back(), '\n');
  EXPECT_THAT(text, Not(HasSubstr("_total")));
}

TEST(PrometheusText, ASuccessIsThisRunsEndAndAFailureKeepsThePreviousOne) {
  auto f = sample_figures();
  f.previous_success = TimePoint(std::chrono::seconds(1'704'164'400));
  f.exit_code = 0;
  EXPECT_THAT(
      prometheus_text(f),
      HasSubstr("tributary_last_success_timestamp_seconds{command=\"sync\"} 1704250800.250\n"));
  f.exit_code = 4;
  const auto failed = prometheus_text(f);
  EXPECT_THAT(failed,
              HasSubstr("tributary_last_success_timestamp_seconds{command=\"sync\"} 1704164400\n"));
  // ... and reads back from the file it wrote.
  const auto back = last_success_in(failed, "sync");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, TimePoint(std::chrono::seconds(1'704'164'400)));
  EXPECT_FALSE(last_success_in(failed, "backfill").has_value()) << "another command's figure";
}

TEST(PrometheusText, DataThroughUnknownIsLeftOutAndNoneIsZero) {
  auto f = sample_figures();
  f.data_through_known = false;
  EXPECT_THAT(prometheus_text(f), Not(HasSubstr("tributary_data_through")));
  f.data_through_known = true;
  f.data_through.reset();
  EXPECT_THAT(prometheus_text(f),
              HasSubstr("tributary_data_through_timestamp_seconds{command=\"sync\"} 0\n"));
}

TEST(LastSuccessIn, IgnoresWhatDoesNotParse) {
  EXPECT_FALSE(last_success_in("", "sync"));
  EXPECT_FALSE(last_success_in("garbage\n\x01\x02", "sync"));
  EXPECT_FALSE(
      last_success_in("tributary_last_success_timestamp_seconds{command=\"sync\"} abc\n", "sync"));
  EXPECT_FALSE(
      last_success_in("tributary_last_success_timestamp_seconds{command=\"sync\"} -5\n", "sync"));
  EXPECT_FALSE(
      last_success_in("tributary_last_success_timestamp_seconds{command=\"sync\"} 12 x\n", "sync"));
  EXPECT_FALSE(
      last_success_in("tributary_last_success_timestamp_seconds{command=\"sync\"} 0\n", "sync"));
  EXPECT_TRUE(last_success_in(
      "# x\ntributary_last_success_timestamp_seconds{command=\"sync\"} 1704164400.5", "sync"));
}

class WriteFileAtomically : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tributary-metrics-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::filesystem::path dir_;
};

TEST_F(WriteFileAtomically, ReplacesTheFileReadableByAllAndLeavesNoTemporaryFile) {
  const auto path = dir_ / "tributary.prom";
  write_file_atomically(path, "first\nsecond\n");
  write_file_atomically(path, "third\n");
  EXPECT_EQ(read(path), "third\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "tributary.prom");
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(WriteFileAtomically, AMissingDirectoryIsAnErrorNamingThePath) {
  const auto path = dir_ / "nope" / "tributary.prom";
  try {
    write_file_atomically(path, "x\n");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path.string()));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
}

}  // namespace
}  // namespace tributary::run_metrics_test
