// `tributary freshness [--warn-after D] [--error-after D] [--json]`: through which day the
// data is complete, and how old that is (like `dbt source freshness`).
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/status.hpp"

namespace tributary::cli {
namespace {

struct FreshnessArgs {
  std::string warn_after;
  std::string error_after;
  bool json = false;
};

// `1d 3h`, `5h 20m`, `40m`.
std::string spoken(std::chrono::minutes age) {
  const auto m = age.count();
  if (m < 0) return "0m";
  if (m >= 24 * 60) return fmt::format("{}d {}h", m / (24 * 60), (m % (24 * 60)) / 60);
  if (m >= 60) return fmt::format("{}h {}m", m / 60, m % 60);
  return fmt::format("{}m", m);
}

ExitCode run_freshness(const FreshnessArgs& args, const GlobalOptions& global) {
  std::optional<std::chrono::minutes> warn_after;
  std::optional<std::chrono::minutes> error_after;
  if (!args.warn_after.empty()) warn_after = parse_duration(args.warn_after, "--warn-after");
  if (!args.error_after.empty()) error_after = parse_duration(args.error_after, "--error-after");
  const auto settings = load_command_settings(global, {}, false, true);
  const auto fresh = freshness(settings);

  // No data at all is as stale as it gets; without thresholds only that fails.
  std::string level = "ok";
  if (!fresh.data_through) {
    level = "error";
  } else if (error_after && *fresh.age > *error_after) {
    level = "error";
  } else if (warn_after && *fresh.age > *warn_after) {
    level = "warn";
  }

  if (args.json) {
    nlohmann::json out{{"now", format_time(fresh.now)},
                       {"last_complete_day", format_day(fresh.last_complete)},
                       {"status", level}};
    out["start"] = fresh.start ? nlohmann::json(format_day(*fresh.start)) : nlohmann::json();
    out["data_through"] =
        fresh.data_through ? nlohmann::json(format_day(*fresh.data_through)) : nlohmann::json();
    out["age_minutes"] = fresh.age ? nlohmann::json(fresh.age->count()) : nlohmann::json();
    if (fresh.first_gap) {
      out["first_gap"] = {{"day", format_day(fresh.first_gap->day)},
                          {"status", fresh.first_gap->state}};
    }
    if (warn_after) out["warn_after_minutes"] = warn_after->count();
    if (error_after) out["error_after_minutes"] = error_after->count();
    std::cout << out.dump(2) << '\n';
  } else {
    if (!fresh.start) {
      std::cout << "no data: no day requested yet (and no TRIBUTARY_START_DATE)\n";
    } else if (!fresh.data_through) {
      std::cout << "no data: the first day, " << format_day(*fresh.start) << ", is "
                << (fresh.first_gap ? fresh.first_gap->state : std::string("not complete yet"))
                << '\n';
    } else {
      std::cout << fmt::format("data complete through {} (from {}): {} old\n",
                               format_day(*fresh.data_through), format_day(*fresh.start),
                               spoken(*fresh.age));
    }
    if (fresh.first_gap && fresh.data_through) {
      std::cout << fmt::format("held back by {} ({}); the last complete day is {}\n",
                               format_day(fresh.first_gap->day), fresh.first_gap->state,
                               format_day(fresh.last_complete));
    }
    if (level == "warn") {
      std::cout << "warning: older than --warn-after " << args.warn_after << '\n';
    } else if (level == "error" && fresh.data_through) {
      std::cout << "error: older than --error-after " << args.error_after << '\n';
    }
  }
  return level == "error" ? ExitCode::PartialFailure : ExitCode::Success;
}

}  // namespace

Command add_freshness_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<FreshnessArgs>();
  auto* app = parent.add_subcommand(
      "freshness", "Say through which day the data is complete; exit 1 when too old");
  app->add_option("--warn-after", args->warn_after,
                  "warn when the data is older than this (90m, 36h, 2d)");
  app->add_option("--error-after", args->error_after, "exit 1 when the data is older than this");
  app->add_flag("--json", args->json, "print the result as JSON");
  return Command{app, [args, &global] { return run_freshness(*args, global); }};
}

}  // namespace tributary::cli
