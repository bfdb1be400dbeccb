// `tributary demo-api`: serves the demo events API (docs/cli.md, demo-api) until SIGINT or
// SIGTERM. stdout carries exactly one line, `listening on URL`, for scripts to read; logs go
// to stderr.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "tributary/demo/calendar.hpp"
#include "tributary/demo/server.hpp"
#include "tributary/error.hpp"

namespace tributary::cli {
namespace {

struct DemoApiArgs {
  int port = 8085;
  std::string host = "127.0.0.1";
  std::size_t events_per_day = DemoOptions{}.events_per_day;
  std::uint64_t seed = DemoOptions{}.seed;
  std::string from = "2024-01-01";
  std::string to = "2024-01-31";
  std::string token = "demo-token";
  double invalid_rate = DemoOptions{}.invalid_rate;
  std::vector<std::string> faults;
  long stall_ms = 40'000;
  bool gzip = false;
};

date::sys_days parse_day_option(const std::string& option, const std::string& text) {
  const auto day = internal::demo::parse_iso_day(text);
  if (!day) throw ConfigError(option + " '" + text + "' is not a calendar day as YYYY-MM-DD");
  return *day;
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
  check([&] { options.data.from = parse_day_option("--from", args.from); });
  check([&] { options.data.to = parse_day_option("--to", args.to); });
  if (problems.empty() && options.data.from > options.data.to) {
    problems.push_back("--from " + args.from + " is after --to " + args.to);
  }
  if (!(args.invalid_rate >= 0.0 && args.invalid_rate <= 1.0)) {
    problems.push_back("--invalid-rate " + std::to_string(args.invalid_rate) +
                       " is not within [0, 1]");
  }
  if (args.token.empty()) problems.emplace_back("--token must not be empty");
  if (args.stall_ms < 0) problems.emplace_back("--stall-ms must not be negative");
  for (const auto& fault : args.faults) {
    check([&] { options.faults.push_back(parse_fault(fault)); });
  }
  if (!problems.empty()) {
    std::string message = "demo-api: ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    throw ConfigError(message);
  }
  options.data.seed = args.seed;
  options.data.events_per_day = args.events_per_day;
  options.data.invalid_rate = args.invalid_rate;
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
      "demo API: {} events per weekday, seed {}, days {} to {}, invalid rate {}, {} fault(s)",
      args.events_per_day, args.seed, args.from, args.to, args.invalid_rate, options.faults.size());
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
  app->add_option("--from", args->from, "first day served, YYYY-MM-DD")->capture_default_str();
  app->add_option("--to", args->to, "last day served, YYYY-MM-DD")->capture_default_str();
  // The default is a public demo value; a chosen token is better passed as DEMO_API_TOKEN,
  // which does not show up in ps. Never echoed.
  app->add_option("--token", args->token,
                  "token expected in the api-token header (default demo-token)")
      ->envname("DEMO_API_TOKEN");
  app->add_option("--invalid-rate", args->invalid_rate, "fraction of invalid events, in [0, 1]")
      ->capture_default_str();
  app->add_option("--fault", args->faults,
                  "inject a fault into RATE of the requests; KIND: 429, 500, 503, reset, cut, "
                  "stall, badjson; repeatable")
      ->type_name("KIND=RATE")
      ->allow_extra_args(false);
  app->add_flag("--gzip", args->gzip, "gzip bodies for clients that accept it (slow: off by default)");
  app->add_option("--stall-ms", args->stall_ms, "how long a 'stall' fault stops the body")
      ->capture_default_str();
  return Command{app, [args] { return run_demo_api(*args); }};
}

}  // namespace tributary::cli
