// tributary — the command line. Each subcommand lives in its own file; this one parses,
// runs the chosen command and maps what stopped it to the exit codes of DESIGN section 7.
#include <csignal>
#include <iostream>
#include <vector>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "tributary/error.hpp"
#include "tributary/logging.hpp"

int main(int argc, char** argv) {
  using tributary::cli::ExitCode;
  namespace cli = tributary::cli;
  CLI::App app{"tributary: pull product-analytics events into Postgres and build weekly models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tributary 0.1.0");
  cli::GlobalOptions global;
  app.add_option("--config", global.config, "YAML settings file (default ./tributary.yaml)");
  app.add_option("--profile", global.profile, "named profile of the YAML file");

  std::vector<cli::Command> commands = {
      cli::add_migrate_command(app, global),
      cli::add_request_day_command(app, global),
      cli::add_backfill_month_command(app, global),
      cli::add_run_models_command(app, global),
      cli::add_status_command(app, global),
      cli::add_validate_command(app),
      cli::add_fetch_day_command(app, global),
      cli::add_demo_api_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(ExitCode::Usage);
  }

  // libcurl runs with CURLOPT_NOSIGNAL (threads), so a peer closing a socket must not
  // kill the process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  tributary::configure_logging("info");
  try {
    for (const auto& command : commands) {
      if (command.app->parsed()) return static_cast<int>(command.run());
    }
  } catch (const tributary::ConfigError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::Usage);
  } catch (const tributary::AuthError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::AuthRefused);
  } catch (const tributary::DatabaseError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::DatabaseDown);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::PartialFailure);
  }
  return static_cast<int>(ExitCode::Usage);
}
