// `tributary fetch-day DATE [--save FILE] [--json]`: fetches one day from the API with the
// real client, validates it with the load's rules and reports, without touching a database.
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "tributary/clock.hpp"
#include "cli/rejection_report.hpp"
#include "tributary/api_client.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::cli {
namespace {

struct FetchArgs {
  std::string day;
  std::string save;
  bool json = false;
};

// Parses the body as it streams in and, when asked, writes the bytes to a file; a retried
// request starts both over.
class ReportingConsumer final : public DayConsumer {
 public:
  explicit ReportingConsumer(std::string save_path) : save_path_(std::move(save_path)) {}

  void begin_attempt() override {
    parser_ = std::make_unique<models::PayloadParser>(report);
    report.clear();
    if (!save_path_.empty()) {
      file_.close();
      file_.open(save_path_, std::ios::binary | std::ios::trunc);
      if (!file_) throw Error("cannot write " + save_path_);
    }
  }
  void consume(std::string_view bytes) override {
    if (file_.is_open()) file_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    parser_->feed(bytes);
  }
  void finish() override {
    summary = parser_->finish();
    if (file_.is_open()) file_.close();
  }

  models::PayloadSummary summary;
  RejectionReport report;

 private:
  std::string save_path_;
  std::ofstream file_;
  std::unique_ptr<models::PayloadParser> parser_;
};

ExitCode run_fetch_day(const FetchArgs& args, const GlobalOptions& global) {
  const auto day = parse_date_argument(args.day, "DATE", today());
  const auto settings = load_command_settings(global, {}, true, false);
  ApiClient client(settings.api);
  ReportingConsumer consumer(args.save);
  const auto fetch = client.fetch_day(day, consumer);
  const char* outcome = fetch.outcome == FetchOutcome::Empty ? "empty" : "events";
  if (args.json) {
    nlohmann::json out = {{"day", args.day},
                          {"outcome", outcome},
                          {"attempts", fetch.attempts},
                          {"bytes", fetch.body_bytes}};
    consumer.report.add_to_json(out, consumer.summary);
    std::cout << out.dump() << '\n';
  } else {
    std::cout << args.day << ": " << outcome << " after " << fetch.attempts << " attempt(s), "
              << fetch.body_bytes << " bytes\n";
    consumer.report.print_text(std::cout, consumer.summary);
  }
  return ExitCode::Success;
}

}  // namespace

Command add_fetch_day_command(CLI::App& parent, const GlobalOptions& global) {
  auto args = std::make_shared<FetchArgs>();
  auto* app = parent.add_subcommand(
      "fetch-day", "Fetch one day from the API and validate it, without loading (API_URL, API_TOKEN)");
  app->add_option("DATE", args->day, "the day, YYYY-MM-DD")->required();
  app->add_option("--save", args->save, "also write the payload to this file");
  app->add_flag("--json", args->json, "print the report as JSON");
  return Command{app, [args, &global] { return run_fetch_day(*args, global); }};
}

}  // namespace tributary::cli
