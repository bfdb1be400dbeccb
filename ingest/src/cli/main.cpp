// tributary — the command line. Each subcommand lives in its own file; this one parses,
// runs the chosen command and maps what stopped it to the exit codes of docs/cli.md.
#include <execinfo.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/metrics_recorder.hpp"
#include "tributary/error.hpp"
#include "tributary/logging.hpp"

namespace {

// A crash (a bug in tributary or a library) must still say what happened on stderr: the
// signal and the stack, written with async-signal-safe calls only, then the default action
// (a core file only with TRIBUTARY_ALLOW_CORE_DUMPS=true and a core limit above 0). Under
// the sanitizers their own, richer reports are kept.
#ifndef TRIBUTARY_SANITIZED
void report_fatal_signal(int signal) {
  constexpr const char kHead[] = "tributary: fatal signal ";
  (void)!::write(STDERR_FILENO, kHead, sizeof kHead - 1);
  const char* name = ::sigabbrev_np(signal);
  if (name == nullptr) name = "?";
  (void)!::write(STDERR_FILENO, name, std::strlen(name));
  (void)!::write(STDERR_FILENO, "; stack:\n", 9);
  void* frames[64];
  ::backtrace_symbols_fd(frames, ::backtrace(frames, 64), STDERR_FILENO);
  std::signal(signal, SIG_DFL);
  ::raise(signal);
}
#endif

void install_fatal_signal_report() {
#ifndef TRIBUTARY_SANITIZED
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc now, not inside the handler
  for (const int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    std::signal(signal, report_fatal_signal);
  }
#endif
}

// The process holds the API token and the database password, so a core file would too:
// core dumps are off (limit 0, not dumpable, which also keeps other processes of the same
// user from attaching a debugger) unless TRIBUTARY_ALLOW_CORE_DUMPS is true. It is read from
// the environment only, before any other setting, and follows their true/false words.
// Returns the configuration error for a value that is neither, with dumps left off.
std::string restrict_core_dumps() {
  const char* raw = std::getenv("TRIBUTARY_ALLOW_CORE_DUMPS");
  std::string word = raw == nullptr ? "" : raw;
  constexpr const char* kSpace = " \t\r\n";
  word.erase(0, word.find_first_not_of(kSpace));
  word.erase(word.find_last_not_of(kSpace) + 1);
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (word == "true" || word == "1" || word == "yes") return {};
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (word.empty() || word == "false" || word == "0" || word == "no") return {};
  return std::string("TRIBUTARY_ALLOW_CORE_DUMPS must be true or false (got '") + raw + "')";
}

int run(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
  const std::string core_dump_error = restrict_core_dumps();
  install_fatal_signal_report();
  int code = static_cast<int>(tributary::cli::ExitCode::Usage);
  if (core_dump_error.empty()) {
    code = run(argc, argv);
    tributary::cli::write_run_metrics(code);  // whatever ended the run
  } else {
    std::cerr << "error: " << core_dump_error << '\n';
  }
  std::cout.flush();
  std::cerr.flush();
#ifndef TRIBUTARY_SANITIZED
  // Every connection, file and transaction is closed by now. Skipping the libraries'
  // exit-time finalizers (OpenSSL's, Kerberos', the loggers') costs nothing and avoids
  // their known races with threads that have just ended; the sanitizer builds still run
  // them, so LeakSanitizer sees everything.
  spdlog::shutdown();
  std::fflush(nullptr);  // C stdio buffers (std::cout writes through them)
  std::_Exit(code);
#endif
  return code;
}

namespace {

/// The `Global options:` block of a subcommand's --help: the main app's own options.
std::string global_options_help(const CLI::App& app) {
  std::vector<std::pair<std::string, std::string>> lines;
  std::size_t width = 0;
  for (const CLI::Option* option : app.get_options()) {
    if (option == app.get_help_ptr() || option == app.get_version_ptr()) continue;
    std::string name = option->get_name();
    if (!option->get_type_name().empty()) name += " " + option->get_type_name();
    width = std::max(width, name.size());
    lines.emplace_back(std::move(name), option->get_description());
  }
  std::string text = "Global options (before or after the command):\n";
  for (const auto& [name, description] : lines) {
    text += "  " + name + std::string(width - name.size() + 2, ' ') + description + "\n";
  }
  return text;
}

int run(int argc, char** argv) {
  using tributary::cli::ExitCode;
  namespace cli = tributary::cli;
  // Named here, so `Usage:` says `tributary` and not the path the binary was started by.
  CLI::App app{"tributary: pull product-analytics events into Postgres and build weekly models",
               "tributary"};
  // Every error line starts with `error:`, CLI11's own included.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("error: ") + e.what() + "\nRun with --help for more information.\n";
  });
  app.require_subcommand(1);
  // Global options (--config, --profile) are taken after the command too:
  // `tributary status --profile prod`. Subcommands inherit this when they are created.
  app.fallthrough();
  app.set_version_flag("--version", "tributary " TRIBUTARY_VERSION " (" TRIBUTARY_COMMIT ")");
  cli::GlobalOptions global;
  app.add_option("--config", global.config, "YAML settings file (default ./tributary.yaml)");
  app.add_option("--profile", global.profile, "named profile of the YAML file");

  std::vector<cli::Command> commands = {
      cli::add_migrate_command(app, global),
      cli::add_request_day_command(app, global),
      cli::add_backfill_month_command(app, global),
      cli::add_backfill_command(app, global),
      cli::add_sync_command(app, global),
      cli::add_run_models_command(app, global),
      cli::add_models_command(app, global),
      cli::add_status_command(app, global),
      cli::add_runs_command(app, global),
      cli::add_freshness_command(app, global),
      cli::add_report_command(app, global),
      cli::add_validate_command(app),
      cli::add_fetch_day_command(app, global),
      cli::add_demo_api_command(app),
  };
  // CLI11 shows a subcommand's own options only: those of the settings commands also list
  // the global ones, which are taken after the command too.
  const std::string globals = global_options_help(app);
  for (const auto& command : commands) {
    if (command.reads_settings) command.app->footer(globals);
  }

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
    tributary::log_error_line(e.what());
    return static_cast<int>(ExitCode::Usage);
  } catch (const tributary::AuthError& e) {
    tributary::log_error_line(e.what());
    return static_cast<int>(ExitCode::AuthRefused);
  } catch (const tributary::DatabaseError& e) {
    tributary::log_error_line(e.what());
    return static_cast<int>(ExitCode::DatabaseDown);
  } catch (const tributary::ApiUnreachableError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::ApiUnreachable);
  } catch (const std::exception& e) {
    tributary::log_error_line(e.what());
    return static_cast<int>(ExitCode::PartialFailure);
  }
  return static_cast<int>(ExitCode::Usage);
}

}  // namespace
