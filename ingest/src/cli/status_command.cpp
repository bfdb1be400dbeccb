// `tributary status [--month MONTH | --since DATE --until DATE] [--json] [--check]`: every day
// of a span, requested or not, one line each; `--check` fails when a complete day lacks data.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/status.hpp"

namespace tributary::cli {
namespace {

struct StatusArgs {
  std::string month;
  std::string since;
  std::string until;
  bool json = false;
  bool check = false;
};

constexpr const char* kLine =
    "{:<10}  {:<10}  {:>9}  {:>9}  {:>8}  {:>9}  {:<19}  {:<19}  {}\n";

// `YYYY-MM-DD HH:MM:SS` in UTC, or nothing.
std::string format_seconds(const std::optional<std::chrono::sys_seconds>& time) {
  return time ? date::format("%F %T", *time) : std::string();
}

// The span asked for; with none, from the start (sync.start_date, else the earliest day
// requested) through the last complete day, or the latest day requested when later.
std::optional<std::pair<date::sys_days, date::sys_days>> span_of(const StatusArgs& args,
                                                                 const Settings& settings,
                                                                 TimePoint at) {
  const auto day = date::floor<date::days>(at);
  if (!args.month.empty()) {
    if (!args.since.empty() || !args.until.empty()) {
      throw ConfigError("status: give --month or --since/--until, not both");
    }
    const auto days = days_of(parse_month_argument(args.month, "--month", day));
    return std::make_pair(days.front(), days.back());
  }
  const auto last_complete = last_complete_day(at, settings.api.availability_lag);
  std::optional<date::sys_days> first = settings.sync.start_date;
  std::optional<date::sys_days> last;
  if (!args.since.empty()) first = parse_date_argument(args.since, "--since", day);
  if (!args.until.empty()) last = parse_date_argument(args.until, "--until", day);
  if (!first || !last) {
    const auto known = known_day_range(settings.database);
    if (!first && known) first = known->first;
    if (!last) last = known ? std::max(last_complete, known->second) : last_complete;
  }
  if (!first) return std::nullopt;
  if (*first > *last) {
    throw ConfigError("status: --since " + format_day(*first) + " is after --until " +
                      format_day(*last));
  }
  return std::make_pair(*first, *last);
}

nlohmann::json day_json(const SpanDay& day) {
  nlohmann::json out{{"day", format_day(day.day)}, {"status", day.state}, {"complete", day.complete}};
  if (day.load) {
    out["events_received"] = day.load->events_received;
    out["events_loaded"] = day.load->events_loaded;
    out["events_rejected"] = day.load->events_rejected;
    out["events_duplicate"] = day.load->events_duplicate;
    out["loaded_at"] = day.load->loaded_at ? nlohmann::json(format_seconds(day.load->loaded_at))
                                           : nlohmann::json();
    out["checked_at"] = format_seconds(day.load->checked_at);
    out["last_error"] = day.load->last_error.empty() ? nlohmann::json() : nlohmann::json(day.load->last_error);
  }
  return out;
}

ExitCode run_status(const StatusArgs& args, const GlobalOptions& global) {
  const auto settings = load_command_settings(global, {}, false, true);
  const auto at = now();
  const auto span = span_of(args, settings, at);
  std::vector<SpanDay> days;
  if (span) days = span_status(settings.database, span->first, span->second, at,
                               settings.api.availability_lag);

  std::map<std::string, std::size_t> counts;
  std::vector<const SpanDay*> lacking;
  for (const auto& day : days) {
    ++counts[day.state];
    if (day.lacking()) lacking.push_back(&day);
  }
  const bool failed_check = args.check && (days.empty() || !lacking.empty());

  if (args.json) {
    nlohmann::json out{{"now", format_time(at)}, {"days", nlohmann::json::array()},
                       {"counts", nlohmann::json::object()}};
    if (span) {
      out["since"] = format_day(span->first);
      out["until"] = format_day(span->second);
    }
    for (const auto& day : days) out["days"].push_back(day_json(day));
    for (const auto& [state, n] : counts) out["counts"][state] = n;
    out["lacking"] = nlohmann::json::array();
    for (const auto* day : lacking) out["lacking"].push_back(format_day(day->day));
    if (args.check) out["check"] = failed_check ? "failed" : "ok";
    std::cout << out.dump(2) << '\n';
  } else {
    std::cout << fmt::format(kLine, "day", "status", "received", "loaded", "rejected",
                             "duplicate", "loaded at (UTC)", "checked at (UTC)", "last error");
    for (const auto& day : days) {
      if (!day.load) {
        std::cout << format_day(day.day) << "  " << day.state << '\n';
        continue;
      }
      const auto& load = *day.load;
      std::cout << fmt::format(kLine, format_day(day.day), day.state, load.events_received,
                               load.events_loaded, load.events_rejected, load.events_duplicate,
                               format_seconds(load.loaded_at), format_seconds(load.checked_at),
                               load.last_error);
    }
    if (!span) {
      std::cout << "no day requested yet (and no TRIBUTARY_START_DATE)\n";
    } else {
      std::string summary = fmt::format("{} days from {} to {}:", days.size(),
                                        format_day(span->first), format_day(span->second));
      const char* separator = " ";
      for (const char* state : {"loaded", "empty", "incomplete", "failed", "missing", "future"}) {
        if (const auto it = counts.find(state); it != counts.end()) {
          summary += fmt::format("{}{} {}", separator, it->second, state);
          separator = ", ";
        }
      }
      std::cout << summary << '\n';
    }
    if (args.check) {
      if (days.empty()) {
        std::cout << "check failed: no day to check\n";
      } else if (lacking.empty()) {
        std::cout << "check ok: every complete day is loaded or empty\n";
      } else {
        std::string list;
        for (std::size_t i = 0; i < lacking.size(); ++i) {
          if (i == 10) {
            list += fmt::format(", and {} more", lacking.size() - 10);
            break;
          }
          list += fmt::format("{}{} ({})", i ? ", " : "", format_day(lacking[i]->day),
                              lacking[i]->state);
        }
        std::cout << fmt::format("check failed: {} complete day(s) lack data: {}\n",
                                 lacking.size(), list);
      }
    }
  }
  return failed_check ? ExitCode::PartialFailure : ExitCode::Success;
}

}  // namespace

Command add_status_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<StatusArgs>();
  auto* app = parent.add_subcommand(
      "status", "Show every day of a span: loaded, empty, incomplete, failed or missing");
  app->add_option("--month", args->month, "the month: YYYY-MM, this-month or last-month");
  app->add_option("--since", args->since,
                  "the first day (default TRIBUTARY_START_DATE, else the earliest day requested)");
  app->add_option("--until", args->until,
                  "the last day (default the last complete day, or the latest requested)");
  app->add_flag("--json", args->json, "print the days as JSON");
  app->add_flag("--check", args->check,
                "exit 1 when a complete day of the span is missing, failed or incomplete");
  return Command{app, [args, &global] { return run_status(*args, global); }};
}

}  // namespace tributary::cli
