#include "cli/metrics_recorder.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "tributary/error.hpp"
#include "tributary/run_metrics.hpp"
#include "tributary/status.hpp"

namespace tributary::cli {
namespace {

// The one run of this process. Guarded by `mutex`: a run that is stopped may end on another
// thread than the one that fed it.
struct Recorder {
  std::mutex mutex;
  std::optional<Settings> settings;  // set: a metrics file was asked for
  RunFigures figures;
  std::chrono::steady_clock::time_point started;
  bool written = false;
};

Recorder& recorder() {
  static Recorder r;
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

void start_run_metrics(const std::string& command, const Settings& settings) {
  if (settings.metrics_file.empty()) return;
  const std::filesystem::path path(settings.metrics_file);
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  const std::string named =
      "metrics file '" + path.string() + "' (--metrics-file, TRIBUTARY_METRICS_FILE, metrics_file)";
  if (!std::filesystem::is_directory(directory, ec)) {
    throw ConfigError(named + ": the directory " + directory.string() + " does not exist");
  }
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    throw ConfigError(named + ": the directory " + directory.string() + " is not writable");
  }
  if (std::filesystem::is_directory(path, ec)) throw ConfigError(named + ": is a directory");
  auto& r = recorder();
  std::lock_guard lock(r.mutex);
  r.settings = settings;
  r.figures = RunFigures{};
  r.figures.command = command;
  r.started = std::chrono::steady_clock::now();
  r.written = false;
}

void record_run_days(const RunResult& run) {
  auto& r = recorder();
  std::lock_guard lock(r.mutex);
  r.figures.days = run;
  if (run.run_id > 0) r.figures.run_id = run.run_id;
}

void record_run_models(const ModelRunReport& report) {
  auto& r = recorder();
  std::lock_guard lock(r.mutex);
  r.figures.models = report;
  if (r.figures.run_id == 0) r.figures.run_id = report.run_id;
}

void write_run_metrics(int exit_code) noexcept {
  auto& r = recorder();
  std::lock_guard lock(r.mutex);
  if (!r.settings || r.written) return;
  r.written = true;
  const auto& path = r.settings->metrics_file;
  try {
    auto& f = r.figures;
    f.exit_code = exit_code;
    f.finished = now();
    f.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - r.started);
    // The last success survives a failed run by being read back from the file it replaces
    // (a file that is missing or unreadable gives none).
    f.previous_success = last_success_in(read_file(path), f.command);
    // Asking a database that could not be reached would only wait for it again.
    if (exit_code != static_cast<int>(ExitCode::DatabaseDown)) {
      try {
        f.data_through = freshness(*r.settings).data_through;
        f.data_through_known = true;
      } catch (const std::exception& e) {
        spdlog::warn("metrics file: data-through not known ({}); left out", e.what());
      }
    }
    write_file_atomically(path, prometheus_text(f));
  } catch (const std::exception& e) {
    // The run's data is committed: the exit code stays the run's, the failure is said.
    log_error_line(e.what());
  }
}

}  // namespace tributary::cli
