// `tributary status [--month YYYY-MM]`: what ingest.day_loads knows, one line per day.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/status.hpp"

namespace tributary::cli {
namespace {

struct StatusArgs {
  std::string month;
};

constexpr const char* kLine = "{:<10}  {:<7}  {:>9}  {:>9}  {:>8}  {:>9}  {:<19}  {:<19}  {}\n";

// `YYYY-MM-DD HH:MM:SS` in UTC, or nothing.
std::string format_time(const std::optional<std::chrono::sys_seconds>& time) {
  return time ? date::format("%F %T", *time) : std::string();
}

ExitCode run_status(const StatusArgs& args, const GlobalOptions& global) {
  std::optional<date::year_month> month;
  if (!args.month.empty()) month = parse_month_argument(args.month, "--month", today());
  const auto settings = load_command_settings(global, {}, false, true);
  const auto days = day_statuses(settings.database, month);
  std::cout << fmt::format(kLine, "day", "status", "received", "loaded", "rejected", "duplicate",
                           "loaded at (UTC)", "checked at (UTC)", "last error");
  for (const auto& day : days) {
    std::cout << fmt::format(kLine, format_day(day.day), to_string(day.status), day.events_received,
                             day.events_loaded, day.events_rejected, day.events_duplicate,
                             format_time(day.loaded_at), format_time(day.checked_at),
                             day.last_error);
  }
  if (month) std::cout << days.size() << " of " << days_of(*month).size() << " days requested\n";
  return ExitCode::Success;
}

}  // namespace

Command add_status_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<StatusArgs>();
  auto* app = parent.add_subcommand("status", "Show what was loaded, day by day");
  app->add_option("--month", args->month, "only this month, YYYY-MM");
  return Command{app, [args, &global] { return run_status(*args, global); }};
}

}  // namespace tributary::cli
