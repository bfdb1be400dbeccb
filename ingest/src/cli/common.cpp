// What the commands share: settings loading, the run report, the progress display.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/logging.hpp"

namespace tributary::cli {
namespace {

// The width of the terminal on stderr, 0 when unknown.
std::size_t stderr_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

}  // namespace

Settings load_command_settings(const GlobalOptions& global,
                               const std::map<std::string, std::string>& flags, bool need_api,
                               bool need_database) {
  SettingsSources sources;
  if (!global.config.empty()) sources.config_file = global.config;
  if (!global.profile.empty()) sources.profile = global.profile;
  sources.flags = flags;
  auto settings = load_settings(sources);
  set_log_format(settings.log_format);
  for (const auto& warning : settings.warnings) spdlog::warn("{}", warning);  // before any error
  settings.require(need_api, need_database);
  spdlog::set_level(spdlog::level::from_str(settings.log_level));
  return settings;
}

void print_run_report(const RunResult& run) {
  const double seconds = static_cast<double>(run.duration.count()) / 1000.0;
  const auto loaded = run.total(&DayResult::events_loaded);
  const auto skipped = run.count(DayStatus::Skipped);
  const auto future = static_cast<std::size_t>(
      std::count_if(run.days.begin(), run.days.end(), [](const DayResult& d) { return d.future; }));
  const auto others = static_cast<std::size_t>(std::count_if(
      run.days.begin(), run.days.end(), [](const DayResult& d) { return d.another_process; }));
  std::string skipped_text;
  if (skipped > 0) {
    skipped_text = fmt::format(" / skipped {}", skipped);
    std::string why;
    if (future > 0) why = fmt::format("{} after today", future);
    if (others > 0) {
      why += fmt::format("{}{} loaded by another process", why.empty() ? "" : ", ", others);
    }
    if (!why.empty()) skipped_text += " (" + why + ")";
  }
  std::cout << fmt::format(
      "run {}: days loaded {} / empty {} / incomplete {} / unchanged {} / failed {}{}\n"
      "events loaded {} / rejected {} / duplicate {} (rows written {})\n"
      "time {:.1f} s{}\n",
      run.run_id, run.count(DayStatus::Loaded), run.count(DayStatus::Empty),
      run.count(DayStatus::Incomplete), run.count(DayStatus::Unchanged),
      run.count(DayStatus::Failed), skipped_text, loaded, run.total(&DayResult::events_rejected),
      run.total(&DayResult::events_duplicate), run.total(&DayResult::rows_written), seconds,
      seconds > 0 && loaded > 0 ? fmt::format(" ({:.0f} events/s)", loaded / seconds) : "");
  for (const auto& day : run.days) {
    if (day.status == DayStatus::Failed) {
      std::cout << "  failed " << format_day(day.day) << ": " << day.error << '\n';
    }
    if (day.status == DayStatus::Incomplete) {
      std::cout << "  incomplete " << format_day(day.day)
                << ": not complete yet (its end plus the availability lag has not passed); "
                   "the next run requests it again\n";
    }
    if (!day.warning.empty()) {
      std::cout << "  WARNING " << format_day(day.day) << ": " << day.warning << '\n';
    }
  }
  if (run.interrupted) {
    std::cout << "interrupted: " << run.days_not_done
              << " requested day(s) not done (rolled back or not started); the days above "
                 "are committed. Run the command again to finish\n";
  }
  std::cout.flush();
}

// The bar is logging's status line: drawn by the run's workers (one at a time, under the
// run's lock), ended by a stop (the signal thread) or the report; log lines written while it
// is open clear it, take a line of their own and redraw it.
void end_progress_line() { end_status_line(); }

std::function<void(const DayResult&, std::size_t, std::size_t)> make_progress() {
  // No bar in json: every stderr line is then one object.
  const bool terminal = ::isatty(STDERR_FILENO) == 1 && log_format() == LogFormat::Text;
  const std::size_t columns = terminal ? stderr_columns() : 0;
  const auto started = std::chrono::steady_clock::now();
  auto events = std::make_shared<std::uint64_t>(0);
  return [=](const DayResult& day, std::size_t done, std::size_t total) {
    *events += day.events_received;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!terminal) {
      const LogContext fields{{"day", format_day(day.day)},
                              {"status", to_string(day.status)},
                              {"events_received", static_cast<std::int64_t>(day.events_received)},
                              {"events_rejected", static_cast<std::int64_t>(day.events_rejected)},
                              {"events_duplicate", static_cast<std::int64_t>(day.events_duplicate)},
                              {"rows_written", static_cast<std::int64_t>(day.rows_written)},
                              {"attempts", day.attempts},
                              {"duration_ms", static_cast<std::int64_t>(day.duration.count())}};
      spdlog::log(day.warning.empty() ? spdlog::level::info : spdlog::level::warn,
                  "{} {}: {} events, {} rejected, {} duplicate, {} rows written, {} attempt(s), "
                  "{} ms{}{}{}{}",
                  format_day(day.day), to_string(day.status), day.events_received,
                  day.events_rejected, day.events_duplicate, day.rows_written, day.attempts,
                  day.duration.count(), day.error.empty() ? "" : ": ", day.error,
                  day.warning.empty() ? "" : "; WARNING: ", day.warning);
      return;
    }
    constexpr int kWidth = 30;
    const int filled = total == 0 ? kWidth : static_cast<int>(kWidth * done / total);
    const double rate = elapsed > 0 ? static_cast<double>(*events) / elapsed : 0.0;
    const double eta =
        done > 0 ? elapsed * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
    std::string bar = fmt::format("[{}{}] {}/{} days  {:.0f} events/s  ETA {:.0f}s",
                                  std::string(static_cast<std::size_t>(filled), '#'),
                                  std::string(static_cast<std::size_t>(kWidth - filled), '.'), done,
                                  total, rate, eta);
    // Shorter than the terminal: a wrapped bar could not be redrawn in place.
    if (columns > 1 && bar.size() >= columns) bar.resize(columns - 1);
    draw_status_line(bar, done != total);
  };
}

}  // namespace tributary::cli
