#include "tributary/run_metrics.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "tributary/error.hpp"

namespace tributary {
namespace {

constexpr std::string_view kLastSuccess = "tributary_last_success_timestamp_seconds";

// A label value between double quotes: backslash, quote and newline escaped (format 0.0.4).
std::string label_value(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

double unix_seconds(TimePoint time) {
  return static_cast<double>(time.time_since_epoch().count()) / 1e6;
}

// One metric family: its HELP and TYPE lines, then its samples.
class Family {
 public:
  Family(std::string& out, std::string_view name, std::string_view help, std::string command)
      : out_(out), name_(name), command_(std::move(command)) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
  }
  void sample(double value, std::string_view label = {}, std::string_view label_text = {}) {
    std::string labels = "command=\"" + command_ + "\"";
    if (!label.empty()) labels += fmt::format(",{}=\"{}\"", label, label_value(label_text));
    // Whole numbers as integers; timestamps keep their milliseconds.
    const std::string text = value == std::floor(value) && std::fabs(value) < 1e15
                                 ? fmt::format("{}", static_cast<std::int64_t>(value))
                                 : fmt::format("{:.3f}", value);
    out_ += fmt::format("{}{{{}}} {}\n", name_, labels, text);
  }

 private:
  std::string& out_;
  std::string_view name_;
  std::string command_;
};

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw Error("could not write the metrics file " + path.string() + ": " + what + ": " +
              std::strerror(errno));
}

}  // namespace

std::string prometheus_text(const RunFigures& f) {
  std::string out;
  const std::string command = label_value(f.command);
  const double finished = unix_seconds(f.finished);

  Family(out, "tributary_last_run_timestamp_seconds",
         "When the last run of the command ended (Unix time).", command)
      .sample(finished);
  std::optional<double> success;
  if (f.exit_code == 0) {
    success = finished;
  } else if (f.previous_success) {
    success = unix_seconds(*f.previous_success);
  }
  Family(out, kLastSuccess,
         "When a run of the command last ended with exit code 0 (Unix time); 0 when none is "
         "known.",
         command)
      .sample(success.value_or(0.0));
  Family(out, "tributary_last_run_duration_seconds",
         "How long the last run took, loading and models.", command)
      .sample(static_cast<double>(f.duration.count()) / 1000.0);
  Family(out, "tributary_last_run_exit_code",
         "The exit code of the last run (0 success, 1 days or models failed, 2 configuration, "
         "3 token refused, 4 database unreachable, 5 API unreachable, 130/143 stopped).",
         command)
      .sample(f.exit_code);
  if (f.run_id > 0) {
    Family(out, "tributary_last_run_id", "The ingest.runs id of the last run.", command)
        .sample(static_cast<double>(f.run_id));
  }

  Family days(out, "tributary_last_run_days", "Days of the last run, by how they ended.", command);
  for (const auto status : {DayStatus::Loaded, DayStatus::Empty, DayStatus::Incomplete,
                            DayStatus::Unchanged, DayStatus::Failed, DayStatus::Skipped}) {
    days.sample(static_cast<double>(f.days.count(status)), "status", to_string(status));
  }
  Family events(out, "tributary_last_run_events",
                "Events of the last run: loaded (valid, one per key), rejected (broke a rule), "
                "duplicate (key repeated within a day).",
                command);
  events.sample(static_cast<double>(f.days.total(&DayResult::events_loaded)), "outcome", "loaded");
  events.sample(static_cast<double>(f.days.total(&DayResult::events_rejected)), "outcome",
                "rejected");
  events.sample(static_cast<double>(f.days.total(&DayResult::events_duplicate)), "outcome",
                "duplicate");
  Family models(out, "tributary_last_run_models", "Models of the last run, by how they ended.",
                command);
  for (const auto status : {ModelStatus::Succeeded, ModelStatus::Failed, ModelStatus::Skipped}) {
    models.sample(static_cast<double>(f.models.count(status)), "status", to_string(status));
  }

  if (f.data_through_known) {
    double through = 0.0;
    if (f.data_through) {
      through = unix_seconds(TimePoint(*f.data_through + date::days{1}));
    }
    Family(out, "tributary_data_through_timestamp_seconds",
           "The end of the last day through which the data is complete: every day from the "
           "start through it loaded or empty (Unix time); 0 when no day is.",
           command)
        .sample(through);
  }
  return out;
}

std::optional<TimePoint> last_success_in(std::string_view text, std::string_view command) {
  const std::string prefix =
      fmt::format("{}{{command=\"{}\"}} ", kLastSuccess, label_value(command));
  for (std::size_t start = 0; start < text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    start = end + 1;
    if (line.substr(0, prefix.size()) != prefix) continue;
    const std::string value(line.substr(prefix.size()));
    char* parsed_end = nullptr;
    errno = 0;
    const double seconds = std::strtod(value.c_str(), &parsed_end);
    if (errno != 0 || parsed_end == value.c_str() || *parsed_end != '\0' ||
        !std::isfinite(seconds) || seconds < 0 || seconds > 1e11) {
      return std::nullopt;
    }
    if (seconds == 0) return std::nullopt;  // written as 0: none known
    return TimePoint(std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6)));
  }
  return std::nullopt;
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temp = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail("cannot create a temporary file in " + directory.string(), path);
  // Removes the temporary file on every failure below; disarmed once it is renamed.
  struct TempFile {
    const std::string& name;
    int fd;
    bool keep = false;
    ~TempFile() {
      if (fd >= 0) ::close(fd);
      if (!keep) ::unlink(name.c_str());
    }
  } guard{temp, fd};
  for (std::size_t written = 0; written < text.size();) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", path);
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) fail("chmod", path);
  if (::fsync(fd) != 0) fail("fsync", path);
  const int closed = ::close(fd);
  guard.fd = -1;
  if (closed != 0) fail("close", path);
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename", path);
  guard.keep = true;
  // The rename itself must survive a crash too.
  if (const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace tributary
