// `tributary status [--month YYYY-MM]`: what ingest.day_loads knows, one line per day.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "db/database.hpp"
#include "tributary/day_range.hpp"
#include "tributary/migrations.hpp"

namespace tributary::cli {
namespace {

struct StatusArgs {
  std::string month;
};

ExitCode run_status(const StatusArgs& args, const GlobalOptions& global) {
  std::optional<date::year_month> month;
  if (!args.month.empty()) month = parse_month(args.month, "--month");
  const auto settings = load_command_settings(global, {}, false, true);
  migrate(settings.database);
  auto conn = internal::connect(settings.database);
  internal::translate_database_errors("reading ingest.day_loads", [&] {
    pqxx::read_transaction tx(*conn);
    std::string first = "0001-01-01";
    std::string last = "9999-12-31";
    if (month) {
      const auto days = days_of(*month);
      first = format_day(days.front());
      last = format_day(days.back());
    }
    const auto rows = tx.exec_params(
        "select day::text, status, events_received, events_loaded, events_rejected, "
        "events_duplicate, coalesce(to_char(loaded_at at time zone 'UTC', "
        "'YYYY-MM-DD HH24:MI:SS'), ''), coalesce(to_char(checked_at at time zone 'UTC', "
        "'YYYY-MM-DD HH24:MI:SS'), ''), coalesce(last_error, '') "
        "from ingest.day_loads where day between $1 and $2 order by day",
        first, last);
    std::cout << fmt::format("{:<10}  {:<7}  {:>9}  {:>9}  {:>8}  {:>9}  {:<19}  {:<19}  {}\n",
                             "day", "status", "received", "loaded", "rejected", "duplicate",
                             "loaded at (UTC)", "checked at (UTC)", "last error");
    std::size_t shown = 0;
    for (const auto& row : rows) {
      std::cout << fmt::format("{:<10}  {:<7}  {:>9}  {:>9}  {:>8}  {:>9}  {:<19}  {:<19}  {}\n",
                               row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(),
                               row[4].c_str(), row[5].c_str(), row[6].c_str(), row[7].c_str(),
                               row[8].c_str());
      ++shown;
    }
    if (month) {
      const auto expected = days_of(*month).size();
      std::cout << shown << " of " << expected << " days requested\n";
    }
  });
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
