// `tributary demo-api`: serves the demo events API (docs/cli.md, demo-api) until SIGINT or
// SIGTERM. stdout carries exactly one line, `listening on URL`, for scripts to read; logs go
// to stderr.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "common/text.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/demo/server.hpp"
#include "tributary/error.hpp"

namespace tributary::cli {
namespace {

struct DemoApiArgs {
  int port = 8085;
  std::string host = "127.0.0.1";
  std::size_t events_per_day = DemoOptions{}.events_per_day;
  std::uint64_t seed = DemoOptions{}.seed;
  std::string from = "2024-01-01";  ///< a DATE: YYYY-MM-DD, today, yesterday, today-N
  std::string to = "2024-01-31";
  std::string token = "demo-token";
  double invalid_rate = DemoOptions{}.invalid_rate;
  double late_rate = DemoOptions{}.late_rate;
  std::string now;  ///< empty: TRIBUTARY_NOW when set, else the system clock at each request
  std::vector<std::string> faults;
  long stall_ms = 40'000;
  bool gzip = false;
};

/// The fixed now of --now, else of TRIBUTARY_NOW; nullopt for the system clock. Throws
/// ConfigError naming whichever was given.
std::optional<TimePoint> fixed_now(const std::string& now_option) {
  if (!now_option.empty()) return parse_time(now_option, "--now");
  const char* environment = std::getenv("TRIBUTARY_NOW");
  if (environment != nullptr && *environment != '\0') return tributary::now();
  return std::nullopt;
}

/// Every problem with the arguments, by option name, in one ConfigError.
DemoServerOptions to_server_options(const DemoApiArgs& args) {
  DemoServerOptions options;
  std::vector<std::string> problems;
  const auto check = [&problems](auto&& parse) {
    try {
      parse();
    } catch (const ConfigError& e) {
      problems.emplace_back(e.what());
    }
  };
  check([&] { options.data.now = fixed_now(args.now); });
  // The DATE forms count from the demo's now; with the system clock, from its start.
  const date::sys_days today = date::floor<date::days>(options.data.now.value_or(
      std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now())));
  check([&] { options.data.from = parse_date_argument(args.from, "--from", today); });
  check([&] { options.data.to = parse_date_argument(args.to, "--to", today); });
  if (problems.empty() && options.data.from > options.data.to) {
    problems.push_back("--from " + args.from + " (" + format_day(options.data.from) +
                       ") is after --to " + args.to + " (" + format_day(options.data.to) + ")");
  }
  if (!(args.invalid_rate >= 0.0 && args.invalid_rate <= 1.0)) {
    problems.push_back("--invalid-rate " + std::to_string(args.invalid_rate) +
                       " is not within [0, 1]");
  }
  if (!(args.late_rate >= 0.0 && args.late_rate <= 1.0)) {
    problems.push_back("--late-rate " + std::to_string(args.late_rate) + " is not within [0, 1]");
  }
  if (args.token.empty()) problems.emplace_back("--token must not be empty");
  if (args.stall_ms < 0) problems.emplace_back("--stall-ms must not be negative");
  for (const auto& fault : args.faults) {
    check([&] { options.faults.push_back(parse_fault(fault)); });
  }
  if (!problems.empty()) throw ConfigError("demo-api: " + internal::join(problems, "; "));
  options.data.seed = args.seed;
  options.data.events_per_day = args.events_per_day;
  options.data.invalid_rate = args.invalid_rate;
  options.data.late_rate = args.late_rate;
  options.host = args.host;
  options.port = args.port;
  options.token = args.token;
  options.stall = std::chrono::milliseconds(args.stall_ms);
  options.compress = args.gzip;
  return options;
}

ExitCode run_demo_api(const DemoApiArgs& args) {
  const DemoServerOptions options = to_server_options(args);

  // SIGINT/SIGTERM are taken synchronously with sigwait below; blocked before any server
  // thread starts, so every thread inherits the mask and none is interrupted by them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<DemoServer> server_owner;
  try {
    server_owner = std::make_unique<DemoServer>(options);
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(e.what());  // a port in use or a foreign address: fix --port/--host
  }
  DemoServer& server = *server_owner;
  spdlog::info(
      "demo API: {} events per weekday, seed {}, days {} to {}, invalid rate {}, late rate {}, "
      "now {}, {} fault(s)",
      args.events_per_day, args.seed, format_day(options.data.from), format_day(options.data.to),
      args.invalid_rate, args.late_rate,
      options.data.now ? format_time(*options.data.now) : "the system clock",
      options.faults.size());
  std::cout << "listening on " << server.url() << std::endl;  // the one stdout line, flushed

  int received = 0;
  sigwait(&stop_signals, &received);
  spdlog::info("demo API: {} received after {} requests, stopping",
               received == SIGINT ? "SIGINT" : "SIGTERM", server.requests());
  server.stop();
  return ExitCode::Success;
}

}  // namespace

Command add_demo_api_command(CLI::App& parent) {
  auto args = std::make_shared<DemoApiArgs>();
  CLI::App* app = parent.add_subcommand(
      "demo-api",
      "Serve the demo events API (deterministic events, optional faults) until "
      "SIGINT/SIGTERM; prints 'listening on URL' once it accepts connections");
  app->add_option("--port", args->port, "TCP port; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app->add_option("--host", args->host, "address to listen on")->capture_default_str();
  app->add_option("--events-per-day", args->events_per_day, "events on a weekday (weekends: 60%)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10'000'000}))
      ->capture_default_str();
  app->add_option("--seed", args->seed, "the same seed always gives the same events")
      ->capture_default_str();
  app->add_option("--from", args->from,
                  "first day served: YYYY-MM-DD, today, yesterday or today-N (of --now, UTC)")
      ->type_name("DATE")
      ->capture_default_str();
  app->add_option("--to", args->to, "last day served, a DATE like --from")
      ->type_name("DATE")
      ->capture_default_str();
  app->add_option("--now", args->now,
                  "the demo's clock, ISO-8601 (2024-01-05T14:30:00Z): only events uploaded by "
                  "then are served (default TRIBUTARY_NOW, else the system clock)")
      ->type_name("TIME");
  // The default is a public demo value; a chosen token is better passed as DEMO_API_TOKEN,
  // which does not show up in ps. Never echoed.
  app->add_option("--token", args->token,
                  "token expected in the api-token header (default demo-token)")
      ->envname("DEMO_API_TOKEN");
  app->add_option("--invalid-rate", args->invalid_rate, "fraction of invalid events, in [0, 1]")
      ->capture_default_str();
  app->add_option("--late-rate", args->late_rate,
                  "fraction of events uploaded 1 h to 72 h after they happened, in [0, 1]")
      ->capture_default_str();
  app->add_option("--fault", args->faults,
                  "inject a fault into RATE of the requests; KIND: 429, 500, 503, reset, cut, "
                  "stall, badjson; repeatable")
      ->type_name("KIND=RATE")
      ->allow_extra_args(false);
  app->add_flag("--gzip", args->gzip,
                "gzip bodies for clients that accept it (slow: off by default)");
  app->add_option("--stall-ms", args->stall_ms, "how long a 'stall' fault stops the body")
      ->capture_default_str();
  return Command{app, [args] { return run_demo_api(*args); }, /*reads_settings=*/false};
}

}  // namespace tributary::cli
