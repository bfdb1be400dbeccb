// `tributary runs [--limit N] [--json]`: the history of ingest.runs, newest first.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "tributary/clock.hpp"
#include "tributary/status.hpp"

namespace tributary::cli {
namespace {

struct RunsArgs {
  int limit = 20;
  bool json = false;
};

std::string at(std::chrono::sys_seconds time) { return date::format("%F %T", time); }

// `1.5 s`, `3 min 20 s`, `2 h 5 min`; `-` while running.
std::string duration_of(const RunRecord& run) {
  if (!run.finished_at) return "-";
  const auto s = (*run.finished_at - run.started_at).count();
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, (s % 3600) / 60);
}

// `7 loaded, 1 failed`: the non-zero day counts.
std::string days_of(const RunRecord& run) {
  std::string out;
  const std::pair<const char*, std::uint64_t> counts[] = {
      {"loaded", run.days_loaded},       {"empty", run.days_empty},
      {"incomplete", run.days_incomplete}, {"unchanged", run.days_unchanged},
      {"failed", run.days_failed},       {"skipped", run.days_skipped}};
  for (const auto& [name, n] : counts) {
    if (n > 0) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, name);
  }
  return out.empty() ? "-" : out;
}

nlohmann::json run_json(const RunRecord& run) {
  nlohmann::json arguments = nlohmann::json::parse(run.arguments, nullptr, false);
  return {{"id", run.id},
          {"command", run.command},
          {"arguments", arguments.is_discarded() ? nlohmann::json(run.arguments) : arguments},
          {"started_at", at(run.started_at)},
          {"finished_at", run.finished_at ? nlohmann::json(at(*run.finished_at)) : nlohmann::json()},
          {"duration_seconds", run.finished_at ? nlohmann::json((*run.finished_at - run.started_at).count())
                                               : nlohmann::json()},
          {"status", run.status},
          {"days",
           {{"loaded", run.days_loaded},
            {"empty", run.days_empty},
            {"incomplete", run.days_incomplete},
            {"unchanged", run.days_unchanged},
            {"failed", run.days_failed},
            {"skipped", run.days_skipped}}},
          {"events", {{"loaded", run.events_loaded}, {"rejected", run.events_rejected},
                      {"duplicate", run.events_duplicate}}},
          {"error", run.error.empty() ? nlohmann::json() : nlohmann::json(run.error)},
          {"host", run.hostname},
          {"pid", run.pid}};
}

// The arguments without the bookkeeping keys, for one table cell: `{"month":"2024-01"}`.
std::string arguments_cell(const RunRecord& run) {
  auto arguments = nlohmann::json::parse(run.arguments, nullptr, false);
  if (!arguments.is_object()) return run.arguments;
  for (const char* noise : {"parallel", "now"}) arguments.erase(noise);
  for (auto it = arguments.begin(); it != arguments.end();) {
    it = it.value() == false ? arguments.erase(it) : std::next(it);
  }
  return arguments.dump();
}

ExitCode run_runs(const RunsArgs& args, const GlobalOptions& global) {
  const auto settings = load_command_settings(global, {}, false, true);
  const auto runs = run_history(settings.database, static_cast<std::size_t>(args.limit));
  if (args.json) {
    auto out = nlohmann::json::array();
    for (const auto& run : runs) out.push_back(run_json(run));
    std::cout << out.dump(2) << '\n';
    return ExitCode::Success;
  }
  constexpr const char* kLine = "{:>5}  {:<14}  {:<19}  {:>11}  {:<9}  {:<36}  {:>9}  {:>8}  {}\n";
  std::cout << fmt::format(kLine, "run", "command", "started (UTC)", "took", "status", "days",
                           "events", "rejected", "arguments / error");
  for (const auto& run : runs) {
    std::string last = arguments_cell(run);
    if (!run.error.empty()) last += "  error: " + run.error;
    std::cout << fmt::format(kLine, run.id, run.command, at(run.started_at), duration_of(run),
                             run.status, days_of(run), run.events_loaded, run.events_rejected,
                             last);
  }
  if (runs.empty()) std::cout << "no run recorded yet\n";
  return ExitCode::Success;
}

}  // namespace

Command add_runs_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<RunsArgs>();
  auto* app = parent.add_subcommand("runs", "Show the history of runs (ingest.runs), newest first");
  app->add_option("--limit", args->limit, "how many runs (default 20)")->check(CLI::Range(1, 100000));
  app->add_flag("--json", args->json, "print the runs as JSON");
  return Command{app, [args, &global] { return run_runs(*args, global); }};
}

}  // namespace tributary::cli
