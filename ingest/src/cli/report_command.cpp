// `tributary report [--out FILE] [--since DATE --until DATE]`: one self-contained HTML file
// with charts of the weekly models, daily active users and load health, and the models'
// documentation. It reads only what tributary_reader may read, so an analyst runs it.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/report.hpp"

namespace tributary::cli {
namespace {

constexpr const char* kDefaultReportFile = "tributary-report.html";

struct ReportArgs {
  std::string out = kDefaultReportFile;
  std::string since;
  std::string until;
  std::string models_dir;
  std::string chart_js;
};

ExitCode run_report(const ReportArgs& args, const GlobalOptions& global) {
  ReportOptions options;
  const auto day = today();
  if (!args.since.empty()) options.since = parse_date_argument(args.since, "--since", day);
  if (!args.until.empty()) options.until = parse_date_argument(args.until, "--until", day);
  options.validate();
  options.models_dir = args.models_dir;
  options.chart_js = args.chart_js;
  const auto settings = load_command_settings(global, {}, false, true);
  const auto file = write_report(settings, options, args.out);
  const auto& r = file.report;
  std::cout << fmt::format(
      "wrote {} ({} KB): {} weeks, {} days, {} models; data complete through {}\n",
      file.path.string(), (file.bytes + 1023) / 1024, r.weekly_users.size(), r.loads.size(),
      r.models.size(), r.data_through ? format_day(*r.data_through) : "no day yet");
  for (const auto& relation : r.missing_relations) {
    std::cout << "  " << relation << " has not been built yet (run tributary run-models): its "
              << "chart says so\n";
  }
  std::cout.flush();
  return ExitCode::Success;
}

}  // namespace

Command add_report_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<ReportArgs>();
  auto* app = parent.add_subcommand(
      "report",
      "Write one self-contained HTML report (opens offline): charts of weekly and daily active "
      "users, corporations, events per user and load health, and the models' documentation");
  app->add_option("--out", args->out, "the HTML file to write (replaced atomically)")
      ->default_str(kDefaultReportFile);
  app->add_option("--since", args->since,
                  "first day shown: YYYY-MM-DD, today, yesterday, today-N (default: the first)");
  app->add_option("--until", args->until, "last day shown (default: the last with data)");
  app->add_option("--models-dir", args->models_dir,
                  "folder holding models.yaml (default TRIBUTARY_MODELS_DIR, else ./analysis_sql)");
  app->add_option("--chart-js", args->chart_js,
                  std::string("Chart.js 3 to inline (default ") + kDefaultChartJsPath +
                      ", from Debian's libjs-chart.js)");
  return Command{app, [args, &global] { return run_report(*args, global); }};
}

}  // namespace tributary::cli
