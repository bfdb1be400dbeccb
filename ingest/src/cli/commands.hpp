#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "tributary/day_result.hpp"
#include "tributary/model_runner.hpp"
#include "tributary/settings.hpp"

namespace tributary::cli {

/// Exit codes of docs/cli.md.
enum class ExitCode : int {
  Success = 0,         ///< everything done
  PartialFailure = 1,  ///< some days or models failed; the rest were committed
  Usage = 2,           ///< usage or configuration error
  AuthRefused = 3,     ///< the API refused the token
  DatabaseDown = 4,    ///< the database could not be reached
  ApiUnreachable = 5,  ///< the API could not be reached at all
  Interrupted = 130,   ///< stopped cleanly by SIGINT (128 + 2)
  Terminated = 143,    ///< stopped cleanly by SIGTERM (128 + 15)
};

/// A registered subcommand: its CLI11 node and what runs when it was chosen. `run` may
/// throw tributary errors; main maps them to exit codes.
struct Command {
  CLI::App* app = nullptr;
  std::function<ExitCode()> run;
  bool reads_settings = true;  ///< takes the global options; its --help lists them
};

/// Options every command that needs settings shares: `--config`, `--profile`.
struct GlobalOptions {
  std::string config;
  std::string profile;
};

/// Loads the settings (flags > env/.env > YAML > defaults) and checks that those the command
/// needs are present and well-formed; throws ConfigError naming every bad one.
Settings load_command_settings(const GlobalOptions& global,
                               const std::map<std::string, std::string>& flags, bool need_api,
                               bool need_database);

/// Prints the run's closing report to stdout.
void print_run_report(const RunResult& run);

/// A progress display for a run: a live bar on a terminal, else one log line per day.
std::function<void(const DayResult&, std::size_t, std::size_t)> make_progress();
/// Ends a progress bar left unfinished on the terminal (a stopped run), so that what is
/// written next starts on a line of its own. Nothing when no bar is open.
void end_progress_line();

/// One line per model (name, status, rows, ms, error), for ModelRunOptions::on_model.
std::function<void(const ModelResult&)> model_printer(const std::string& manifest);
/// The closing line of a model run.
void print_model_summary(const ModelRunReport& report);

/// `tributary validate FILE [--json]`.
Command add_validate_command(CLI::App& parent);
/// `tributary demo-api [--port N] [--events-per-day N] [--seed S] [--fault KIND=RATE ...]`.
Command add_demo_api_command(CLI::App& parent);
/// `tributary fetch-day DATE [--save FILE] [--json]`.
Command add_fetch_day_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary migrate`.
Command add_migrate_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary request-day DATE [--force] [--mirror]`.
Command add_request_day_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary backfill-month YYYY-MM [--parallel N] [--missing-only] [--force] [--mirror]
/// [--no-models]`.
Command add_backfill_month_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary backfill --from DATE --to DATE [same options as backfill-month]`.
Command add_backfill_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary sync [--since DATE] [--until DATE] [--lookback N] [--parallel N] [--force] [--mirror]
/// [--no-models]`.
Command add_sync_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary run-models [--select SELECTOR]... [--full-refresh] [--list [--json]]`.
Command add_run_models_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary models [--select SELECTOR]... [--status] [--json]`: the models, without a
/// database unless `--status`.
Command add_models_command(CLI::App& parent, const GlobalOptions& global);
/// Prints what `plan` would build (for `models` and `run-models --list`), or its JSON; with
/// `statuses`, each model's last build too.
void print_model_plan(const ModelPlan& plan, bool json,
                      const std::vector<ModelBuildStatus>* statuses = nullptr);
/// `tributary status [--month MONTH | --since DATE --until DATE] [--json] [--check]`.
Command add_status_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary runs [--limit N] [--json]`.
Command add_runs_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary freshness [--warn-after D] [--error-after D] [--json]`.
Command add_freshness_command(CLI::App& parent, const GlobalOptions& global);
/// `tributary report [--out FILE] [--since DATE] [--until DATE] [--chart-js FILE]`.
Command add_report_command(CLI::App& parent, const GlobalOptions& global);

}  // namespace tributary::cli
